/**
 * The Add Credential overlay (DESIGN §7): Credential Name, Credential Description, Client ID, Client Secret
 * (write-only), Access Scope, the redirect URI to register, and the Authorize and Save buttons. It also edits
 * a saved credential: the secret then shows as "••• set" and may be replaced.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, errorMessage, type CredentialPatch } from '../api.js';
import { authorize, describeOutcome, type Authorization, type OAuthOutcome } from '../oauth.js';
import { redirectUriOf, useSession } from '../session.js';
import type { Connector, CredentialView } from '../types.js';
import { Alert } from './Alert.js';
import { ConnectorLogo, SandboxBadge } from './ConnectorLogo.js';
import { CopyButton } from './CopyButton.js';
import { TextAreaField, TextField } from './Field.js';
import { Modal } from './Modal.js';
import { StatusBadge } from './StatusBadge.js';

interface Form {
  name: string;
  description: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

type Errors = Partial<Record<keyof Form, string>>;

function formOf(c: CredentialView | null): Form {
  return {
    name: c?.name ?? '',
    description: c?.description ?? '',
    clientId: c?.clientId ?? '',
    clientSecret: '',
    scope: c?.scope ?? '',
  };
}

/** Only what changed (the secret only when a new one was typed). */
function patchOf(form: Form, saved: CredentialView): CredentialPatch {
  const patch: CredentialPatch = {};
  if (form.name.trim() !== saved.name) patch.name = form.name.trim();
  if ((form.description.trim() || null) !== saved.description)
    patch.description = form.description.trim() || null;
  if (form.clientId.trim() !== saved.clientId) patch.clientId = form.clientId.trim();
  if (form.clientSecret) patch.clientSecret = form.clientSecret;
  if ((form.scope.trim() || null) !== saved.scope) patch.scope = form.scope.trim() || null;
  return patch;
}

export function scopePlaceholder(connector: Connector): string {
  const defaults = connector.auth.defaultScopes ?? [];
  return defaults.length ? defaults.join(connector.auth.scopeSeparator ?? ' ') : 'connector defaults';
}

export function CredentialDialog({
  connector,
  credential = null,
  initialOutcome = null,
  onClose,
  onSaved,
  onChanged,
}: {
  connector: Connector;
  /** Edit this credential; omitted to add one. */
  credential?: CredentialView | null;
  /** The outcome of an authorization that came back by a full-page redirect. */
  initialOutcome?: OAuthOutcome | null;
  onClose: () => void;
  /** After Save: the stored credential (the dialog then closes). */
  onSaved: (c: CredentialView) => void;
  /** The credential was stored or changed while the dialog stays open (Authorize saves first). */
  onChanged?: (c: CredentialView) => void;
}) {
  const { session, canWrite } = useSession();
  const [saved, setSaved] = useState<CredentialView | null>(credential);
  const [form, setForm] = useState<Form>(() => formOf(credential));
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState<'save' | 'authorize' | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<OAuthOutcome | null>(initialOutcome);
  const [showSecret, setShowSecret] = useState(false);
  const pending = useRef<Authorization | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const adding = credential === null;

  useEffect(() => () => pending.current?.cancel(), []);
  const outcomeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (outcome) outcomeRef.current?.scrollIntoView({ block: 'nearest' });
  }, [outcome]);

  const set = (key: keyof Form) => (e: { target: { value: string } }) => {
    const value = e.target.value;
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((er) => ({ ...er, [key]: undefined }));
  };

  function validate(): boolean {
    const next: Errors = {};
    if (!form.name.trim()) next.name = 'Enter a name for this credential.';
    if (!form.clientId.trim()) next.clientId = `Enter the Client ID of your app at ${connector.name}.`;
    if (!saved?.clientSecretSet && !form.clientSecret) {
      next.clientSecret = `Enter the Client Secret of your app at ${connector.name}.`;
    }
    setErrors(next);
    const firstInvalid = Object.keys(next)[0];
    if (firstInvalid) {
      formRef.current?.querySelector<HTMLElement>(`[name="${firstInvalid}"]`)?.focus();
      return false;
    }
    return true;
  }

  /** Create or update; returns the stored credential. */
  async function store(): Promise<CredentialView> {
    let view: CredentialView;
    if (!saved) {
      view = await api.createCredential({
        connector: connector.id,
        name: form.name.trim(),
        description: form.description.trim() || null,
        clientId: form.clientId.trim(),
        clientSecret: form.clientSecret,
        scope: form.scope.trim() || null,
      });
    } else {
      const patch = patchOf(form, saved);
      view = Object.keys(patch).length ? await api.updateCredential(saved.id, patch) : saved;
    }
    setSaved(view);
    setForm((f) => ({ ...f, clientSecret: '' }));
    setShowSecret(false);
    return view;
  }

  async function onSave(e: FormEvent) {
    e.preventDefault();
    if (busy || !validate()) return;
    setBusy('save');
    setFailure(null);
    try {
      const view = await store();
      onSaved(view);
    } catch (err) {
      setFailure(errorMessage(err));
      setBusy(null);
    }
  }

  function onAuthorize() {
    if (busy || !validate()) return;
    setBusy('authorize');
    setFailure(null);
    setOutcome(null);
    let id = saved?.id ?? null;
    const run = authorize(connector.id, async () => {
      const view = await store();
      id = view.id;
      onChanged?.(view);
      return view.id;
    });
    pending.current = run;
    run.outcome
      .then(async (o) => {
        setOutcome(o);
        if (id) {
          const view = await api.credential(id).catch(() => null);
          if (view) {
            setSaved(view);
            onChanged?.(view);
          }
        }
      })
      .catch((err: unknown) => setFailure(errorMessage(err)))
      .finally(() => {
        pending.current = null;
        setBusy(null);
      });
  }

  const redirectUri = saved?.redirectUri ?? redirectUriOf(session);
  const secretSet = saved?.clientSecretSet ?? false;
  const outcomeTone =
    outcome?.result === 'authorized' ? 'success' : outcome?.result === 'closed' ? 'info' : 'danger';

  return (
    <Modal
      title={adding ? 'Add Credential' : 'Edit Credential'}
      subtitle={
        <span className="inline-flex">
          <ConnectorLogo connector={connector} size={20} />
          {connector.name}
          {connector.sandbox && <SandboxBadge />}
          {saved && <StatusBadge status={saved.status} />}
        </span>
      }
      onClose={onClose}
      footer={
        <>
          {busy === 'authorize' && (
            <span className="muted footer-note" role="status">
              Waiting for {connector.name}…
            </span>
          )}
          <button
            type="button"
            className="button"
            onClick={onAuthorize}
            disabled={!canWrite || busy !== null}
          >
            Authorize
          </button>
          <button
            type="submit"
            form="credential-form"
            className="button button-primary"
            disabled={!canWrite || busy !== null}
          >
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="credential-form" ref={formRef} className="stack" onSubmit={onSave} noValidate>
        <div ref={outcomeRef} hidden={!outcome}>
          {outcome && (
            <Alert
              tone={outcomeTone}
              title={
                outcome.result === 'authorized'
                  ? 'Authorized'
                  : outcome.result === 'denied'
                    ? 'Denied'
                    : outcome.result === 'closed'
                      ? 'Not finished'
                      : 'Authorization failed'
              }
            >
              {describeOutcome(outcome, connector.name)}
            </Alert>
          )}
        </div>
        {failure && <Alert tone="danger">{failure}</Alert>}
        <div className="redirect-box">
          <div className="redirect-label">Redirect URI</div>
          <div className="redirect-row">
            <code>{redirectUri}</code>
            <CopyButton text={redirectUri} />
          </div>
          <div className="field-hint">
            Register this redirect URI with your app at {connector.name}; the app gives you the Client ID and
            Client Secret.
          </div>
        </div>
        <TextField
          label="Credential Name"
          name="name"
          value={form.name}
          onChange={set('name')}
          error={errors.name}
          maxLength={200}
          autoComplete="off"
          required
          data-autofocus
          placeholder={`e.g. ${connector.name} shop account`}
        />
        <TextAreaField
          label="Credential Description"
          name="description"
          value={form.description}
          onChange={set('description')}
          optional
          rows={2}
          maxLength={2000}
          placeholder="What this credential is for, who owns the account"
        />
        <div className="grid-2">
          <TextField
            label="Client ID"
            name="clientId"
            value={form.clientId}
            onChange={set('clientId')}
            error={errors.clientId}
            autoComplete="off"
            spellCheck={false}
            required
          />
          <TextField
            label="Client Secret"
            name="clientSecret"
            type={showSecret ? 'text' : 'password'}
            value={form.clientSecret}
            onChange={set('clientSecret')}
            error={errors.clientSecret}
            autoComplete="new-password"
            spellCheck={false}
            required={!secretSet}
            placeholder={secretSet ? '••• set' : ''}
            hint={
              secretSet
                ? '••• set — stored sealed and never shown again. Type a new one to replace it.'
                : 'Write-only: stored sealed, never shown again.'
            }
            addon={
              <button
                type="button"
                className="button button-small input-addon"
                onClick={() => setShowSecret((s) => !s)}
                aria-pressed={showSecret}
                disabled={!form.clientSecret}
              >
                {showSecret ? 'Hide' : 'Show'}
              </button>
            }
          />
        </div>
        <TextField
          label="Access Scope"
          name="scope"
          value={form.scope}
          onChange={set('scope')}
          optional
          autoComplete="off"
          spellCheck={false}
          placeholder={scopePlaceholder(connector)}
          hint="Separate scopes with spaces or commas; leave empty for the connector's defaults."
        />
        {!canWrite && (
          <Alert tone="info">You have view-only access: ask an editor to change credentials.</Alert>
        )}
      </form>
    </Modal>
  );
}
