/**
 * `/settings/webhooks`: subscriptions to credential events — list, Add webhook (URL, events, description;
 * the signing secret is shown once), Delete (confirmed), and each one's recent deliveries.
 */
import { useCallback, useId, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api.js';
import { Alert, Spinner } from '../../components/Alert.js';
import { TextAreaField, TextField } from '../../components/Field.js';
import { PlusIcon } from '../../components/icons.js';
import { ConfirmDialog, FormFooter, Modal } from '../../components/Modal.js';
import { SecretOnce } from '../../components/SecretOnce.js';
import { absolute, relative } from '../../format.js';
import { useTitle } from '../../router.js';
import { useSession } from '../../session.js';
import type { CreatedWebhook, DeliveryView, WebhookEvent, WebhookView } from '../../types.js';
import { useResource } from '../../useResource.js';
import { NotForYourRole, SectionHeader, When } from './common.js';

/** Every event a webhook can subscribe to (the compiler checks the list against the API's). */
const EVENT_LABEL: Record<WebhookEvent, string> = {
  'credential.authorized': 'A credential was authorized',
  'credential.refreshed': 'Its token was refreshed',
  'credential.refresh_failed': 'A refresh failed (transiently)',
  'credential.reauthorization_required': 'It needs authorizing again',
  'credential.revoked': 'Its tokens were revoked',
  'credential.deleted': 'It was deleted',
};
const EVENTS = Object.keys(EVENT_LABEL) as WebhookEvent[];

const DELIVERY_TONE: Record<DeliveryView['status'], string> = {
  pending: 'badge-neutral',
  delivered: 'badge-success',
  failed: 'badge-danger',
};

export function WebhooksScreen() {
  useTitle('Webhooks');
  const { can } = useSession();
  if (!can('webhooks:manage')) {
    return (
      <>
        <SectionHeader title="Webhooks" lead="Signed HTTP calls when a credential changes." />
        <NotForYourRole permission="webhooks:manage" what="manage webhooks" />
      </>
    );
  }
  return <Webhooks />;
}

function Webhooks() {
  const { session } = useSession();
  const load = useCallback(() => api.webhooks().then((r) => r.items), []);
  const hooks = useResource(load);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<WebhookView | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function remove() {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteWebhook(deleting.id);
      setNotice(`Deleted the webhook to ${deleting.url}.`);
      setDeleting(null);
      await hooks.reload();
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setDeleteBusy(false);
    }
  }

  return (
    <>
      <SectionHeader
        title="Webhooks"
        lead={
          <>
            Latchkey POSTs a signed JSON event to each URL when a credential of{' '}
            <strong>{session.workspace.name}</strong> changes (headers <code>webhook-id</code>,{' '}
            <code>webhook-timestamp</code>, <code>webhook-signature</code>). Payloads carry ids and statuses,
            never a token or secret.
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
            <PlusIcon /> Add webhook
          </button>
        }
      />
      {notice && <Alert tone="success">{notice}</Alert>}
      {hooks.error && <Alert tone="danger">{hooks.error}</Alert>}
      {!hooks.data && !hooks.error && <Spinner label="Loading webhooks…" />}
      {hooks.data && hooks.data.length === 0 && (
        <div className="empty">
          <p>No webhooks yet.</p>
        </div>
      )}
      {hooks.data && hooks.data.length > 0 && (
        <ul className="hook-list" aria-label="Webhooks">
          {hooks.data.map((h) => (
            <WebhookItem
              key={h.id}
              hook={h}
              onDelete={() => {
                setNotice(null);
                setDeleteError(null);
                setDeleting(h);
              }}
            />
          ))}
        </ul>
      )}

      {adding && <AddWebhookDialog onClose={() => setAdding(false)} onCreated={() => void hooks.reload()} />}
      {deleting && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirmLabel="Delete webhook"
          busy={deleteBusy}
          error={deleteError && <Alert tone="danger">{deleteError}</Alert>}
          onCancel={() => setDeleting(null)}
          onConfirm={() => void remove()}
        >
          <p>
            Latchkey stops sending events to <code className="break">{deleting.url}</code>; deliveries still
            pending are dropped.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function WebhookItem({ hook, onDelete }: { hook: WebhookView; onDelete: () => void }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  return (
    <li className="panel hook">
      <div className="hook-head">
        <div className="hook-title">
          <code className="break hook-url">{hook.url}</code>
          {hook.description && <p className="muted">{hook.description}</p>}
        </div>
        <div className="button-row">
          <button
            type="button"
            className="button button-small"
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? 'Hide deliveries' : 'Deliveries'}
            <span className="visually-hidden"> of {hook.url}</span>
          </button>
          <button type="button" className="button button-small button-danger-ghost" onClick={onDelete}>
            Delete<span className="visually-hidden"> the webhook to {hook.url}</span>
          </button>
        </div>
      </div>
      <div className="chips" aria-label="Events">
        {hook.events.map((e) => (
          <code key={e} className="chip" title={EVENT_LABEL[e]}>
            {e}
          </code>
        ))}
      </div>
      <div className="muted hook-meta">
        Created <When iso={hook.createdAt} />
      </div>
      <div id={panelId} hidden={!open}>
        {open && <Deliveries hookId={hook.id} url={hook.url} />}
      </div>
    </li>
  );
}

function Deliveries({ hookId, url }: { hookId: string; url: string }) {
  const load = useCallback(() => api.deliveries(hookId, 20).then((r) => r.items), [hookId]);
  const list = useResource(load);
  return (
    <div className="stack-sm deliveries">
      <div className="section-head">
        <h3 className="section-title">Recent deliveries</h3>
        <button
          type="button"
          className="button button-small button-ghost"
          onClick={() => void list.reload()}
          disabled={list.loading}
        >
          Refresh<span className="visually-hidden"> the deliveries</span>
        </button>
      </div>
      {list.error && <Alert tone="danger">{list.error}</Alert>}
      {!list.data && !list.error && <Spinner label="Loading deliveries…" />}
      {list.data && list.data.length === 0 && (
        <p className="muted">Nothing sent yet: events arrive when a subscribed credential event happens.</p>
      )}
      {list.data && list.data.length > 0 && (
        <div className="table-scroll table-stack-wrap">
          <table className="table table-stack">
            <caption className="visually-hidden">Recent deliveries to {url}</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id}>
                  <th scope="row" data-label="Event">
                    <code>{d.eventType}</code>
                  </th>
                  <td data-label="Status">
                    <span className={`badge ${DELIVERY_TONE[d.status]}`}>{d.status}</span>
                    {d.status === 'pending' && d.nextAttemptAt && (
                      <span className="muted"> · next try {relative(d.nextAttemptAt)}</span>
                    )}
                  </td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Response">
                    {d.lastStatusCode !== null && <code>HTTP {d.lastStatusCode}</code>}{' '}
                    {d.lastError && <span className="error-text">{d.lastError}</span>}
                    {d.lastStatusCode === null && !d.lastError && <span className="muted">—</span>}
                  </td>
                  <td data-label="Created">
                    <time dateTime={d.createdAt} title={absolute(d.createdAt)}>
                      {relative(d.createdAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function AddWebhookDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<Set<WebhookEvent>>(() => new Set(EVENTS));
  const [errors, setErrors] = useState<{ url?: string; events?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const eventsErrorId = useId();

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    let parsed: URL | null = null;
    try {
      parsed = new URL(url.trim());
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) next.url = 'Enter an http:// or https:// URL.';
    if (events.size === 0) next.events = 'Choose at least one event.';
    setErrors(next);
    if (next.url) return e.currentTarget.querySelector<HTMLElement>('[name="url"]')?.focus();
    if (next.events) return e.currentTarget.querySelector<HTMLElement>('[name="events"]')?.focus();
    setBusy(true);
    setFailure(null);
    try {
      const hook = await api.createWebhook({
        url: url.trim(),
        events: EVENTS.filter((ev) => events.has(ev)),
        description: description.trim() || null,
      });
      setCreated(hook);
      onCreated();
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <Modal
        title="Webhook added"
        subtitle={created.url}
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <SecretOnce label="Signing secret" value={created.secret}>
          Your endpoint checks each call’s <code>webhook-signature</code> with it (HMAC-SHA256 of{' '}
          <code>id.timestamp.body</code>). Latchkey cannot show it again: to get a new one, delete the webhook
          and add it again.
        </SecretOnce>
      </Modal>
    );
  }

  const toggle = (ev: WebhookEvent) => {
    setEvents((s) => {
      const n = new Set(s);
      if (n.has(ev)) n.delete(ev);
      else n.add(ev);
      return n;
    });
    setErrors((er) => ({ ...er, events: undefined }));
  };

  return (
    <Modal
      title="Add webhook"
      onClose={onClose}
      footer={
        <FormFooter
          formId="webhook-form"
          label="Add webhook"
          busyLabel="Adding…"
          busy={busy}
          onCancel={onClose}
        />
      }
    >
      <form id="webhook-form" className="stack" onSubmit={submit} noValidate>
        {failure && <Alert tone="danger">{failure}</Alert>}
        <TextField
          label="Endpoint URL"
          name="url"
          type="url"
          inputMode="url"
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
            setErrors((er) => ({ ...er, url: undefined }));
          }}
          error={errors.url}
          maxLength={2000}
          autoComplete="off"
          spellCheck={false}
          required
          data-autofocus
          placeholder="https://example.com/hooks/latchkey"
        />
        <fieldset
          className={`choice-group${errors.events ? ' field-invalid' : ''}`}
          aria-describedby={errors.events ? eventsErrorId : undefined}
        >
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <label key={ev} className="choice">
              <input
                type="checkbox"
                name="events"
                value={ev}
                checked={events.has(ev)}
                onChange={() => toggle(ev)}
              />
              <span>
                <code className="choice-label">{ev}</code>
                <span className="choice-hint">{EVENT_LABEL[ev]}</span>
              </span>
            </label>
          ))}
          {errors.events && (
            <div className="field-error" id={eventsErrorId}>
              {errors.events}
            </div>
          )}
        </fieldset>
        <TextAreaField
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          optional
          rows={2}
          maxLength={500}
          placeholder="Who receives it and why"
        />
      </form>
    </Modal>
  );
}
