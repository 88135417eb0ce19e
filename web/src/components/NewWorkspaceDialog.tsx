/** Create a workspace (admins): the creator becomes its admin, and the session switches to it. */
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api.js';
import { useSession } from '../session.js';
import { Alert } from './Alert.js';
import { TextField } from './Field.js';
import { FormFooter, Modal } from './Modal.js';

export function NewWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const { switchWorkspace } = useSession();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!name.trim()) {
      setError('Enter a name for the workspace.');
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const ws = await api.createWorkspace({ name: name.trim() });
      await switchWorkspace(ws.id);
      onClose();
    } catch (err) {
      setFailure(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <Modal
      title="New workspace"
      subtitle="A separate set of credentials, sources, members and API keys. You become its admin."
      size="sm"
      onClose={onClose}
      footer={
        <FormFooter
          formId="new-workspace-form"
          label="Create workspace"
          busyLabel="Creating…"
          busy={busy}
          onCancel={onClose}
        />
      }
    >
      <form id="new-workspace-form" className="stack" onSubmit={submit} noValidate>
        {failure && <Alert tone="danger">{failure}</Alert>}
        <TextField
          label="Workspace name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          error={error}
          maxLength={200}
          autoComplete="off"
          required
          data-autofocus
          placeholder="e.g. Staging"
          hint="You switch to it once it is created."
        />
      </form>
    </Modal>
  );
}
