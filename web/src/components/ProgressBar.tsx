/** A determinate bar when the total is known, an indeterminate one otherwise. */
export function ProgressBar({ value, max, label }: { value: number; max: number | null; label: string }) {
  const known = max !== null && max > 0;
  const pct = known ? Math.min(100, Math.round((value / max) * 100)) : null;
  return (
    <div
      className={`progress${known ? '' : ' progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
      aria-valuetext={known ? `${pct}%` : `${value.toLocaleString()} so far`}
    >
      <div className="progress-fill" style={known ? { width: `${pct}%` } : undefined} />
    </div>
  );
}
