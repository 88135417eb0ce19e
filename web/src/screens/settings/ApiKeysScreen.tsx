/**
 * `/settings/api-keys`: the workspace's API keys (never their values) — name, role, last four, created,
 * expires, last used, revoked — with Create API key (the key is shown once) and Revoke (confirmed).
 */
import { useCallback, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api.js';
import { Alert, Spinner } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PlusIcon } from '../../components/icons.js';
import { ConfirmDialog, FormFooter, Modal } from '../../components/Modal.js';
import { SecretOnce } from '../../components/SecretOnce.js';
import { absolute } from '../../format.js';
import { atMost, ROLE_LABEL, ROLE_SUMMARY, ROLES } from '../../permissions.js';
import { useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import type { ApiKeyView, CreatedApiKey, Role } from '../../types.js';
import { useResource } from '../../useResource.js';
import { NotForYourRole, SectionHeader, When } from './common.js';

type KeyState = 'active' | 'expired' | 'revoked';

function stateOf(k: ApiKeyView, now = Date.now()): KeyState {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return 'expired';
  return 'active';
}

function KeyStatus({ k }: { k: ApiKeyView }) {
  const state = stateOf(k);
  if (state === 'revoked') {
    return (
      <span className="badge badge-danger" title={absolute(k.revokedAt)}>
        <span className="badge-dot" aria-hidden="true" />
        Revoked <When iso={k.revokedAt} />
      </span>
    );
  }
  if (state === 'expired') {
    return (
      <span className="badge badge-warning">
        <span className="badge-dot" aria-hidden="true" />
        Expired
      </span>
    );
  }
  return (
    <span className="badge badge-success">
      <span className="badge-dot" aria-hidden="true" />
      Active
    </span>
  );
}

export function ApiKeysScreen() {
  useTitle('API keys');
  const { session, can } = useSession();
  const allowed = can('api_keys:manage');
  const load = useCallback(() => api.apiKeys().then((r) => r.items), []);
  const keys = useResource(allowed ? load : null);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  if (!allowed) {
    return (
      <>
        <SectionHeader title="API keys" lead="Keys let programs call the Latchkey API as this workspace." />
        <NotForYourRole permission="api_keys:manage" what="manage API keys" />
      </>
    );
  }

  async function revoke() {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await api.revokeApiKey(revoking.id);
      setNotice(`The key “${revoking.name}” is revoked: it no longer works.`);
      setRevoking(null);
      await keys.reload();
    } catch (err) {
      setRevokeError(errorMessage(err));
    } finally {
      setRevokeBusy(false);
    }
  }

  const sorted = [...(keys.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <>
      <SectionHeader
        title="API keys"
        lead={
          <>
            Programs send a key as <code>Authorization: Bearer …</code> to act in{' '}
            <strong>{session.workspace.name}</strong> with the key’s role. Latchkey stores only a hash: a key
            is shown once, when it is created.
          </>
        }
        actions={
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setNotice(null);
              setCreating(true);
            }}
          >
            <PlusIcon /> Create API key
          </button>
        }
      />
      {notice && <Alert tone="success">{notice}</Alert>}
      {keys.error && <Alert tone="danger">{keys.error}</Alert>}
      {!keys.data && !keys.error && <Spinner label="Loading API keys…" />}
      {keys.data && keys.data.length === 0 && (
        <div className="empty">
          <p>No API keys in this workspace yet.</p>
        </div>
      )}
      {sorted.length > 0 && (
        <div className="table-scroll table-stack-wrap">
          <table className="table table-stack">
            <caption className="visually-hidden">API keys of {session.workspace.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((k) => {
                const state = stateOf(k);
                return (
                  <tr key={k.id} className={state === 'active' ? undefined : 'row-inactive'}>
                    <th scope="row" data-label="Name" className="cell-name">
                      {k.name}
                    </th>
                    <td data-label="Role">{ROLE_LABEL[k.role]}</td>
                    <td data-label="Key">
                      <code title={`ending in ${k.lastFour}`}>…{k.lastFour}</code>
                    </td>
                    <td data-label="Created">
                      <When iso={k.createdAt} />
                    </td>
                    <td data-label="Expires">
                      <When iso={k.expiresAt} empty="Never" />
                    </td>
                    <td data-label="Last used">
                      <When iso={k.lastUsedAt} empty="Never" />
                    </td>
                    <td data-label="Status">
                      <KeyStatus k={k} />
                    </td>
                    <td className="cell-actions">
                      {state !== 'revoked' && atMost(k.role, session.role) && (
                        <button
                          type="button"
                          className="button button-small button-danger-ghost"
                          aria-label={`Revoke ${k.name}`}
                          onClick={() => {
                            setRevokeError(null);
                            setRevoking(k);
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {creating && (
        <CreateApiKeyDialog
          role={session.role}
          onCreated={() => void keys.reload()}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this API key?"
          confirmLabel="Revoke key"
          busy={revokeBusy}
          error={revokeError && <Alert tone="danger">{revokeError}</Alert>}
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke()}
        >
          <p>
            <strong>{revoking.name}</strong> (<code>…{revoking.lastFour}</code>, {revoking.role}) stops
            working at once: programs using it get <code>401</code>. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

interface Form {
  name: string;
  role: Role;
  days: string;
}

function CreateApiKeyDialog({
  role,
  onCreated,
  onClose,
}: {
  role: Role;
  onCreated: (k: CreatedApiKey) => void;
  onClose: () => void;
}) {
  const roles = ROLES.filter((r) => atMost(r, role));
  const [form, setForm] = useState<Form>({
    name: '',
    role: roles.includes('editor') ? 'editor' : role,
    days: '',
  });
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const set = (key: keyof Form) => (e: { target: { value: string } }) => {
    const value = e.target.value;
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((er) => ({ ...er, [key]: undefined }));
  };

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    if (!form.name.trim()) next.name = 'Enter a name, such as the program that will use the key.';
    const days = form.days.trim() === '' ? undefined : Number(form.days);
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      next.days = 'Enter a whole number of days from 1 to 3650, or leave it empty.';
    }
    setErrors(next);
    const first = Object.keys(next)[0];
    if (first) {
      e.currentTarget.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const key = await api.createApiKey({ name: form.name.trim(), role: form.role, expiresInDays: days });
      setCreated(key);
      onCreated(key);
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <Modal
        title="API key created"
        subtitle={`${created.name} · ${ROLE_LABEL[created.role]}`}
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <SecretOnce label="API key" value={created.key}>
          Store it in your program’s secret store now. Latchkey keeps only a hash and cannot show it again: if
          it is lost, revoke it and create a new one.
        </SecretOnce>
        <p className="muted modal-note">
          {created.expiresAt ? (
            <>
              Expires <When iso={created.expiresAt} /> ({absolute(created.expiresAt)}).
            </>
          ) : (
            'It does not expire: revoke it when it is no longer needed.'
          )}
        </p>
      </Modal>
    );
  }

  return (
    <Modal
      title="Create API key"
      onClose={onClose}
      footer={
        <FormFooter
          formId="api-key-form"
          label="Create API key"
          busyLabel="Creating…"
          busy={busy}
          onCancel={onClose}
        />
      }
    >
      <form id="api-key-form" className="stack" onSubmit={submit} noValidate>
        {failure && <Alert tone="danger">{failure}</Alert>}
        <TextField
          label="Name"
          name="name"
          value={form.name}
          onChange={set('name')}
          error={errors.name}
          maxLength={200}
          autoComplete="off"
          required
          data-autofocus
          placeholder="e.g. Nightly import"
        />
        <div className="grid-2">
          <SelectField
            label="Role"
            name="role"
            value={form.role}
            onChange={set('role')}
            hint={ROLE_SUMMARY[form.role]}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Expires in (days)"
            name="days"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            value={form.days}
            onChange={set('days')}
            error={errors.days}
            optional
            hint="Empty: the key never expires."
          />
        </div>
        {roles.length < ROLES.length && <p className="muted">A key’s role is at most your own ({role}).</p>}
      </form>
    </Modal>
  );
}
