import type { ReactNode } from 'react';
import { AlertIcon, CheckIcon, InfoIcon } from './icons.js';

type Tone = 'info' | 'success' | 'warning' | 'danger';

/** A message box. Errors and outcomes are announced (role=alert / status). */
export function Alert({
  tone = 'info',
  title,
  children,
  live = true,
}: {
  tone?: Tone;
  title?: ReactNode;
  children?: ReactNode;
  live?: boolean;
}) {
  const role = !live ? undefined : tone === 'danger' || tone === 'warning' ? 'alert' : 'status';
  const icon = tone === 'success' ? <CheckIcon /> : tone === 'info' ? <InfoIcon /> : <AlertIcon />;
  return (
    <div className={`alert alert-${tone}`} role={role}>
      <span className="alert-icon">{icon}</span>
      <div className="alert-body">
        {title && <div className="alert-title">{title}</div>}
        {children && <div>{children}</div>}
      </div>
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}
