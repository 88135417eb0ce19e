/**
 * `/settings/audit`: the workspace's audit log, newest first, a page at a time (the API's cursor), filtered
 * by action, credential and outcome. The API never returns a secret; `detail` holds ids, names and codes.
 * The filters live in the address (`?action=&credentialId=&outcome=`), so a filtered log can be linked to.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Alert, Spinner } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { absolute, relative } from '../../format.js';
import { Link, navigate, useLocation, useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import type { AuditEventView, AuditQuery } from '../../types.js';
import { useResource } from '../../useResource.js';
import { NotForYourRole, SectionHeader } from './common.js';

const PAGE_SIZE = 25;

/** Suggestions for the Action filter (any action may be typed; the filter matches it exactly). */
const COMMON_ACTIONS = [
  'credential.created',
  'credential.updated',
  'credential.authorized',
  'credential.refreshed',
  'credential.refresh_failed',
  'credential.revoked',
  'credential.deleted',
  'token.issued',
  'api_key.created',
  'api_key.revoked',
  'user.created',
  'user.password_changed',
  'membership.added',
  'membership.role_changed',
  'membership.removed',
  'webhook.created',
  'webhook.deleted',
  'workspace.created',
  'session.signed_in',
  'session.sign_in_failed',
];

interface Names {
  credentials: Map<string, string>;
  users: Map<string, string>;
  apiKeys: Map<string, string>;
  webhooks: Map<string, string>;
  workspaces: Map<string, string>;
}

/** Best effort: turn ids into names with what this role may list. */
function useNames(): Names {
  const { session, can } = useSession();
  const [names, setNames] = useState<Names>(() => ({
    credentials: new Map(),
    users: new Map(session.user ? [[session.user.id, session.user.email]] : []),
    apiKeys: new Map(),
    webhooks: new Map(),
    workspaces: new Map([[session.workspace.id, session.workspace.name]]),
  }));
  useEffect(() => {
    let live = true;
    const put = (key: keyof Names, pairs: [string, string][]) => {
      if (!live) return;
      setNames((n) => ({ ...n, [key]: new Map([...n[key], ...pairs]) }));
    };
    const ignore = () => {};
    api.credentials().then(
      (r) =>
        put(
          'credentials',
          r.items.map((c) => [c.id, c.name]),
        ),
      ignore,
    );
    api.workspaces().then(
      (r) =>
        put(
          'workspaces',
          r.items.map((w) => [w.id, w.name]),
        ),
      ignore,
    );
    if (can('members:manage'))
      api.members().then(
        (r) =>
          put(
            'users',
            r.items.map((m) => [m.id, m.email]),
          ),
        ignore,
      );
    if (can('api_keys:manage'))
      api.apiKeys().then(
        (r) =>
          put(
            'apiKeys',
            r.items.map((k) => [k.id, k.name]),
          ),
        ignore,
      );
    if (can('webhooks:manage'))
      api.webhooks().then(
        (r) =>
          put(
            'webhooks',
            r.items.map((w) => [w.id, w.url]),
          ),
        ignore,
      );
    return () => {
      live = false;
    };
  }, [can]);
  return names;
}

function Id({ id }: { id: string }) {
  return <code className="break">{id}</code>;
}

function Actor({ e, names }: { e: AuditEventView; names: Names }) {
  const { type, id } = e.actor;
  if (type === 'system') return <span className="muted">System</span>;
  if (!id) return <span className="muted">{type === 'user' ? 'A user' : 'An API key'}</span>;
  if (type === 'user') return <>{names.users.get(id) ?? <Id id={id} />}</>;
  const name = names.apiKeys.get(id);
  return (
    <>
      <span className="muted">API key</span> {name ? `“${name}”` : <Id id={id} />}
    </>
  );
}

function Target({ e, names }: { e: AuditEventView; names: Names }) {
  const { targetType: type, targetId: id } = e;
  if (!type && !id) return <span className="muted">—</span>;
  if (!id) return <>{type}</>;
  let label: ReactNode = <Id id={id} />;
  if (type === 'credential') {
    const name = names.credentials.get(id);
    label = name ? <Link href={`/credentials/${encodeURIComponent(id)}`}>{name}</Link> : <Id id={id} />;
  } else if (type === 'user' && names.users.get(id)) label = names.users.get(id);
  else if (type === 'api_key' && names.apiKeys.get(id)) label = `“${names.apiKeys.get(id)}”`;
  else if (type === 'webhook' && names.webhooks.get(id)) label = <Id id={names.webhooks.get(id)!} />;
  else if (type === 'workspace' && names.workspaces.get(id)) label = names.workspaces.get(id);
  return (
    <>
      <span className="muted">{type?.replace('_', ' ')}</span> {label}
    </>
  );
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function Detail({ detail }: { detail: AuditEventView['detail'] }) {
  const entries = Object.entries(detail ?? {});
  if (!entries.length) return null;
  return (
    <dl className="kv" aria-label="Detail">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{value(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function AuditScreen() {
  useTitle('Audit log');
  const { can } = useSession();
  if (!can('audit:read')) {
    return (
      <>
        <SectionHeader title="Audit log" lead="Who did what to which credential, and when." />
        <NotForYourRole permission="audit:read" what="read the audit log" />
      </>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const { query } = useLocation();
  // Strings, not the query object (a new one every render), so that the page loads once per change.
  const action = query.get('action') ?? '';
  const credentialId = query.get('credentialId') ?? '';
  const outcome = query.get('outcome') ?? '';
  const filter = useMemo(() => ({ action, credentialId, outcome }), [action, credentialId, outcome]);
  const filterKey = `${action}\n${credentialId}\n${outcome}`;
  // The cursors of the pages before this one (newest first): Newer pops, Older pushes.
  const [cursors, setCursors] = useState<{ key: string; stack: string[] }>({ key: filterKey, stack: [] });
  const stack = cursors.key === filterKey ? cursors.stack : [];
  const cursor = stack[stack.length - 1];
  const names = useNames();

  const load = useCallback(() => {
    const q: AuditQuery = { limit: PAGE_SIZE, cursor };
    if (filter.action) q.action = filter.action;
    if (filter.credentialId) q.credentialId = filter.credentialId;
    if (filter.outcome === 'ok' || filter.outcome === 'error') q.outcome = filter.outcome;
    return api.audit(q);
  }, [filter, cursor]);
  const page = useResource(load);

  return (
    <>
      <SectionHeader
        title="Audit log"
        lead="Who did what to which credential, and when, newest first. Secrets and tokens never appear here."
        actions={
          <button type="button" className="button" onClick={() => void page.reload()} disabled={page.loading}>
            Refresh
          </button>
        }
      />
      <Filters
        key={filterKey}
        initial={filter}
        credentials={names.credentials}
        onApply={(f) => {
          const q = new URLSearchParams();
          for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
          const s = q.toString();
          navigate(`/settings/audit${s ? `?${s}` : ''}`, { replace: true });
        }}
      />
      {page.error && <Alert tone="danger">{page.error}</Alert>}
      {!page.data && !page.error && <Spinner label="Loading the audit log…" />}
      {page.data && page.data.items.length === 0 && (
        <div className="empty">
          <p>
            {filter.action || filter.credentialId || filter.outcome
              ? 'No event matches these filters.'
              : 'No events yet.'}
          </p>
        </div>
      )}
      {page.data && page.data.items.length > 0 && (
        <div className="table-scroll table-stack-wrap" aria-busy={page.loading}>
          <table className="table table-stack table-audit">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action and detail</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <time dateTime={e.at} title={absolute(e.at)}>
                      {relative(e.at)}
                    </time>
                  </td>
                  <th scope="row" data-label="Action">
                    <code>{e.action}</code>
                    <Detail detail={e.detail} />
                  </th>
                  <td data-label="Actor">
                    <Actor e={e} names={names} />
                  </td>
                  <td data-label="Target">
                    <Target e={e} names={names} />
                  </td>
                  <td data-label="Outcome">
                    <span className={`badge ${e.outcome === 'ok' ? 'badge-success' : 'badge-danger'}`}>
                      {e.outcome}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && (stack.length > 0 || page.data.nextCursor) && (
        <nav className="pager" aria-label="Audit log pages">
          <button
            type="button"
            className="button"
            disabled={stack.length === 0 || page.loading}
            onClick={() => setCursors({ key: filterKey, stack: stack.slice(0, -1) })}
          >
            ← Newer
          </button>
          <span className="muted">Page {stack.length + 1}</span>
          <button
            type="button"
            className="button"
            disabled={!page.data.nextCursor || page.loading}
            onClick={() => setCursors({ key: filterKey, stack: [...stack, page.data!.nextCursor!] })}
          >
            Older →
          </button>
        </nav>
      )}
    </>
  );
}

interface FilterValues {
  action: string;
  credentialId: string;
  outcome: string;
}

function Filters({
  initial,
  credentials,
  onApply,
}: {
  initial: FilterValues;
  credentials: Map<string, string>;
  onApply: (f: FilterValues) => void;
}) {
  const [f, setF] = useState(initial);
  const set = (key: keyof FilterValues) => (e: { target: { value: string } }) => {
    const v = e.target.value;
    setF((x) => ({ ...x, [key]: v }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...f, action: f.action.trim() });
  };
  const active = initial.action || initial.credentialId || initial.outcome;
  const known = [...credentials].sort((a, b) => a[1].localeCompare(b[1]));
  if (f.credentialId && !credentials.has(f.credentialId)) known.push([f.credentialId, f.credentialId]);
  return (
    <form className="filters" onSubmit={submit} role="search" aria-label="Filter the audit log">
      <TextField
        label="Action"
        list="audit-actions"
        value={f.action}
        onChange={set('action')}
        placeholder="any action"
        autoComplete="off"
        spellCheck={false}
      />
      <datalist id="audit-actions">
        {COMMON_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <SelectField label="Credential" value={f.credentialId} onChange={set('credentialId')}>
        <option value="">Any credential</option>
        {known.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </SelectField>
      <SelectField label="Outcome" value={f.outcome} onChange={set('outcome')}>
        <option value="">Any outcome</option>
        <option value="ok">ok</option>
        <option value="error">error</option>
      </SelectField>
      <div className="filters-buttons">
        <button type="submit" className="button button-primary">
          Filter
        </button>
        {active && (
          <button
            type="button"
            className="button button-ghost"
            onClick={() => onApply({ action: '', credentialId: '', outcome: '' })}
          >
            Clear
          </button>
        )}
      </div>
    </form>
  );
}
