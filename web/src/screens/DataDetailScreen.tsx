/** `/sources/:id`, `/destinations/:id`: what it reads or writes, a preview, runs with progress. */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, errorMessage, isMissingRoute, startRun } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { ConnectorLogo, SandboxBadge } from '../components/ConnectorLogo.js';
import { TextAreaField } from '../components/Field.js';
import { Breadcrumbs, PageHeader } from '../components/Layout.js';
import { ConfirmDialog } from '../components/Modal.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { RecordsTable } from '../components/RecordsTable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { absolute, plural, relative } from '../format.js';
import { Link, navigate, useTitle } from '../router.js';
import { useSession } from '../session.js';
import type { CredentialView, DataKind, DataView, RunView } from '../types.js';
import { useConnector } from './AuthenticateScreen.js';
import { KIND } from './data-kind.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const RUN_TONE: Record<RunView['status'], string> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

function runError(r: RunView): string | null {
  if (!r.error) return null;
  return typeof r.error === 'string' ? r.error : r.error.message;
}

function duration(r: RunView): string {
  if (!r.startedAt) return '';
  const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
  const s = Math.max(0, Math.round((end - Date.parse(r.startedAt)) / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function RunRow({ kind, dataId, run }: { kind: DataKind; dataId: string; run: RunView }) {
  const done = FINISHED.has(run.status);
  const error = runError(run);
  return (
    <li className="run">
      <div className="run-head">
        <span className={`badge badge-${RUN_TONE[run.status]}`}>
          <span className="badge-dot" aria-hidden="true" />
          {run.status}
        </span>
        <span className="run-counts">
          {plural(run.records, 'record')}
          {run.total !== null && ` of ${run.total.toLocaleString()}`} · {plural(run.pages, 'page')}
          {run.failed > 0 && <span className="error-text"> · {run.failed.toLocaleString()} failed</span>}
        </span>
        <span className="muted run-time" title={absolute(run.startedAt)}>
          {run.startedAt ? `started ${relative(run.startedAt)}` : 'queued'}
          {done && run.startedAt && ` · took ${duration(run)}`}
        </span>
        {done && kind === 'source' && run.records > 0 && (
          <a className="button button-small" href={api.runRecordsUrl(kind, dataId, run.id)} download>
            Download records
          </a>
        )}
      </div>
      {!done && <ProgressBar value={run.records} max={run.total} label={`Progress of run ${run.id}`} />}
      {error && <div className="error-text run-error">{error}</div>}
    </li>
  );
}

export function DataDetailScreen({ kind, id }: { kind: DataKind; id: string }) {
  const k = KIND[kind];
  const { canWrite } = useSession();
  const [view, setView] = useState<DataView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [credential, setCredential] = useState<CredentialView | null>(null);
  const { connector } = useConnector(view?.connector ?? null);
  const [runs, setRuns] = useState<RunView[]>([]);
  const [records, setRecords] = useState<Record<string, unknown>[] | null>(null);
  const [busy, setBusy] = useState<'preview' | 'run' | 'delete' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [jsonLines, setJsonLines] = useState('');
  useTitle(view?.name ?? k.singular);

  useEffect(() => {
    api.data(kind, id).then(
      (v) => {
        setView(v);
        api.credential(v.credentialId).then(setCredential, () => {});
      },
      (err: unknown) =>
        setLoadError(
          isMissingRoute(err)
            ? `This server has no ${k.one}s API yet.`
            : err instanceof ApiError && err.status === 404
              ? `There is no such ${k.one} in this workspace.`
              : errorMessage(err),
        ),
    );
    // Earlier runs, when the server lists them.
    api.runs(kind, id).then(
      (r) => setRuns(r.items),
      () => {},
    );
  }, [kind, id, k.one]);

  // Poll every unfinished run until it finishes.
  const unfinished = runs.filter((r) => !FINISHED.has(r.status)).map((r) => r.id);
  const pollKey = unfinished.join(',');
  const poll = useCallback(async () => {
    for (const runId of pollKey.split(',').filter(Boolean)) {
      const fresh = await api.run(kind, id, runId).catch(() => null);
      if (fresh) setRuns((list) => list.map((r) => (r.id === fresh.id ? fresh : r)));
    }
  }, [kind, id, pollKey]);
  useEffect(() => {
    if (!pollKey) return;
    const t = window.setInterval(() => void poll(), 1000);
    return () => window.clearInterval(t);
  }, [poll, pollKey]);

  async function preview() {
    setBusy('preview');
    setError(null);
    try {
      setRecords((await api.preview(kind, id, 20)).records);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function run() {
    setBusy('run');
    setError(null);
    try {
      const r = await startRun(kind, id, jsonLines);
      setRuns((list) => [r, ...list.filter((x) => x.id !== r.id)]);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy('delete');
    try {
      await api.deleteData(kind, id);
      navigate(k.path);
    } catch (err) {
      setError(errorMessage(err));
      setConfirmDelete(false);
      setBusy(null);
    }
  }

  if (loadError) {
    return (
      <>
        <Breadcrumbs items={[{ href: k.path, label: k.title }, { label: id }]} />
        <Alert tone="danger">{loadError}</Alert>
      </>
    );
  }
  if (!view) return <Spinner />;
  const resource = connector?.resources.find((r) => r.id === view.resource);

  return (
    <>
      <Breadcrumbs items={[{ href: k.path, label: k.title }, { label: view.name }]} />
      <PageHeader
        icon={connector && <ConnectorLogo connector={connector} size={52} />}
        eyebrow={
          <span className="inline-flex">
            {k.singular} · {connector?.name ?? view.connector}
            {connector?.sandbox && <SandboxBadge />}
          </span>
        }
        title={view.name}
        actions={
          canWrite && (
            <button
              type="button"
              className="button button-danger-ghost"
              onClick={() => setConfirmDelete(true)}
            >
              Delete
            </button>
          )
        }
      />
      <section className="panel">
        <dl className="dl dl-inline">
          <div className="dl-row">
            <dt>Resource</dt>
            <dd>
              <code>{resource?.name ?? view.resource}</code>{' '}
              {resource && <span className="muted">{`${k.method} ${resource.path}`}</span>}
            </dd>
          </div>
          <div className="dl-row">
            <dt>Credential</dt>
            <dd className="inline-flex wrap">
              <Link href={`/credentials/${encodeURIComponent(view.credentialId)}`}>
                {credential?.name ?? view.credentialId}
              </Link>
              {credential && <StatusBadge status={credential.status} />}
            </dd>
          </div>
          <div className="dl-row">
            <dt>Created</dt>
            <dd title={absolute(view.createdAt)}>{relative(view.createdAt)}</dd>
          </div>
        </dl>
      </section>

      {error && <Alert tone="danger">{error}</Alert>}

      <section className="section" aria-labelledby="runs-heading">
        <div className="section-head">
          <h2 id="runs-heading" className="section-title">
            Runs
          </h2>
          {canWrite && kind === 'source' && (
            <div className="button-row">
              <button type="button" className="button" onClick={preview} disabled={busy !== null}>
                {busy === 'preview' ? 'Loading preview…' : 'Preview'}
              </button>
              <button type="button" className="button button-primary" onClick={run} disabled={busy !== null}>
                {busy === 'run' ? 'Starting…' : 'Run now'}
              </button>
            </div>
          )}
        </div>
        {canWrite && kind === 'destination' && (
          <div className="stack-sm">
            <TextAreaField
              label="Records (JSON Lines)"
              value={jsonLines}
              onChange={(e) => setJsonLines(e.target.value)}
              rows={5}
              spellCheck={false}
              className="mono"
              hint="One JSON object per line; each is sent to the resource."
            />
            <div className="button-row">
              <button
                type="button"
                className="button button-primary"
                onClick={run}
                disabled={busy !== null || !jsonLines.trim()}
              >
                {busy === 'run' ? 'Starting…' : 'Run now'}
              </button>
            </div>
          </div>
        )}
        {records && (
          <div className="stack-sm">
            <div className="muted">Preview: the first {plural(records.length, 'record')}</div>
            <RecordsTable records={records} caption={`Preview of ${view.name}`} />
          </div>
        )}
        {runs.length === 0 ? (
          <p className="muted">No runs yet.</p>
        ) : (
          <ul className="runs" aria-label="Runs">
            {runs.map((r) => (
              <RunRow key={r.id} kind={kind} dataId={id} run={r} />
            ))}
          </ul>
        )}
      </section>

      {confirmDelete && (
        <ConfirmDialog
          title={`Delete this ${k.one}?`}
          confirmLabel={`Delete ${k.one}`}
          busy={busy === 'delete'}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={remove}
        >
          <p>
            <strong>{view.name}</strong> and its run history are deleted. The credential stays.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
