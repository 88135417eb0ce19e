/** zod building blocks shared by the route schemas of every capability (input rules, error shape). */
import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f]/;

/** A single-line, trimmed text field with no control characters. */
export function lineText(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_OR_NEWLINE.test(s), 'must not contain control characters or line breaks');
}

/** Multi-line text (line breaks and tabs allowed, other control characters not). */
export function longText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');
}

/** An opaque secret: any printable text, no NUL or control characters, bounded. */
export function secretText(max: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_OR_NEWLINE.test(s), 'must not contain control characters or line breaks');
}

/** What an id looks like: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const IdParams = z.strictObject({
  id: z.string().min(1).max(64).regex(ID_PATTERN, 'not an id'),
});

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor')
    .optional(),
};

export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const isoDate = z.string().describe('ISO 8601 date-time');

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
