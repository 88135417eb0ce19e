/** The session contract (zod only, so the web UI can import its types). */
import { z } from 'zod';
import { lineText } from '../http/schemas.js';
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

const Password = z.string().min(8, 'must be at least 8 characters').max(1024);
const RoleField = z.enum(ROLES);

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: Password,
});

export const SwitchWorkspaceBody = z.strictObject({
  workspaceId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'not an id'),
});

export const MemberView = z.object({
  id: z.string(),
  email: z.string(),
  role: RoleField,
  createdAt: z.string().describe('ISO 8601: when the account was created'),
  joinedAt: z.string().describe('ISO 8601: when it joined this workspace'),
});
export type MemberView = z.infer<typeof MemberView>;

export const MemberList = z.object({ items: z.array(MemberView) });

export const CreateUserBody = z.strictObject({
  email: z.email().max(254),
  password: Password.describe('the first password; the user changes it with POST /api/v1/session/password'),
  role: RoleField,
});

export const AddMemberBody = z.strictObject({
  email: z.email().max(254).describe('an existing account'),
  role: RoleField,
});

export const ChangeRoleBody = z.strictObject({ role: RoleField });

export const MemberParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'not an id'),
  userId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'not an id'),
});

export const WorkspaceView = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleField.describe('the caller’s role in it'),
  createdAt: z.string(),
  current: z.boolean().describe('the workspace the caller is working in'),
});
export type WorkspaceView = z.infer<typeof WorkspaceView>;

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleField,
  lastFour: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreatedApiKey = ApiKeyView.extend({
  key: z.string().describe('the key itself: shown this once, stored only as a hash'),
});

export const CreateApiKeyBody = z
  .strictObject({
    name: lineText(200),
    role: RoleField.describe('at most the caller’s own role'),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the key stops working'),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .refine((b) => !(b.expiresAt && b.expiresInDays), {
    message: 'give expiresAt or expiresInDays, not both',
    path: ['expiresInDays'],
  });

export const CreateWorkspaceBody = z.strictObject({ name: lineText(200) });
