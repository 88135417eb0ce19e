import type { CredentialStatus } from '../types.js';

export const STATUS_LABEL: Record<CredentialStatus, string> = {
  pending_authorization: 'Pending authorization',
  active: 'Active',
  reauthorization_required: 'Reauthorization required',
  revoked: 'Revoked',
};

const STATUS_TONE: Record<CredentialStatus, string> = {
  pending_authorization: 'neutral',
  active: 'success',
  reauthorization_required: 'warning',
  revoked: 'danger',
};

export function StatusBadge({ status }: { status: CredentialStatus }) {
  return (
    <span className={`badge badge-${STATUS_TONE[status]}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}
