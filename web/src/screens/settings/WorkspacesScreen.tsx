/** `/settings/workspaces`: my workspaces and my role in each; switch to one; admins create one. */
import { useCallback, useState } from 'react';
import { api, errorMessage } from '../../api.js';
import { Alert, Spinner } from '../../components/Alert.js';
import { PlusIcon } from '../../components/icons.js';
import { NewWorkspaceDialog } from '../../components/NewWorkspaceDialog.js';
import { ROLE_LABEL } from '../../permissions.js';
import { useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import { useResource } from '../../useResource.js';
import { SectionHeader, When } from './common.js';

export function WorkspacesScreen() {
  useTitle('Workspaces');
  const { can, switchWorkspace } = useSession();
  const load = useCallback(() => api.workspaces().then((r) => r.items), []);
  const list = useResource(load);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function choose(id: string) {
    setBusy(id);
    setFailure(null);
    try {
      await switchWorkspace(id);
    } catch (err) {
      setFailure(errorMessage(err));
      setBusy(null);
    }
  }

  return (
    <>
      <SectionHeader
        title="Workspaces"
        lead="Each workspace has its own credentials, sources, members, API keys and audit log. Switching applies to this browser session."
        actions={
          can('workspaces:create') && (
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              <PlusIcon /> New workspace
            </button>
          )
        }
      />
      {failure && <Alert tone="danger">{failure}</Alert>}
      {list.error && <Alert tone="danger">{list.error}</Alert>}
      {!list.data && !list.error && <Spinner label="Loading workspaces…" />}
      {list.data && (
        <div className="table-scroll table-stack-wrap">
          <table className="table table-stack">
            <caption className="visually-hidden">Your workspaces</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Your role</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((w) => (
                <tr key={w.id}>
                  <th scope="row" data-label="Name" className="cell-name">
                    <span className="inline-flex wrap">
                      {w.name}
                      {w.current && <span className="badge badge-info">Current</span>}
                    </span>
                  </th>
                  <td data-label="Your role">{ROLE_LABEL[w.role]}</td>
                  <td data-label="Created">
                    <When iso={w.createdAt} />
                  </td>
                  <td className="cell-actions">
                    {!w.current && (
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => void choose(w.id)}
                        disabled={busy !== null}
                        aria-label={`Switch to ${w.name}`}
                      >
                        {busy === w.id ? 'Switching…' : 'Switch'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <NewWorkspaceDialog onClose={() => setCreating(false)} />}
    </>
  );
}
