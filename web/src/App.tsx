/**
 * The shell: find out who is signed in (or whether Latchkey needs setting up), then route. Screens that
 * need a session render inside the layout; `/oauth/complete` renders on its own (it lives in a popup).
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, errorMessage, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { Alert, Spinner } from './components/Alert.js';
import { Layout } from './components/Layout.js';
import { can } from './permissions.js';
import { Link, match, navigate, useLocation } from './router.js';
import { AuthenticateScreen } from './screens/AuthenticateScreen.js';
import { SetupScreen, SignInScreen } from './screens/AuthScreens.js';
import { ConnectorsScreen } from './screens/ConnectorsScreen.js';
import { CredentialScreen } from './screens/CredentialScreen.js';
import { DataDetailScreen } from './screens/DataDetailScreen.js';
import { DataListScreen } from './screens/DataListScreen.js';
import { DataNewScreen } from './screens/DataNewScreen.js';
import { OAuthCompleteScreen } from './screens/OAuthCompleteScreen.js';
import { SettingsScreen } from './screens/settings/SettingsScreen.js';
import { SessionContext, type SessionState } from './session.js';
import type { SessionView } from './types.js';

type Boot =
  | { state: 'loading' }
  | { state: 'signed-in'; session: SessionView }
  | { state: 'signed-out'; needsSetup: boolean }
  | { state: 'failed'; message: string };

const PUBLIC_PATHS = new Set(['/setup', '/signin']);

function safeNext(next: string | null): string {
  // Only a path of this site: never `//host` or `/\host`, which browsers read as another origin.
  return next && /^\/(?![/\\])/.test(next) && !PUBLIC_PATHS.has(next.split('?')[0]!) ? next : '/connectors';
}

function Screen({ path }: { path: string }): ReactNode {
  let m: Record<string, string> | null;
  if (path === '/connectors') return <ConnectorsScreen />;
  if ((m = match('/connectors/:connectorId', path)))
    return <AuthenticateScreen key={m.connectorId} connectorId={m.connectorId!} />;
  if ((m = match('/credentials/:id', path))) return <CredentialScreen key={m.id} id={m.id!} />;
  if (path === '/settings' || path.startsWith('/settings/')) return <SettingsScreen path={path} />;
  for (const kind of ['source', 'destination'] as const) {
    const base = `/${kind}s`;
    if (path === base) return <DataListScreen key={kind} kind={kind} />;
    if (path === `${base}/new`) return <DataNewScreen key={kind} kind={kind} />;
    if ((m = match(`${base}/:id`, path)))
      return <DataDetailScreen key={`${kind}:${m.id}`} kind={kind} id={m.id!} />;
  }
  return (
    <Alert tone="warning" title="Page not found">
      There is nothing at <code>{path}</code>. Go to the <Link href="/connectors">connectors</Link>.
    </Alert>
  );
}

export function App() {
  const { path, query } = useLocation();
  const [boot, setBoot] = useState<Boot>({ state: 'loading' });

  const load = useCallback(async () => {
    try {
      const session = await api.session();
      setCsrfToken(session.csrfToken);
      setBoot({ state: 'signed-in', session });
    } catch (err) {
      try {
        const { needsSetup } = await api.setupStatus();
        setBoot({ state: 'signed-out', needsSetup });
      } catch {
        setBoot({ state: 'failed', message: errorMessage(err) });
      }
    }
  }, []);

  // Once (the popup page needs no session): later changes come from sign-in, sign-out and 401 answers.
  const inPopup = path === '/oauth/complete';
  useEffect(() => {
    if (!inPopup) void load();
  }, [load, inPopup]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setBoot({ state: 'signed-out', needsSetup: false });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const signedIn = useCallback((session: SessionView) => {
    setCsrfToken(session.csrfToken);
    setBoot({ state: 'signed-in', session });
    navigate(safeNext(new URLSearchParams(window.location.search).get('next')), { replace: true });
  }, []);

  const sessionState = useMemo<SessionState | null>(() => {
    if (boot.state !== 'signed-in') return null;
    const role = boot.session.role;
    return {
      session: boot.session,
      canWrite: role !== 'viewer',
      can: (permission) => can(role, permission),
      switchWorkspace: async (workspaceId) => {
        const session = await api.switchWorkspace(workspaceId);
        // A credential, source or destination of the old workspace is not found in the new one.
        const here = window.location.pathname;
        const list = /^\/(credentials|sources|destinations)\/(?!new$)[^/]+$/.exec(here);
        if (list) navigate(list[1] === 'credentials' ? '/connectors' : `/${list[1]}`);
        setCsrfToken(session.csrfToken);
        setBoot({ state: 'signed-in', session });
      },
      refresh: async () => {
        const session = await api.session();
        setCsrfToken(session.csrfToken);
        setBoot({ state: 'signed-in', session });
      },
      signOut: () => {
        void api.signOut().finally(() => {
          setCsrfToken(null);
          setBoot({ state: 'signed-out', needsSetup: false });
          navigate('/signin', { replace: true });
        });
      },
    };
  }, [boot]);

  // Keep the address in step with the state.
  useEffect(() => {
    if (path === '/oauth/complete') return;
    if (boot.state === 'signed-out') {
      if (boot.needsSetup && path !== '/setup') navigate('/setup', { replace: true });
      if (!boot.needsSetup && path !== '/signin') {
        const here = window.location.pathname + window.location.search;
        navigate(
          here === '/' || PUBLIC_PATHS.has(path) ? '/signin' : `/signin?next=${encodeURIComponent(here)}`,
          {
            replace: true,
          },
        );
      }
    }
    if (boot.state === 'signed-in' && (path === '/' || PUBLIC_PATHS.has(path))) {
      navigate(safeNext(query.get('next')), { replace: true });
    }
  }, [boot, path, query]);

  if (path === '/oauth/complete') return <OAuthCompleteScreen />;
  if (boot.state === 'loading') return <Spinner label="Loading Latchkey…" />;
  if (boot.state === 'failed') {
    return (
      <main id="main" className="auth-page">
        <div className="auth-card">
          <Alert tone="danger" title="Latchkey is not answering">
            {boot.message}
          </Alert>
          <button type="button" className="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (boot.state === 'signed-out') {
    return boot.needsSetup ? <SetupScreen onDone={signedIn} /> : <SignInScreen onDone={signedIn} />;
  }
  return (
    <SessionContext.Provider value={sessionState}>
      <Layout>
        {/* A new workspace: every screen starts over, with nothing of the old one in its state. */}
        <Screen key={boot.session.workspace.id} path={path} />
      </Layout>
    </SessionContext.Provider>
  );
}
