/** First run (Set up Latchkey) and Sign in: the two screens shown without a session. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorMessage } from '../api.js';
import { Alert } from '../components/Alert.js';
import { TextField } from '../components/Field.js';
import { LogoMark } from '../components/icons.js';
import { useTitle } from '../router.js';
import type { SessionView } from '../types.js';

function AuthCard({ title, lead, children }: { title: string; lead: string; children: ReactNode }) {
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <div className="auth-brand">
          <LogoMark size={36} />
          <span>Latchkey</span>
        </div>
        <h1>{title}</h1>
        <p className="lead">{lead}</p>
        {children}
      </div>
      <p className="auth-footnote">Self-hosted OAuth credential broker</p>
    </main>
  );
}

function useAuthForm(
  submit: (email: string, password: string) => Promise<SessionView>,
  done: (s: SessionView) => void,
) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      done(await submit(email.trim(), password));
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'invalid_credentials'
          ? 'Wrong email or password.'
          : errorMessage(err),
      );
      setBusy(false);
    }
  };
  return { email, setEmail, password, setPassword, error, busy, onSubmit };
}

export function SetupScreen({ onDone }: { onDone: (s: SessionView) => void }) {
  useTitle('Set up Latchkey');
  const f = useAuthForm(api.setup, onDone);
  return (
    <AuthCard
      title="Set up Latchkey"
      lead="Create the first account. It administers this Latchkey server: credentials, members and API keys."
    >
      <form className="stack" onSubmit={f.onSubmit} noValidate>
        {f.error && <Alert tone="danger">{f.error}</Alert>}
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={f.email}
          onChange={(e) => f.setEmail(e.target.value)}
          required
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          value={f.password}
          onChange={(e) => f.setPassword(e.target.value)}
          hint="At least 8 characters."
          minLength={8}
          required
        />
        <button type="submit" className="button button-primary button-block" disabled={f.busy}>
          {f.busy ? 'Creating…' : 'Create admin account'}
        </button>
      </form>
    </AuthCard>
  );
}

export function SignInScreen({ onDone }: { onDone: (s: SessionView) => void }) {
  useTitle('Sign in');
  const f = useAuthForm(api.signIn, onDone);
  return (
    <AuthCard title="Sign in" lead="Sign in to manage your connectors and credentials.">
      <form className="stack" onSubmit={f.onSubmit} noValidate>
        {f.error && <Alert tone="danger">{f.error}</Alert>}
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={f.email}
          onChange={(e) => f.setEmail(e.target.value)}
          required
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={f.password}
          onChange={(e) => f.setPassword(e.target.value)}
          required
        />
        <button type="submit" className="button button-primary button-block" disabled={f.busy}>
          {f.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}
