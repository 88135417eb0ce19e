/**
 * The Authenticate screen's body (DESIGN §7): one selectable tile per saved credential of a connector
 * (radio-group semantics: arrow keys move the selection, Tab leaves the group) and an Add Credential tile
 * that opens the overlay.
 */
import { useId, useRef, type KeyboardEvent } from 'react';
import { relative } from '../format.js';
import type { CredentialView } from '../types.js';
import { PlusIcon } from './icons.js';
import { StatusBadge } from './StatusBadge.js';

export function expiryText(c: CredentialView): string {
  if (c.status === 'pending_authorization') return 'Not authorized yet';
  if (c.status === 'revoked') return 'Tokens revoked';
  if (!c.accessTokenExpiresAt) return c.status === 'active' ? 'Token without expiry' : 'No token';
  const past = Date.parse(c.accessTokenExpiresAt) < Date.now();
  return `Token ${past ? 'expired' : 'expires'} ${relative(c.accessTokenExpiresAt)}`;
}

export function CredentialTiles({
  credentials,
  selectedId,
  onSelect,
  onAdd,
  canAdd,
  label,
}: {
  credentials: CredentialView[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onAdd: () => void;
  canAdd: boolean;
  label: string;
}) {
  const refs = useRef(new Map<string, HTMLDivElement>());
  const addHintId = useId();
  const focusable = credentials.some((c) => c.id === selectedId) ? selectedId : (credentials[0]?.id ?? null);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>, index: number) => {
    let next = index;
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (index + 1) % credentials.length;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (index - 1 + credentials.length) % credentials.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = credentials.length - 1;
        break;
      case ' ':
      case 'Enter':
        e.preventDefault();
        onSelect(credentials[index]!.id);
        return;
      default:
        return;
    }
    e.preventDefault();
    const id = credentials[next]!.id;
    onSelect(id);
    refs.current.get(id)?.focus();
  };

  return (
    <div className="tiles">
      {credentials.length > 0 && (
        <div role="radiogroup" aria-label={label} className="tiles-group">
          {credentials.map((c, i) => {
            const selected = c.id === selectedId;
            return (
              <div
                key={c.id}
                ref={(el) => {
                  if (el) refs.current.set(c.id, el);
                  else refs.current.delete(c.id);
                }}
                role="radio"
                aria-checked={selected}
                tabIndex={c.id === focusable ? 0 : -1}
                className={`tile${selected ? ' tile-selected' : ''}`}
                onClick={() => onSelect(c.id)}
                onKeyDown={(e) => onKeyDown(e, i)}
                data-credential-id={c.id}
              >
                <div className="tile-head">
                  <span className="tile-radio" aria-hidden="true" />
                  <span className="tile-name">{c.name}</span>
                </div>
                {c.description && <p className="tile-description">{c.description}</p>}
                <div className="tile-foot">
                  <StatusBadge status={c.status} />
                  <span className="tile-expiry">{expiryText(c)}</span>
                </div>
              </div>
            );
          })}
        </div>
      )}
      {canAdd && (
        <button
          type="button"
          className="tile tile-add"
          onClick={onAdd}
          aria-label="Add Credential"
          aria-describedby={addHintId}
        >
          <span className="tile-add-icon" aria-hidden="true">
            <PlusIcon />
          </span>
          <span className="tile-name">Add Credential</span>
          <span className="tile-description" id={addHintId}>
            Client ID and secret of your app
          </span>
        </button>
      )}
    </div>
  );
}
