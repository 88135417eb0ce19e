/**
 * The credential status machine of DESIGN §4, as a pure function.
 *
 *   pending_authorization ──authorized──▶ active ──refresh_rejected / tokens_lost──▶ reauthorization_required
 *             ▲                             ▲                                                  │
 *             └──────── (any) ──revoked──▶ revoked ──authorized──▶ active ◀──authorized─────────┘
 *
 * A denied or failed authorization leaves the status as it was (only `lastError` changes).
 */
export const STATUSES = ['pending_authorization', 'active', 'reauthorization_required', 'revoked'] as const;
export type CredentialStatus = (typeof STATUSES)[number];

export type StatusEvent =
  | 'authorized'
  | 'authorization_denied'
  | 'authorization_failed'
  | 'refreshed'
  | 'refresh_failed_transient'
  | 'refresh_rejected'
  | 'tokens_lost'
  | 'revoked';

export function nextStatus(current: CredentialStatus, event: StatusEvent): CredentialStatus {
  switch (event) {
    case 'authorized':
      return 'active';
    case 'authorization_denied':
    case 'authorization_failed':
    case 'refresh_failed_transient':
      return current;
    case 'refreshed':
      return current === 'revoked' ? 'revoked' : 'active';
    case 'refresh_rejected':
    case 'tokens_lost':
      return current === 'revoked' ? 'revoked' : 'reauthorization_required';
    case 'revoked':
      return 'revoked';
  }
}

/** Whether a token may be handed out or used in this status. */
export function isUsable(status: CredentialStatus): boolean {
  return status === 'active';
}
