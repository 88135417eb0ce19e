/**
 * `/credentials/:id`: everything about one credential — status, scopes, token expiry, last refresh, last
 * error, last test — and its actions: Re-authorize, Test, Refresh, Edit, Revoke and Delete (both confirmed).
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, errorMessage, isMissingRoute } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { ConnectorLogo, SandboxBadge } from '../components/ConnectorLogo.js';
import { CopyButton } from '../components/CopyButton.js';
import { CredentialDialog } from '../components/CredentialDialog.js';
import { Breadcrumbs, PageHeader } from '../components/Layout.js';
import { ConfirmDialog } from '../components/Modal.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { absolute, relative } from '../format.js';
import { describeOutcome } from '../oauth.js';
import { Link, navigate, useTitle } from '../router.js';
import { useSession } from '../session.js';
import type { CredentialView } from '../types.js';
import { useAuthorize } from '../useAuthorize.js';
import { useConnector } from './AuthenticateScreen.js';

function When({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={absolute(iso)}>
      {relative(iso)} <span className="muted">· {absolute(iso)}</span>
    </time>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="dl-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Scopes({ value, empty }: { value: string | null; empty: string }) {
  const list = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (!list.length) return <span className="muted">{empty}</span>;
  return (
    <span className="chips">
      {list.map((s) => (
        <code key={s} className="chip">
          {s}
        </code>
      ))}
    </span>
  );
}

type Action = 'test' | 'refresh' | 'revoke' | 'delete';

export function CredentialScreen({ id }: { id: string }) {
  const { canWrite, can } = useSession();
  const [credential, setCredential] = useState<CredentialView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { connector } = useConnector(credential?.connector ?? null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [notice, setNotice] = useState<{ tone: 'success' | 'danger' | 'info'; text: string } | null>(null);
  const [confirm, setConfirm] = useState<'revoke' | 'delete' | null>(null);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  useTitle(credential?.name ?? 'Credential');

  const load = useCallback(async (): Promise<CredentialView | null> => {
    try {
      const c = await api.credential(id);
      setCredential(c);
      return c;
    } catch (err) {
      setLoadError(
        err instanceof ApiError && err.status === 404
          ? 'There is no such credential in this workspace.'
          : errorMessage(err),
      );
      return null;
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  const reauth = useAuthorize(credential?.connector ?? null, () => void load());

  const connectorName = connector?.name ?? credential?.connector ?? '';

  async function act(action: Exclude<Action, 'delete'>) {
    setBusy(action);
    setNotice(null);
    reauth.clear();
    try {
      if (action === 'test') await api.test(id);
      if (action === 'refresh') await api.refresh(id);
      if (action === 'revoke') await api.revoke(id);
      const fresh = await load();
      setConfirm(null);
      if (action === 'test' && fresh?.lastTest) {
        const t = fresh.lastTest;
        setNotice({
          tone: t.ok ? 'success' : 'danger',
          text: `Test ${t.ok ? 'passed' : 'failed'}${t.status !== null ? `: ${connectorName} answered HTTP ${t.status}` : ''}.`,
        });
      }
      if (action === 'refresh') setNotice({ tone: 'success', text: 'Token refreshed.' });
      if (action === 'revoke')
        setNotice({ tone: 'success', text: 'Tokens revoked at the provider and wiped.' });
    } catch (err) {
      const text = isMissingRoute(err)
        ? `This server does not offer “${action}” yet (${errorMessage(err)}).`
        : errorMessage(err);
      if (action === 'revoke') setConfirmError(text);
      else setNotice({ tone: 'danger', text });
      await load();
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy('delete');
    setConfirmError(null);
    try {
      await api.deleteCredential(id);
      navigate(`/connectors/${encodeURIComponent(credential?.connector ?? '')}`);
    } catch (err) {
      setConfirmError(errorMessage(err));
      setBusy(null);
    }
  }

  if (loadError) {
    return (
      <>
        <Breadcrumbs items={[{ href: '/connectors', label: 'Connectors' }, { label: 'Credential' }]} />
        <Alert tone="danger">{loadError}</Alert>
      </>
    );
  }
  if (!credential) return <Spinner />;
  const c = credential;

  return (
    <>
      <Breadcrumbs
        items={[
          { href: '/connectors', label: 'Connectors' },
          { href: `/connectors/${encodeURIComponent(c.connector)}`, label: connectorName },
          { label: c.name },
        ]}
      />
      <PageHeader
        icon={connector && <ConnectorLogo connector={connector} size={52} />}
        eyebrow={
          <span className="inline-flex">
            Credential for {connectorName}
            {connector?.sandbox && <SandboxBadge />}
          </span>
        }
        title={
          <span className="inline-flex wrap">
            {c.name} <StatusBadge status={c.status} />
          </span>
        }
        lead={c.description || undefined}
        actions={
          <>
            {can('audit:read') && (
              <Link
                className="button button-ghost"
                href={`/settings/audit?credentialId=${encodeURIComponent(c.id)}`}
              >
                Audit log
              </Link>
            )}
            {canWrite && (
              <button type="button" className="button" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
          </>
        }
      />

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
          {describeOutcome(reauth.outcome, connectorName)}
        </Alert>
      )}
      {reauth.error && <Alert tone="danger">{reauth.error}</Alert>}
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      {c.status === 'reauthorization_required' && !reauth.outcome && (
        <Alert tone="warning" title="Reauthorization required">
          The provider no longer accepts this credential's refresh token. Authorize it again to resume.
        </Alert>
      )}

      {canWrite && (
        <div className="toolbar" role="group" aria-label="Credential actions">
          <button
            type="button"
            className={c.status === 'active' ? 'button' : 'button button-primary'}
            onClick={() => reauth.start(c.id)}
            disabled={reauth.busy}
          >
            {reauth.busy ? 'Waiting for the provider…' : 'Re-authorize'}
          </button>
          <button type="button" className="button" onClick={() => act('test')} disabled={busy !== null}>
            {busy === 'test' ? 'Testing…' : 'Test'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => act('refresh')}
            disabled={busy !== null || c.status !== 'active'}
          >
            {busy === 'refresh' ? 'Refreshing…' : 'Refresh token'}
          </button>
          <span className="toolbar-spacer" />
          <button
            type="button"
            className="button button-danger-ghost"
            onClick={() => {
              setConfirmError(null);
              setConfirm('revoke');
            }}
            disabled={busy !== null || c.status === 'revoked'}
          >
            Revoke
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setConfirmError(null);
              setConfirm('delete');
            }}
            disabled={busy !== null}
          >
            Delete
          </button>
        </div>
      )}

      <div className="panels">
        <section className="panel" aria-labelledby="status-heading">
          <h2 id="status-heading">Status</h2>
          <dl className="dl">
            <Row label="Status">
              <StatusBadge status={c.status} />
            </Row>
            <Row label="Token expiry">
              <When iso={c.accessTokenExpiresAt} />
            </Row>
            <Row label="Last refresh">
              <When iso={c.lastRefreshedAt} />
            </Row>
            <Row label="Last error">
              {c.lastError ? (
                <span className="error-text">
                  <code>{c.lastError.code}</code> {c.lastError.message}{' '}
                  <span className="muted">· {relative(c.lastError.at)}</span>
                </span>
              ) : (
                <span className="muted">None</span>
              )}
            </Row>
            <Row label="Last test">
              {c.lastTest ? (
                <span className={c.lastTest.ok ? 'success-text' : 'error-text'}>
                  {c.lastTest.ok ? 'Passed' : 'Failed'}
                  {c.lastTest.status !== null && ` (HTTP ${c.lastTest.status})`}{' '}
                  <span className="muted">· {relative(c.lastTest.at)}</span>
                </span>
              ) : (
                <span className="muted">Never tested</span>
              )}
            </Row>
          </dl>
        </section>
        <section className="panel" aria-labelledby="config-heading">
          <h2 id="config-heading">Configuration</h2>
          <dl className="dl">
            <Row label="Client ID">
              <code className="break">{c.clientId}</code>
            </Row>
            <Row label="Client Secret">
              {c.clientSecretSet ? '••• set' : <span className="muted">not set</span>}
            </Row>
            <Row label="Requested scopes">
              <Scopes value={c.scope} empty="Connector defaults" />
            </Row>
            <Row label="Granted scopes">
              <Scopes
                value={c.grantedScope}
                empty={c.status === 'active' ? 'Not reported by the provider' : '—'}
              />
            </Row>
            <Row label="Redirect URI">
              <span className="inline-flex wrap">
                <code className="break">{c.redirectUri}</code>
                <CopyButton text={c.redirectUri} />
              </span>
            </Row>
            <Row label="Created">
              <When iso={c.createdAt} />
            </Row>
          </dl>
        </section>
        <section className="panel panel-wide" aria-labelledby="usage-heading">
          <h2 id="usage-heading">Used by</h2>
          {c.usedBy.length === 0 ? (
            <p className="muted">No data source or destination uses this credential yet.</p>
          ) : (
            <ul className="plain-list">
              {c.usedBy.map((u) => (
                <li key={u.id}>
                  <Link
                    href={`/${u.kind === 'source' ? 'sources' : 'destinations'}/${encodeURIComponent(u.id)}`}
                  >
                    {u.name}
                  </Link>{' '}
                  <span className="muted">({u.kind})</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {editing && connector && (
        <CredentialDialog
          connector={connector}
          credential={c}
          onClose={() => setEditing(false)}
          onChanged={setCredential}
          onSaved={(v) => {
            setCredential(v);
            setEditing(false);
          }}
        />
      )}
      {confirm === 'revoke' && (
        <ConfirmDialog
          title="Revoke this credential?"
          confirmLabel="Revoke tokens"
          busy={busy === 'revoke'}
          error={confirmError && <Alert tone="danger">{confirmError}</Alert>}
          onCancel={() => setConfirm(null)}
          onConfirm={() => act('revoke')}
        >
          <p>
            Latchkey asks {connectorName} to revoke the tokens of <strong>{c.name}</strong> and wipes them.
            Sources and destinations using it stop working until it is authorized again.
          </p>
        </ConfirmDialog>
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          title="Delete this credential?"
          confirmLabel="Delete credential"
          busy={busy === 'delete'}
          error={confirmError && <Alert tone="danger">{confirmError}</Alert>}
          onCancel={() => setConfirm(null)}
          onConfirm={remove}
        >
          <p>
            <strong>{c.name}</strong> is revoked at {connectorName} (best effort) and deleted with its client
            secret. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
