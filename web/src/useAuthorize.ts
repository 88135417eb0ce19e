/** Re-authorize a saved credential from a button (the Authenticate action bar, the detail page). */
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from './api.js';
import { authorize, type Authorization, type OAuthOutcome } from './oauth.js';

export function useAuthorize(connectorId: string | null, onFinished: (credentialId: string) => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<OAuthOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<Authorization | null>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(() => () => pending.current?.cancel(), []);

  function start(credentialId: string) {
    if (!connectorId || busy) return;
    setBusy(true);
    setOutcome(null);
    setError(null);
    const run = authorize(connectorId, async () => credentialId);
    pending.current = run;
    run.outcome
      .then((o) => {
        setOutcome(o);
        finished.current(credentialId);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => {
        pending.current = null;
        setBusy(false);
      });
  }

  function clear() {
    setOutcome(null);
    setError(null);
  }

  return { busy, outcome, error, start, clear, setOutcome };
}
