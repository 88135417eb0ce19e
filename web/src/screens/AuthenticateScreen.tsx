/**
 * `/connectors/:connectorId`: the Authenticate screen — the connector's credentials as tiles, the Add
 * Credential overlay, and what to do with the selected one. A full-page authorization (popup blocked) comes
 * back here with `?credential=…&oauth_result=…`; the overlay then shows the outcome.
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorMessage } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { AuthenticatePanel, useCredentials, type DialogState } from '../components/AuthenticatePanel.js';
import { ConnectorLogo, SandboxBadge } from '../components/ConnectorLogo.js';
import { ExternalIcon } from '../components/icons.js';
import { Breadcrumbs, PageHeader } from '../components/Layout.js';
import { describeOutcome, type OAuthOutcome } from '../oauth.js';
import { Link, navigate, useLocation, useTitle } from '../router.js';
import { useSession } from '../session.js';
import type { Connector, OAuthResult } from '../types.js';
import { useAuthorize } from '../useAuthorize.js';

export function useConnector(id: string | null) {
  const [connector, setConnector] = useState<Connector | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setConnector(null);
    setError(null);
    if (!id) return;
    api
      .connector(id)
      .then(setConnector, (err: unknown) =>
        setError(
          err instanceof ApiError && err.status === 404
            ? `There is no connector “${id}”.`
            : errorMessage(err),
        ),
      );
  }, [id]);
  return { connector, error };
}

/** The outcome carried by the query of a full-page return from the OAuth callback. */
export function outcomeFromQuery(q: URLSearchParams): OAuthOutcome | null {
  const result = q.get('oauth_result');
  if (result !== 'authorized' && result !== 'denied' && result !== 'error') return null;
  return {
    result: result satisfies OAuthResult,
    errorCode: q.get('error_code'),
    errorMessage: q.get('error_message'),
  };
}

export function AuthenticateScreen({ connectorId }: { connectorId: string }) {
  const { canWrite } = useSession();
  const { query } = useLocation();
  const { connector, error } = useConnector(connectorId);
  useTitle(connector ? `Authenticate · ${connector.name}` : 'Authenticate');
  const credentials = useCredentials(connectorId);
  const [dialog, setDialog] = useState<DialogState>(null);
  const queried = query.get('credential') ?? query.get('credential_id');
  const [selectedId, setSelectedId] = useState<string | null>(queried);
  const reauth = useAuthorize(connectorId, async (id) => {
    const c = await api.credential(id).catch(() => null);
    if (c) credentials.upsert(c);
  });

  // Back from a full-page authorization: open the overlay on that credential with the outcome.
  const returned = outcomeFromQuery(query);
  const handledReturn = useRef(false);
  useEffect(() => {
    if (handledReturn.current || !returned || !queried || !credentials.items) return;
    handledReturn.current = true;
    const c = credentials.items.find((x) => x.id === queried);
    if (c) setDialog({ mode: 'edit', credential: c, outcome: returned });
    navigate(`/connectors/${encodeURIComponent(connectorId)}?credential=${encodeURIComponent(queried)}`, {
      replace: true,
    });
  }, [returned, queried, credentials.items, connectorId]);

  const select = (id: string | null) => {
    setSelectedId(id);
    reauth.clear();
    if (id)
      navigate(`/connectors/${encodeURIComponent(connectorId)}?credential=${encodeURIComponent(id)}`, {
        replace: true,
      });
  };

  if (error) {
    return (
      <>
        <Breadcrumbs items={[{ href: '/connectors', label: 'Connectors' }, { label: connectorId }]} />
        <Alert tone="danger">{error}</Alert>
      </>
    );
  }
  if (!connector) return <Spinner />;

  const selected = credentials.items?.find((c) => c.id === selectedId) ?? null;

  return (
    <>
      <Breadcrumbs items={[{ href: '/connectors', label: 'Connectors' }, { label: connector.name }]} />
      <PageHeader
        icon={<ConnectorLogo connector={connector} size={52} />}
        eyebrow={
          <span className="inline-flex">
            {connector.name}
            {connector.sandbox && <SandboxBadge />}
          </span>
        }
        title="Authenticate"
        lead={`Choose the credential Latchkey uses to call ${connector.name}, or add one.`}
        actions={
          connector.docsUrl && (
            <a className="button button-ghost" href={connector.docsUrl} target="_blank" rel="noreferrer">
              {connector.sandbox ? 'Register an app' : 'Provider docs'} <ExternalIcon />
            </a>
          )
        }
      />
      {connector.sandbox && (
        <Alert tone="info" title="This is the built-in sandbox, not the real provider." live={false}>
          Register an app on its{' '}
          {connector.docsUrl ? (
            <a href={connector.docsUrl} target="_blank" rel="noreferrer">
              Developer › API Settings
            </a>
          ) : (
            'Developer › API Settings'
          )}{' '}
          page, then sign in with the demo account <code>demo@sandbox.2ememain.test</code> / <code>demo</code>
          .
        </Alert>
      )}
      <section aria-labelledby="credentials-heading" className="section">
        <h2 id="credentials-heading" className="section-title">
          Credentials
        </h2>
        <AuthenticatePanel
          connector={connector}
          selectedId={selectedId}
          onSelect={select}
          dialog={dialog}
          setDialog={setDialog}
          credentials={credentials}
        />
      </section>
      {selected && (
        <section className="action-bar" aria-label="Selected credential">
          <div className="action-bar-text">
            <span className="muted">Selected</span> <strong>{selected.name}</strong>
          </div>
          <div className="action-bar-buttons">
            <Link className="button" href={`/credentials/${encodeURIComponent(selected.id)}`}>
              Details
            </Link>
            {canWrite && (
              <>
                <button
                  type="button"
                  className="button"
                  onClick={() => setDialog({ mode: 'edit', credential: selected })}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className={selected.status === 'active' ? 'button' : 'button button-primary'}
                  onClick={() => reauth.start(selected.id)}
                  disabled={reauth.busy}
                >
                  {reauth.busy
                    ? 'Waiting…'
                    : selected.status === 'pending_authorization'
                      ? 'Authorize'
                      : 'Re-authorize'}
                </button>
                <Link
                  className={selected.status === 'active' ? 'button button-primary' : 'button'}
                  href={`/sources/new?connector=${encodeURIComponent(connector.id)}&credential=${encodeURIComponent(selected.id)}`}
                >
                  New data source
                </Link>
              </>
            )}
          </div>
        </section>
      )}
      {reauth.outcome && (
        <Alert
          tone={
            reauth.outcome.result === 'authorized'
              ? 'success'
              : reauth.outcome.result === 'closed'
                ? 'info'
                : 'danger'
          }
        >
          {describeOutcome(reauth.outcome, connector.name)}
        </Alert>
      )}
      {reauth.error && <Alert tone="danger">{reauth.error}</Alert>}
    </>
  );
}
