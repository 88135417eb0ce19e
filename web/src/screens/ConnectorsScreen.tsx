/** `/connectors`: the catalog, one card per connector; a card opens its Authenticate screen. */
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { ConnectorLogo, SandboxBadge } from '../components/ConnectorLogo.js';
import { PageHeader } from '../components/Layout.js';
import { plural } from '../format.js';
import { Link, useTitle } from '../router.js';
import type { Connector, CredentialView } from '../types.js';

export function ConnectorsScreen() {
  useTitle('Connectors');
  const [connectors, setConnectors] = useState<Connector[] | null>(null);
  const [credentials, setCredentials] = useState<CredentialView[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.connectors().then(
      (r) => setConnectors(r.items),
      (err: unknown) => setError(errorMessage(err)),
    );
    api.credentials().then(
      (r) => setCredentials(r.items),
      () => {},
    );
  }, []);

  // The sandbox first: it is where a new user tries the whole flow.
  const sorted = connectors
    ? [...connectors].sort(
        (a, b) => Number(!!b.sandbox) - Number(!!a.sandbox) || a.name.localeCompare(b.name),
      )
    : null;

  return (
    <>
      <PageHeader
        title="Connectors"
        lead="Pick a connector to add a credential for it: register an OAuth app at the provider, enter its Client ID and Client Secret, then authorize."
      />
      {error && <Alert tone="danger">{error}</Alert>}
      {!sorted && !error && <Spinner label="Loading connectors…" />}
      {sorted && (
        <ul className="card-grid" aria-label="Connectors">
          {sorted.map((c) => {
            const mine = credentials.filter((x) => x.connector === c.id);
            const active = mine.filter((x) => x.status === 'active').length;
            const attention = mine.filter((x) => x.status === 'reauthorization_required').length;
            return (
              <li key={c.id}>
                <Link href={`/connectors/${encodeURIComponent(c.id)}`} className="card card-link">
                  <div className="card-head">
                    <ConnectorLogo connector={c} size={44} />
                    <div className="card-title">
                      <span className="card-name">{c.name}</span>
                      <span className="card-id">{c.id}</span>
                    </div>
                    {c.sandbox && <SandboxBadge />}
                  </div>
                  <p className="card-description">{c.description ?? 'No description.'}</p>
                  <div className="card-foot">
                    <span>{mine.length ? plural(mine.length, 'credential') : 'No credentials yet'}</span>
                    {active > 0 && <span className="dot-label dot-success">{active} active</span>}
                    {attention > 0 && (
                      <span className="dot-label dot-warning">{attention} need reauthorization</span>
                    )}
                  </div>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
