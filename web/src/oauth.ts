/**
 * Authorize in a popup (DESIGN §7): the provider opens in a small window; the OAuth callback sends it to
 * `/oauth/complete`, which tells this window the outcome (postMessage to the opener; a BroadcastChannel
 * as well, for providers whose Cross-Origin-Opener-Policy severs the opener) and closes itself. A blocked
 * popup falls back to a full-page redirect that comes back to the Authenticate screen.
 */
import { api } from './api.js';
import type { OAuthMessage, OAuthResult } from './types.js';

export const OAUTH_CHANNEL = 'latchkey-oauth';

export interface OAuthOutcome {
  result: OAuthResult | 'closed';
  errorCode: string | null;
  errorMessage: string | null;
}

export function isOAuthMessage(data: unknown): data is OAuthMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === 'latchkey:oauth' &&
    ['authorized', 'denied', 'error'].includes(String((data as { result?: unknown }).result))
  );
}

/** The Authenticate screen a full-page authorization comes back to. */
export function authenticateReturnPath(connectorId: string, credentialId: string): string {
  return `/connectors/${encodeURIComponent(connectorId)}?credential=${encodeURIComponent(credentialId)}`;
}

function openPopup(): Window | null {
  const width = 520;
  const height = 720;
  const left = Math.max(0, window.screenX + (window.outerWidth - width) / 2);
  const top = Math.max(0, window.screenY + (window.outerHeight - height) / 2);
  const popup = window.open(
    'about:blank',
    'latchkey-oauth',
    `popup=yes,width=${width},height=${height},left=${Math.round(left)},top=${Math.round(top)}`,
  );
  if (!popup) return null;
  try {
    popup.document.title = 'Connecting…';
    popup.document.body.style.font = '15px system-ui, sans-serif';
    popup.document.body.style.color = '#4b5563';
    popup.document.body.style.padding = '2rem';
    popup.document.body.textContent = 'Connecting to the provider…';
  } catch {
    // A blank popup is fine too.
  }
  return popup;
}

export interface Authorization {
  /** Resolves with the outcome; never resolves when the page itself is redirected. */
  outcome: Promise<OAuthOutcome>;
  /** Stop waiting and close the popup. */
  cancel(): void;
}

/**
 * Start an authorization. Call from a click handler: the popup is opened before anything is awaited, so
 * browsers do not block it. `prepare` saves the credential first when needed and returns its id.
 */
export function authorize(connectorId: string, prepare: () => Promise<string>): Authorization {
  const popup = openPopup();
  let finish: (o: OAuthOutcome) => void = () => {};
  let cleanup = () => {};
  let settled = false;
  const outcome = new Promise<OAuthOutcome>((resolve, reject) => {
    finish = (o) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(o);
    };
    (async () => {
      const id = await prepare();
      if (settled) return;
      if (!popup) {
        const { authorizationUrl } = await api.authorize(id, authenticateReturnPath(connectorId, id));
        settled = true;
        window.location.assign(authorizationUrl);
        return;
      }
      const { authorizationUrl } = await api.authorize(id, '/oauth/complete');
      if (settled) return;
      if (popup.closed) return finish({ result: 'closed', errorCode: null, errorMessage: null });
      popup.location.href = authorizationUrl;
      listen(popup, id);
    })().catch((err: unknown) => {
      settled = true;
      cleanup();
      popup?.close();
      reject(err);
    });
  });

  function listen(win: Window, credentialId: string) {
    const accept = (data: unknown): boolean => isOAuthMessage(data) && data.credentialId === credentialId;
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== window.location.origin || !accept(e.data)) return;
      const m = e.data as OAuthMessage;
      finish({ result: m.result, errorCode: m.errorCode, errorMessage: m.errorMessage });
    };
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(OAUTH_CHANNEL) : null;
    if (channel) {
      channel.onmessage = (e: MessageEvent) => {
        if (!accept(e.data)) return;
        channel.postMessage({ type: 'latchkey:oauth-ack', credentialId });
        const m = e.data as OAuthMessage;
        finish({ result: m.result, errorCode: m.errorCode, errorMessage: m.errorMessage });
      };
    }
    window.addEventListener('message', onMessage);
    let closedSince = 0;
    const timer = window.setInterval(() => {
      if (!win.closed) return;
      // Give a message sent just before closing the time to arrive.
      closedSince ||= Date.now();
      if (Date.now() - closedSince > 800) finish({ result: 'closed', errorCode: null, errorMessage: null });
    }, 250);
    cleanup = () => {
      window.removeEventListener('message', onMessage);
      window.clearInterval(timer);
      channel?.close();
    };
  }

  return {
    outcome,
    cancel() {
      if (!settled) finish({ result: 'closed', errorCode: null, errorMessage: null });
      if (popup && !popup.closed) popup.close();
    },
  };
}

/** The sentence the UI shows for an outcome. */
export function describeOutcome(o: OAuthOutcome, providerName: string): string {
  switch (o.result) {
    case 'authorized':
      return 'Authorized. The credential is active.';
    case 'denied':
      return `Authorization was denied by the user at ${providerName}.`;
    case 'error':
      return `Authorization failed: ${(o.errorMessage || o.errorCode || 'unknown error').replace(/\.$/, '')}.`;
    case 'closed':
      return 'The sign-in window was closed before authorization finished.';
  }
}
