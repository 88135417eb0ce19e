/**
 * `/oauth/complete`: where the OAuth callback sends the popup. It tells the window that opened it the outcome
 * (`postMessage` to the opener, own origin only; a BroadcastChannel too, in case the provider's
 * Cross-Origin-Opener-Policy severed the opener) and closes. Opened without an opener (a full-page flow, or a
 * severed popup nobody answers), it goes on to the connector's Authenticate screen with the outcome.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.js';
import { LogoMark } from '../components/icons.js';
import { describeOutcome, OAUTH_CHANNEL } from '../oauth.js';
import { navigate, useTitle } from '../router.js';
import type { OAuthMessage, OAuthResult } from '../types.js';

function messageFrom(q: URLSearchParams): OAuthMessage {
  const r = q.get('oauth_result');
  const result: OAuthResult = r === 'authorized' || r === 'denied' ? r : 'error';
  return {
    type: 'latchkey:oauth',
    result,
    credentialId: q.get('credential_id'),
    errorCode: q.get('error_code') ?? (r ? null : 'missing_result'),
    errorMessage:
      q.get('error_message') ?? (r ? null : 'the callback did not say how the authorization ended'),
  };
}

async function continueHere(m: OAuthMessage): Promise<void> {
  const credential = m.credentialId ? await api.credential(m.credentialId).catch(() => null) : null;
  if (!credential) {
    navigate('/connectors', { replace: true });
    return;
  }
  const q = new URLSearchParams({ credential: credential.id, oauth_result: m.result });
  if (m.errorCode) q.set('error_code', m.errorCode);
  if (m.errorMessage) q.set('error_message', m.errorMessage);
  navigate(`/connectors/${encodeURIComponent(credential.connector)}?${q.toString()}`, { replace: true });
}

export function OAuthCompleteScreen() {
  useTitle('Authorization');
  const [message] = useState(() => messageFrom(new URLSearchParams(window.location.search)));
  const [closing, setClosing] = useState(true);

  useEffect(() => {
    const opener = window.opener as Window | null;
    if (opener && !opener.closed) {
      try {
        opener.postMessage(message, window.location.origin);
        window.close();
        return;
      } catch {
        // Fall through to the channel.
      }
    }
    if (typeof BroadcastChannel !== 'function') {
      void continueHere(message);
      return;
    }
    const channel = new BroadcastChannel(OAUTH_CHANNEL);
    let acked = false;
    channel.onmessage = (e: MessageEvent) => {
      const d = e.data as { type?: string; credentialId?: string } | null;
      if (d?.type === 'latchkey:oauth-ack' && d.credentialId === message.credentialId) {
        acked = true;
        window.close();
      }
    };
    channel.postMessage(message);
    const t = window.setTimeout(() => {
      channel.close();
      if (!acked) {
        setClosing(false);
        void continueHere(message);
      }
    }, 600);
    return () => {
      window.clearTimeout(t);
      channel.close();
    };
  }, [message]);

  return (
    <main id="main" className="auth-page">
      <div className="auth-card auth-card-center" role="status">
        <div className="auth-brand">
          <LogoMark size={36} />
          <span>Latchkey</span>
        </div>
        <p>{describeOutcome(message, 'the provider')}</p>
        <p className="muted">
          {closing ? 'This window closes by itself; you can close it now.' : 'Returning…'}
        </p>
      </div>
    </main>
  );
}
