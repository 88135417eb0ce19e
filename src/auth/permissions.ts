/** Roles and what each may do. Pure data: routes declare the permission they need. */
export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'credentials:read',
  'credentials:write',
  'tokens:read',
  'proxy:use',
  'sources:read',
  'sources:write',
  'audit:read',
  'webhooks:manage',
  'api_keys:manage',
  'members:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const EDITOR: Permission[] = [
  'credentials:read',
  'credentials:write',
  'tokens:read',
  'proxy:use',
  'sources:read',
  'sources:write',
  'audit:read',
  'webhooks:manage',
];

/** Viewers read metadata only: never a token, never the proxy. */
const VIEWER: Permission[] = ['credentials:read', 'sources:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  editor: new Set(EDITOR),
  viewer: new Set(VIEWER),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
