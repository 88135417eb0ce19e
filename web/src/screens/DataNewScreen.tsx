/**
 * `/sources/new`, `/destinations/new`: connector → Authenticate (select a tile or add one) → resource →
 * Preview (sources) → Save. Preview needs a stored source (the server reads with the credential), so it
 * saves first and says so; Cancel discards what the preview saved.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, errorMessage, isMissingRoute } from '../api.js';
import { Alert, Spinner } from '../components/Alert.js';
import { AuthenticatePanel, useCredentials, type DialogState } from '../components/AuthenticatePanel.js';
import { ConnectorLogo, SandboxBadge } from '../components/ConnectorLogo.js';
import { SelectField, TextField } from '../components/Field.js';
import { Breadcrumbs, PageHeader } from '../components/Layout.js';
import { RecordsTable } from '../components/RecordsTable.js';
import { STATUS_LABEL } from '../components/StatusBadge.js';
import { describeOutcome } from '../oauth.js';
import { navigate, useLocation, useTitle } from '../router.js';
import { useSession } from '../session.js';
import type { Connector, DataKind, DataView } from '../types.js';
import { useAuthorize } from '../useAuthorize.js';
import { KIND, resourcesFor } from './data-kind.js';

function Step({ n, title, children, id }: { n: number; title: string; children: ReactNode; id: string }) {
  return (
    <section className="step">
      <div className="step-number" aria-hidden="true">
        {n}
      </div>
      <div className="step-body">
        <h2 id={id} className="step-title">
          {title}
        </h2>
        {children}
      </div>
    </section>
  );
}

function CredentialStep({
  connector,
  selectedId,
  onSelect,
}: {
  connector: Connector;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  const credentials = useCredentials(connector.id);
  const [dialog, setDialog] = useState<DialogState>(null);
  const auth = useAuthorize(connector.id, async (id) => {
    const c = await api.credential(id).catch(() => null);
    if (c) credentials.upsert(c);
  });
  const selected = credentials.items?.find((c) => c.id === selectedId) ?? null;
  return (
    <>
      <div className="step-connector">
        <ConnectorLogo connector={connector} size={28} />
        <span>{connector.name}</span>
        {connector.sandbox && <SandboxBadge />}
      </div>
      <AuthenticatePanel
        connector={connector}
        selectedId={selectedId}
        onSelect={onSelect}
        dialog={dialog}
        setDialog={setDialog}
        credentials={credentials}
      />
      {selected && selected.status !== 'active' && (
        <Alert tone="warning" title={`${selected.name}: ${STATUS_LABEL[selected.status]}`}>
          <span className="inline-flex wrap">
            Authorize it before previewing or running.
            <button
              type="button"
              className="button button-small"
              onClick={() => auth.start(selected.id)}
              disabled={auth.busy}
            >
              {auth.busy ? 'Waiting…' : 'Authorize'}
            </button>
          </span>
        </Alert>
      )}
      {auth.outcome && auth.outcome.result !== 'authorized' && (
        <Alert tone="danger">{describeOutcome(auth.outcome, connector.name)}</Alert>
      )}
      {auth.error && <Alert tone="danger">{auth.error}</Alert>}
    </>
  );
}

export function DataNewScreen({ kind }: { kind: DataKind }) {
  const k = KIND[kind];
  useTitle(`New ${k.one}`);
  const { canWrite } = useSession();
  const { query } = useLocation();
  const [connectors, setConnectors] = useState<Connector[] | null>(null);
  const [connectorId, setConnectorId] = useState(query.get('connector') ?? '');
  const [credentialId, setCredentialId] = useState<string | null>(query.get('credential'));
  const [resourceId, setResourceId] = useState('');
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [draft, setDraft] = useState<{ view: DataView; key: string } | null>(null);
  const [records, setRecords] = useState<Record<string, unknown>[] | null>(null);
  const [busy, setBusy] = useState<'preview' | 'save' | 'cancel' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missingApi, setMissingApi] = useState(false);
  const draftRef = useRef(draft);
  draftRef.current = draft;

  useEffect(() => {
    api.connectors().then(
      (r) => setConnectors(r.items),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);

  const connector = connectors?.find((c) => c.id === connectorId) ?? null;
  const resources = connector ? resourcesFor(kind, connector.resources) : [];
  const resource = resources.find((r) => r.id === resourceId) ?? resources[0] ?? null;

  useEffect(() => {
    if (!nameTouched && connector && resource) setName(`${connector.name} ${resource.name ?? resource.id}`);
  }, [connector, resource, nameTouched]);

  const key = JSON.stringify([connectorId, credentialId, resource?.id]);
  const complete = connector !== null && credentialId !== null && resource !== null && name.trim() !== '';

  /** The stored source for the current choices: reuse the draft, or replace it when the choices changed. */
  async function stored(): Promise<DataView> {
    if (draft && draft.key === key) {
      if (draft.view.name !== name.trim()) {
        const renamed = await api.updateData(kind, draft.view.id, { name: name.trim() }).catch(() => null);
        if (renamed) setDraft({ view: renamed, key });
        return renamed ?? draft.view;
      }
      return draft.view;
    }
    if (draft) await api.deleteData(kind, draft.view.id).catch(() => {});
    const view = await api.createData(kind, {
      name: name.trim(),
      connector: connectorId,
      credentialId: credentialId!,
      resource: resource!.id,
    });
    setDraft({ view, key });
    return view;
  }

  function fail(err: unknown) {
    setMissingApi(isMissingRoute(err));
    setError(errorMessage(err));
  }

  async function preview() {
    if (!complete || busy) return;
    setBusy('preview');
    setError(null);
    setRecords(null);
    try {
      const view = await stored();
      setRecords((await api.preview(kind, view.id, 20)).records);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  async function save() {
    if (!complete || busy) return;
    setBusy('save');
    setError(null);
    try {
      const view = await stored();
      navigate(`${k.path}/${encodeURIComponent(view.id)}`);
    } catch (err) {
      fail(err);
      setBusy(null);
    }
  }

  async function cancel() {
    setBusy('cancel');
    const d = draftRef.current;
    if (d) await api.deleteData(kind, d.view.id).catch(() => {});
    navigate(k.path);
  }

  if (!canWrite) {
    return <Alert tone="info">You have view-only access: ask an editor to create {k.one}s.</Alert>;
  }

  return (
    <>
      <Breadcrumbs items={[{ href: k.path, label: k.title }, { label: `New ${k.one}` }]} />
      <PageHeader title={`New ${k.singular.toLowerCase()}`} lead={k.lead} />
      {!connectors && !error && <Spinner />}
      {connectors && (
        <div className="steps">
          <Step n={1} title="Choose a connector" id="step-connector">
            <SelectField
              label="Connector"
              value={connectorId}
              onChange={(e) => {
                setConnectorId(e.target.value);
                setCredentialId(null);
                setResourceId('');
                setRecords(null);
              }}
            >
              <option value="">Choose a connector…</option>
              {connectors.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                  {c.sandbox && !/sandbox/i.test(c.name) ? ' (Sandbox)' : ''}
                </option>
              ))}
            </SelectField>
          </Step>
          {connector && (
            <Step n={2} title="Authenticate" id="step-authenticate">
              <CredentialStep
                connector={connector}
                selectedId={credentialId}
                onSelect={(id) => {
                  setCredentialId(id);
                  setRecords(null);
                }}
              />
            </Step>
          )}
          {connector && credentialId && (
            <Step n={3} title="Choose a resource" id="step-resource">
              {resources.length === 0 ? (
                <Alert tone="warning">
                  {connector.name} has no resource a {k.one} can {kind === 'source' ? 'read' : 'write'}.
                </Alert>
              ) : (
                <div className="grid-2">
                  <SelectField
                    label="Resource"
                    value={resource?.id ?? ''}
                    onChange={(e) => {
                      setResourceId(e.target.value);
                      setRecords(null);
                    }}
                    hint={resource ? `${KIND[kind].method} ${resource.path}` : undefined}
                  >
                    {resources.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name ?? r.id}
                      </option>
                    ))}
                  </SelectField>
                  <TextField
                    label="Name"
                    value={name}
                    onChange={(e) => {
                      setName(e.target.value);
                      setNameTouched(true);
                    }}
                    maxLength={200}
                    required
                  />
                </div>
              )}
            </Step>
          )}
          {complete && (
            <Step n={4} title={kind === 'source' ? 'Preview and save' : 'Save'} id="step-save">
              {kind === 'source' ? (
                <p className="muted">
                  Preview reads the first records with the selected credential. It saves the source to do so;
                  Cancel discards it.
                </p>
              ) : (
                <p className="muted">Records are written when you start a run from the destination's page.</p>
              )}
              {error &&
                (missingApi ? (
                  <Alert tone="info" title={`This server has no ${k.one}s API yet.`}>
                    {error}
                  </Alert>
                ) : (
                  <Alert tone="danger">{error}</Alert>
                ))}
              {records && (
                <div className="stack-sm">
                  <div className="muted">
                    First {records.length} record{records.length === 1 ? '' : 's'} of{' '}
                    {resource?.name ?? resource?.id}
                  </div>
                  <RecordsTable records={records} caption={`Preview of ${resource?.name ?? resource?.id}`} />
                </div>
              )}
              <div className="button-row">
                {kind === 'source' && (
                  <button type="button" className="button" onClick={preview} disabled={busy !== null}>
                    {busy === 'preview' ? 'Loading preview…' : 'Preview'}
                  </button>
                )}
                <button
                  type="button"
                  className="button button-primary"
                  onClick={save}
                  disabled={busy !== null}
                >
                  {busy === 'save' ? 'Saving…' : 'Save'}
                </button>
                <button
                  type="button"
                  className="button button-ghost"
                  onClick={cancel}
                  disabled={busy !== null}
                >
                  Cancel
                </button>
              </div>
            </Step>
          )}
          {!complete && error && <Alert tone="danger">{error}</Alert>}
        </div>
      )}
    </>
  );
}
