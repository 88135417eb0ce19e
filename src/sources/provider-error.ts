/**
 * A short, secret-free account of a connector API's error answer. The Marktplaats family answers
 * `{code, message, logref, details: [{field, code, message}]}`; OAuth-style `{error, error_description}` and
 * `{error: {code, message}}` are understood too. Anything else (HTML, plain text) is not quoted.
 */

export interface ProviderErrorDetail {
  field: string;
  code: string;
  message: string;
}

export interface ProviderError {
  code: string | null;
  message: string | null;
  details: ProviderErrorDetail[];
}

const MAX_TEXT = 200;
const MAX_DETAILS = 20;

/** One line, no control characters, bounded, with any of `secrets` masked. */
export function clean(text: string, secrets: readonly string[] = [], max = MAX_TEXT): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[REDACTED]');
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** What an error body says, or nulls when it is not a JSON error of a known shape. */
export function parseProviderError(bodyText: string, secrets: readonly string[] = []): ProviderError {
  const none: ProviderError = { code: null, message: null, details: [] };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return none;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return none;
  const b = body as Record<string, unknown>;
  let code = str(b.code);
  let message = str(b.message);
  if (!code && b.error && typeof b.error === 'object' && !Array.isArray(b.error)) {
    const e = b.error as Record<string, unknown>;
    code = str(e.code);
    message = str(e.message);
  }
  if (!code && str(b.error)) {
    code = str(b.error);
    message = str(b.error_description) ?? message;
  }
  const details: ProviderErrorDetail[] = [];
  if (Array.isArray(b.details)) {
    for (const d of b.details.slice(0, MAX_DETAILS)) {
      if (d === null || typeof d !== 'object') continue;
      const r = d as Record<string, unknown>;
      details.push({
        field: clean(str(r.field) ?? '', secrets, 100),
        code: clean(str(r.code) ?? '', secrets, 60),
        message: clean(str(r.message) ?? '', secrets),
      });
    }
  }
  return {
    code: code ? clean(code, secrets, 60) : null,
    message: message ? clean(message, secrets) : null,
    details,
  };
}

/** "HTTP 400 pagination-invalid: limit must be between 1 and 100" — for a run's or a record's error. */
export function describeProviderError(status: number, e: ProviderError): string {
  const what = [e.code, e.message].filter(Boolean).join(': ');
  const fields = e.details
    .slice(0, 5)
    .map((d) => `${d.field || 'body'} ${d.message || d.code}`.trim())
    .join('; ');
  const text = `HTTP ${status}${what ? ` ${what}` : ''}${fields ? ` (${fields})` : ''}`;
  return clean(text, [], 400);
}
