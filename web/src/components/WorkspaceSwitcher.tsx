/**
 * The header's workspace switcher: a disclosure button naming the current workspace; its panel lists my
 * workspaces (with my role in each) to switch to, and, for admins, New workspace. Esc or a click elsewhere
 * closes it; focus returns to the button.
 */
import { useEffect, useId, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { api, errorMessage } from '../api.js';
import { ROLE_LABEL } from '../permissions.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import type { WorkspaceView } from '../types.js';
import { CheckIcon, ChevronDownIcon, PlusIcon } from './icons.js';
import { NewWorkspaceDialog } from './NewWorkspaceDialog.js';

export function WorkspaceSwitcher() {
  const { session, can, switchWorkspace } = useSession();
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<WorkspaceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    let live = true;
    api.workspaces().then(
      (r) => live && setItems(r.items),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    const outside = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => {
      live = false;
      document.removeEventListener('mousedown', outside);
    };
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      close(true);
    }
  };
  const onBlur = (e: FocusEvent) => {
    if (open && !root.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
  };

  async function choose(w: WorkspaceView) {
    if (w.id === session.workspace.id) return close(true);
    setBusy(w.id);
    setError(null);
    try {
      await switchWorkspace(w.id);
      setOpen(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="switcher" ref={root} onKeyDown={onKeyDown} onBlur={onBlur}>
      <button
        ref={button}
        type="button"
        className="button button-small button-ghost switcher-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          // A fresh list each time it opens (never the one of a previous opening, even for a frame).
          if (!open) {
            setItems(null);
            setError(null);
          }
          setOpen(!open);
        }}
        title={`Workspace: ${session.workspace.name} (${session.role})`}
      >
        <span className="visually-hidden">Workspace: </span>
        <span className="switcher-name">{session.workspace.name}</span>
        <ChevronDownIcon />
      </button>
      <div id={panelId} className="popover" hidden={!open}>
        <div className="popover-title" id={`${panelId}-title`}>
          Workspaces
        </div>
        {error && (
          <p className="popover-error" role="alert">
            {error}
          </p>
        )}
        {!items && !error && <p className="popover-note muted">Loading…</p>}
        {items && (
          <ul className="popover-list" aria-labelledby={`${panelId}-title`}>
            {items.map((w) => (
              <li key={w.id}>
                <button
                  type="button"
                  className="popover-item"
                  aria-current={w.id === session.workspace.id ? 'true' : undefined}
                  disabled={busy !== null}
                  onClick={() => void choose(w)}
                >
                  <span className="popover-check" aria-hidden="true">
                    {w.id === session.workspace.id && <CheckIcon size={16} />}
                  </span>
                  <span className="popover-item-name">{w.name}</span>
                  <span className="badge badge-neutral">{ROLE_LABEL[w.role]}</span>
                  {busy === w.id && <span className="visually-hidden">Switching…</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="popover-foot">
          {can('workspaces:create') && (
            <button
              type="button"
              className="popover-item"
              onClick={() => {
                setOpen(false);
                setCreating(true);
              }}
            >
              <span className="popover-check" aria-hidden="true">
                <PlusIcon />
              </span>
              New workspace…
            </button>
          )}
          <Link href="/settings/workspaces" className="popover-item" onClick={() => setOpen(false)}>
            <span className="popover-check" aria-hidden="true" />
            All workspaces
          </Link>
        </div>
      </div>
      {creating && (
        <NewWorkspaceDialog
          onClose={() => {
            setCreating(false);
            button.current?.focus();
          }}
        />
      )}
    </div>
  );
}
