/** `/sources`, `/destinations`: the list, newest first. */
import { useEffect, useState } from 'react';
import { api, errorMessage, isMissingRoute } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { PlusIcon } from '../components/icons.js';
import { PageHeader } from '../components/Layout.js';
import { relative } from '../format.js';
import { Link, useTitle } from '../router.js';
import { useSession } from '../session.js';
import type { CredentialView, DataKind, DataView } from '../types.js';
import { KIND } from './data-kind.js';

export function DataListScreen({ kind }: { kind: DataKind }) {
  const k = KIND[kind];
  useTitle(k.title);
  const { canWrite } = useSession();
  const [items, setItems] = useState<DataView[] | null>(null);
  const [credentials, setCredentials] = useState<Map<string, CredentialView>>(new Map());
  const [error, setError] = useState<{ text: string; missing: boolean } | null>(null);

  useEffect(() => {
    setItems(null);
    setError(null);
    api.dataList(kind).then(
      (r) => setItems(r.items),
      (err: unknown) => setError({ text: errorMessage(err), missing: isMissingRoute(err) }),
    );
    api.credentials().then(
      (r) => setCredentials(new Map(r.items.map((c) => [c.id, c]))),
      () => {},
    );
  }, [kind]);

  return (
    <>
      <PageHeader
        title={k.title}
        lead={k.lead}
        actions={
          canWrite && (
            <Link className="button button-primary" href={`${k.path}/new`}>
              <PlusIcon /> New {k.one}
            </Link>
          )
        }
      />
      {error &&
        (error.missing ? (
          <Alert tone="info" title={`This server has no ${k.one}s API yet.`}>
            {error.text}
          </Alert>
        ) : (
          <Alert tone="danger">{error.text}</Alert>
        ))}
      {!items && !error && <Spinner />}
      {items && items.length === 0 && (
        <div className="empty">
          <p>No {k.one}s yet.</p>
          {canWrite && (
            <Link className="button button-primary" href={`${k.path}/new`}>
              Create the first {k.one}
            </Link>
          )}
        </div>
      )}
      {items && items.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Connector</th>
                <th scope="col">Resource</th>
                <th scope="col">Credential</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link href={`${k.path}/${encodeURIComponent(d.id)}`}>{d.name}</Link>
                  </td>
                  <td>{d.connector}</td>
                  <td>
                    <code>{d.resource}</code>
                  </td>
                  <td>
                    <Link href={`/credentials/${encodeURIComponent(d.credentialId)}`}>
                      {credentials.get(d.credentialId)?.name ?? d.credentialId}
                    </Link>
                  </td>
                  <td>{relative(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
