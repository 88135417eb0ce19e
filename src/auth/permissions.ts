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
  'workspaces:create',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Editors work with credentials and may mint API keys for their pipelines — never above their own role
 * (an editor already holds `tokens:read`, so an editor key gives nothing new). Members and workspaces are
 * the admins'.
 */
const EDITOR: Permission[] = [
  'credentials:read',
  'credentials:write',
  'tokens:read',
  'proxy:use',
  'sources:read',
  'sources:write',
  'audit:read',
  'webhooks:manage',
  'api_keys:manage',
];

/** Viewers read metadata only: never a token, a secret, a run's records, the proxy or the audit log. */
const VIEWER: Permission[] = ['credentials:read', 'sources:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  editor: new Set(EDITOR),
  viewer: new Set(VIEWER),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** Whether `role` is at most `ceiling` (a caller may grant or revoke only up to its own role). */
export function atMost(role: Role, ceiling: Role): boolean {
  return RANK[role] <= RANK[ceiling];
}
