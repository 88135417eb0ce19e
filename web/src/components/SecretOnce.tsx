/**
 * A secret the server shows this once (an API key, a webhook's signing secret): a clear warning, the value
 * in a read-only field that selects itself, and a Copy button.
 */
import type { ReactNode } from 'react';
import { Alert } from './Alert.js';
import { CopyButton } from './CopyButton.js';
import { TextField } from './Field.js';

export function SecretOnce({
  label,
  value,
  children,
}: {
  label: string;
  value: string;
  children: ReactNode;
}) {
  return (
    <div className="stack secret-once">
      <Alert tone="warning" title="Copy it now: this is the only time it is shown">
        {children}
      </Alert>
      <TextField
        label={label}
        value={value}
        readOnly
        className="mono"
        spellCheck={false}
        autoComplete="off"
        autoFocus
        onFocus={(e) => e.currentTarget.select()}
        addon={<CopyButton text={value} />}
      />
    </div>
  );
}
