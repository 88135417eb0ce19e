/**
 * Credentials of one connector as tiles, with the Add Credential overlay; shared by the Authenticate screen
 * and the data source / destination wizard.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from '../api.js';
import type { OAuthOutcome } from '../oauth.js';
import { useSession } from '../session.js';
import type { Connector, CredentialView } from '../types.js';
import { Alert, Spinner } from './Alert.js';
import { CredentialDialog } from './CredentialDialog.js';
import { CredentialTiles } from './CredentialTiles.js';

export type DialogState =
  { mode: 'add' } | { mode: 'edit'; credential: CredentialView; outcome?: OAuthOutcome | null } | null;

export function useCredentials(connectorId: string) {
  const [items, setItems] = useState<CredentialView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const page = await api.credentials({ connector: connectorId });
      setItems(page.items);
      setError(null);
      return page.items;
    } catch (err) {
      setError(errorMessage(err));
      return null;
    }
  }, [connectorId]);
  useEffect(() => {
    setItems(null);
    void reload();
  }, [reload]);
  /** Put a stored credential into the list (new ones first) without waiting for a reload. */
  const upsert = useCallback((c: CredentialView) => {
    setItems((list) => {
      const rest = (list ?? []).filter((x) => x.id !== c.id);
      const at = (list ?? []).findIndex((x) => x.id === c.id);
      if (at < 0) return [c, ...rest];
      const copy = [...(list ?? [])];
      copy[at] = c;
      return copy;
    });
  }, []);
  return { items, error, reload, upsert };
}

export function AuthenticatePanel({
  connector,
  selectedId,
  onSelect,
  dialog,
  setDialog,
  credentials,
}: {
  connector: Connector;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  dialog: DialogState;
  setDialog: (d: DialogState) => void;
  credentials: ReturnType<typeof useCredentials>;
}) {
  const { canWrite } = useSession();
  const { items, error, upsert } = credentials;

  return (
    <>
      {error && <Alert tone="danger">{error}</Alert>}
      {!items && !error && <Spinner label="Loading credentials…" />}
      {items && (
        <>
          {items.length === 0 && (
            <p className="muted">
              No credential for {connector.name} yet.{' '}
              {canWrite ? 'Add one with the Client ID and Client Secret of your app.' : ''}
            </p>
          )}
          <CredentialTiles
            credentials={items}
            selectedId={selectedId}
            onSelect={onSelect}
            onAdd={() => setDialog({ mode: 'add' })}
            canAdd={canWrite}
            label={`Credentials for ${connector.name}`}
          />
        </>
      )}
      {dialog && (
        <CredentialDialog
          key={dialog.mode === 'edit' ? dialog.credential.id : 'add'}
          connector={connector}
          credential={dialog.mode === 'edit' ? dialog.credential : null}
          initialOutcome={dialog.mode === 'edit' ? (dialog.outcome ?? null) : null}
          onClose={() => setDialog(null)}
          onChanged={(c) => {
            upsert(c);
            onSelect(c.id);
          }}
          onSaved={(c) => {
            upsert(c);
            onSelect(c.id);
            setDialog(null);
          }}
        />
      )}
    </>
  );
}
