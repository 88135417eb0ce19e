/**
 * `/settings/members` (admins): the workspace's members and roles; Add member (a new account with a first
 * password, or an existing account), Change role and Remove (confirmed). A workspace keeps at least one
 * admin: the server's `last_admin` refusal is shown where it happened.
 */
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorMessage } from '../../api.js';
import { Alert, Spinner } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PlusIcon } from '../../components/icons.js';
import { ConfirmDialog, FormFooter, Modal } from '../../components/Modal.js';
import { ROLE_LABEL, ROLE_SUMMARY, ROLES } from '../../permissions.js';
import { useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import type { MemberView, Role } from '../../types.js';
import { useResource } from '../../useResource.js';
import { NotForYourRole, SectionHeader, When } from './common.js';

/** A refusal as the person reads it: `last_admin` gets a title of its own. */
function Refusal({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.code === 'last_admin') {
    return (
      <Alert tone="danger" title="A workspace needs an admin">
        {error.message}
      </Alert>
    );
  }
  return <Alert tone="danger">{errorMessage(error)}</Alert>;
}

export function MembersScreen() {
  useTitle('Members');
  const { session, can, refresh } = useSession();
  const allowed = can('members:manage');
  const load = useCallback(() => api.members().then((r) => r.items), []);
  const members = useResource(allowed ? load : null);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<MemberView | null>(null);
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);
  const [notice, setNotice] = useState<ReactNode>(null);

  if (!allowed) {
    return (
      <>
        <SectionHeader title="Members" lead={`The people who work in ${session.workspace.name}.`} />
        <NotForYourRole permission="members:manage" what="see and manage the members of a workspace" />
      </>
    );
  }

  const me = session.user?.id;

  async function remove() {
    if (!removing) return;
    setRemoveBusy(true);
    setRemoveError(null);
    try {
      await api.removeMember(removing.id);
      setNotice(
        <>
          <strong>{removing.email}</strong> no longer has access to {session.workspace.name}.
        </>,
      );
      setRemoving(null);
      await members.reload();
    } catch (err) {
      setRemoveError(err);
    } finally {
      setRemoveBusy(false);
    }
  }

  return (
    <>
      <SectionHeader
        title="Members"
        lead={
          <>
            The people who work in <strong>{session.workspace.name}</strong> and their roles. A workspace
            always keeps at least one admin.
          </>
        }
        actions={
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setNotice(null);
              setAdding(true);
            }}
          >
            <PlusIcon /> Add member
          </button>
        }
      />
      {notice && <Alert tone="success">{notice}</Alert>}
      {members.error && <Alert tone="danger">{members.error}</Alert>}
      {!members.data && !members.error && <Spinner label="Loading members…" />}
      {members.data && (
        <div className="table-scroll table-stack-wrap">
          <table className="table table-stack">
            <caption className="visually-hidden">Members of {session.workspace.name}</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.id}>
                  <th scope="row" data-label="Email" className="cell-name">
                    <span className="inline-flex wrap">
                      {m.email}
                      {m.id === me && <span className="badge badge-info">You</span>}
                    </span>
                  </th>
                  <td data-label="Role">
                    <span className="badge badge-neutral">{ROLE_LABEL[m.role]}</span>
                  </td>
                  <td data-label="Joined">
                    <When iso={m.joinedAt} />
                  </td>
                  <td className="cell-actions">
                    <span className="button-row">
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Change role of ${m.email}`}
                        onClick={() => {
                          setNotice(null);
                          setEditing(m);
                        }}
                      >
                        Change role
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger-ghost"
                        aria-label={`Remove ${m.email}`}
                        onClick={() => {
                          setNotice(null);
                          setRemoveError(null);
                          setRemoving(m);
                        }}
                      >
                        Remove
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {adding && (
        <AddMemberDialog
          workspaceId={session.workspace.id}
          onClose={() => setAdding(false)}
          onAdded={(m, created) => {
            setAdding(false);
            setNotice(
              <>
                <strong>{m.email}</strong> {created ? 'has an account now and' : ''} joined as{' '}
                {ROLE_LABEL[m.role].toLowerCase()}.
              </>,
            );
            void members.reload();
          }}
        />
      )}
      {editing && (
        <ChangeRoleDialog
          member={editing}
          isMe={editing.id === me}
          onClose={() => setEditing(null)}
          onChanged={(m) => {
            setEditing(null);
            setNotice(
              <>
                <strong>{m.email}</strong> is now {ROLE_LABEL[m.role].toLowerCase()}.
              </>,
            );
            // My own role changed: so did what this session may do.
            if (m.id === me) void refresh();
            else void members.reload();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title="Remove this member?"
          confirmLabel="Remove member"
          busy={removeBusy}
          error={removeError ? <Refusal error={removeError} /> : null}
          onCancel={() => setRemoving(null)}
          onConfirm={() => void remove()}
        >
          <p>
            <strong>{removing.email}</strong> loses access to <strong>{session.workspace.name}</strong> and is
            signed out of it. The account itself stays, with its other workspaces.
          </p>
          {removing.id === me && (
            <Alert tone="warning">This is you: you will lose access to this workspace.</Alert>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}

type AccountKind = 'new' | 'existing';

function AddMemberDialog({
  workspaceId,
  onClose,
  onAdded,
}: {
  workspaceId: string;
  onClose: () => void;
  onAdded: (m: MemberView, created: boolean) => void;
}) {
  const [kind, setKind] = useState<AccountKind>('new');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [errors, setErrors] = useState<{ email?: string; password?: string }>({});
  const [failure, setFailure] = useState<{ text: string; switchTo: AccountKind | null } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) next.email = 'Enter the email address of the person.';
    if (kind === 'new' && password.length < 8)
      next.password = 'Enter a first password of at least 8 characters.';
    setErrors(next);
    const first = Object.keys(next)[0];
    if (first) {
      e.currentTarget.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const m =
        kind === 'new'
          ? await api.createUser({ email: email.trim(), role, password })
          : await api.addMember(workspaceId, { email: email.trim(), role });
      onAdded(m, kind === 'new');
    } catch (err) {
      const code = err instanceof ApiError ? err.code : '';
      if (kind === 'new' && code === 'conflict') {
        setFailure({ text: 'An account with this email exists already.', switchTo: 'existing' });
      } else if (kind === 'existing' && code === 'not_found') {
        setFailure({ text: 'There is no account with this email yet.', switchTo: 'new' });
      } else {
        setFailure({ text: errorMessage(err), switchTo: null });
      }
      setBusy(false);
    }
  }

  return (
    <Modal
      title="Add member"
      onClose={onClose}
      footer={
        <FormFooter
          formId="add-member-form"
          label="Add member"
          busyLabel="Adding…"
          busy={busy}
          onCancel={onClose}
        />
      }
    >
      <form id="add-member-form" className="stack" onSubmit={submit} noValidate>
        {failure && (
          <Alert tone="danger">
            {failure.text}{' '}
            {failure.switchTo && (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setKind(failure.switchTo!);
                  setFailure(null);
                }}
              >
                {failure.switchTo === 'existing'
                  ? 'Add the existing account instead'
                  : 'Create a new account'}
              </button>
            )}
          </Alert>
        )}
        <fieldset className="choice-group">
          <legend>Account</legend>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="new"
              checked={kind === 'new'}
              onChange={() => setKind('new')}
              data-autofocus
            />
            <span>
              <span className="choice-label">New account</span>
              <span className="choice-hint">Create it with a first password that you share with them.</span>
            </span>
          </label>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="existing"
              checked={kind === 'existing'}
              onChange={() => setKind('existing')}
            />
            <span>
              <span className="choice-label">Existing account</span>
              <span className="choice-hint">
                Someone who already signs in to this Latchkey, in another workspace.
              </span>
            </span>
          </label>
        </fieldset>
        <TextField
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setErrors((er) => ({ ...er, email: undefined }));
          }}
          error={errors.email}
          autoComplete="off"
          spellCheck={false}
          maxLength={254}
          required
        />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          hint={ROLE_SUMMARY[role]}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </SelectField>
        {kind === 'new' && (
          <TextField
            label="Initial password"
            name="password"
            type={showPassword ? 'text' : 'password'}
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
              setErrors((er) => ({ ...er, password: undefined }));
            }}
            error={errors.password}
            autoComplete="new-password"
            spellCheck={false}
            minLength={8}
            maxLength={1024}
            required
            hint="At least 8 characters. Share it with them privately; they change it under Settings → Account."
            addon={
              <button
                type="button"
                className="button button-small input-addon"
                onClick={() => setShowPassword((s) => !s)}
                aria-pressed={showPassword}
                disabled={!password}
              >
                {showPassword ? 'Hide' : 'Show'}
              </button>
            }
          />
        )}
      </form>
    </Modal>
  );
}

function ChangeRoleDialog({
  member,
  isMe,
  onClose,
  onChanged,
}: {
  member: MemberView;
  isMe: boolean;
  onClose: () => void;
  onChanged: (m: MemberView) => void;
}) {
  const [role, setRole] = useState<Role>(member.role);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (role === member.role) return onClose();
    setBusy(true);
    setFailure(null);
    try {
      onChanged(await api.changeRole(member.id, role));
    } catch (err) {
      setFailure(err);
      setBusy(false);
    }
  }

  return (
    <Modal
      title="Change role"
      subtitle={member.email}
      size="sm"
      onClose={onClose}
      footer={
        <FormFooter
          formId="change-role-form"
          label="Change role"
          busyLabel="Saving…"
          busy={busy}
          onCancel={onClose}
        />
      }
    >
      <form id="change-role-form" className="stack" onSubmit={submit} noValidate>
        {failure ? <Refusal error={failure} /> : null}
        <fieldset className="choice-group">
          <legend>Role</legend>
          {ROLES.map((r) => (
            <label key={r} className="choice">
              <input
                type="radio"
                name="role"
                value={r}
                checked={role === r}
                onChange={() => setRole(r)}
                data-autofocus={role === r ? true : undefined}
              />
              <span>
                <span className="choice-label">{ROLE_LABEL[r]}</span>
                <span className="choice-hint">{ROLE_SUMMARY[r]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {isMe && role !== member.role && (
          <Alert tone="warning">
            This is your own role: you may lose access to what you are changing here.
          </Alert>
        )}
      </form>
    </Modal>
  );
}
