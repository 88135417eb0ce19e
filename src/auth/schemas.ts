/** The session contract (zod only, so the web UI can import its types). */
import { z } from 'zod';
import { ROLES } from './permissions.js';

export const Credentials = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
});

export const NewAdmin = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(8, 'must be at least 8 characters').max(1024),
});

export const SessionView = z.object({
  user: z.object({ id: z.string(), email: z.string() }).nullable(),
  workspace: z.object({ id: z.string(), name: z.string() }),
  role: z.enum(ROLES),
  csrfToken: z.string().nullable(),
  redirectUri: z.string(),
});
export type SessionView = z.infer<typeof SessionView>;
