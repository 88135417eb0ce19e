/**
 * `/settings/account`: who I am, and Change password (current, new, confirm). The server ends my other
 * sessions; this one stays signed in.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../../api.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { ROLE_LABEL } from '../../permissions.js';
import { useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import { SectionHeader } from './common.js';

interface Form {
  current: string;
  next: string;
  confirm: string;
}
const EMPTY: Form = { current: '', next: '', confirm: '' };

export function AccountScreen() {
  useTitle('Account');
  const { session } = useSession();
  const [form, setForm] = useState<Form>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const set = (key: keyof Form) => (e: { target: { value: string } }) => {
    const value = e.target.value;
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((er) => ({ ...er, [key]: undefined }));
    setDone(false);
  };

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    if (!form.current) next.current = 'Enter your current password.';
    if (form.next.length < 8) next.next = 'Enter a new password of at least 8 characters.';
    else if (form.next === form.current) next.next = 'Choose a password other than the current one.';
    if (!next.next && form.confirm !== form.next) next.confirm = 'The two new passwords differ.';
    setErrors(next);
    const first = Object.keys(next)[0];
    const formEl = e.currentTarget;
    if (first) {
      formEl.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    setDone(false);
    try {
      await api.changePassword({ currentPassword: form.current, newPassword: form.next });
      setForm(EMPTY);
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'wrong_password') {
        setErrors({ current: 'This is not your current password.' });
        formEl.querySelector<HTMLElement>('[name="current"]')?.focus();
      } else setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <SectionHeader title="Account" lead="Your sign-in and password." />
      <section className="panel" aria-labelledby="account-heading">
        <h3 id="account-heading">Signed in as</h3>
        <dl className="dl">
          <div className="dl-row">
            <dt>Email</dt>
            <dd>{session.user?.email ?? 'An API key (no account)'}</dd>
          </div>
          <div className="dl-row">
            <dt>Workspace</dt>
            <dd>{session.workspace.name}</dd>
          </div>
          <div className="dl-row">
            <dt>Role</dt>
            <dd>{ROLE_LABEL[session.role]}</dd>
          </div>
        </dl>
      </section>
      {session.user && (
        <section className="panel" aria-labelledby="password-heading">
          <h3 id="password-heading">Change password</h3>
          <p className="muted">Your other sessions are signed out; you stay signed in here.</p>
          {done && (
            <Alert tone="success" title="Password changed">
              Use the new password from now on. Your other sessions were signed out.
            </Alert>
          )}
          {failure && <Alert tone="danger">{failure}</Alert>}
          <form className="stack form-narrow" onSubmit={submit} noValidate>
            {/* Lets password managers tie the new password to the account. */}
            <input
              type="email"
              name="username"
              autoComplete="username"
              value={session.user.email}
              readOnly
              hidden
            />
            <TextField
              label="Current password"
              name="current"
              type="password"
              autoComplete="current-password"
              value={form.current}
              onChange={set('current')}
              error={errors.current}
              required
            />
            <TextField
              label="New password"
              name="next"
              type="password"
              autoComplete="new-password"
              value={form.next}
              onChange={set('next')}
              error={errors.next}
              hint="At least 8 characters."
              minLength={8}
              maxLength={1024}
              required
            />
            <TextField
              label="Confirm new password"
              name="confirm"
              type="password"
              autoComplete="new-password"
              value={form.confirm}
              onChange={set('confirm')}
              error={errors.confirm}
              required
            />
            <div className="button-row">
              <button type="submit" className="button button-primary" disabled={busy}>
                {busy ? 'Changing…' : 'Change password'}
              </button>
            </div>
          </form>
        </section>
      )}
    </>
  );
}
