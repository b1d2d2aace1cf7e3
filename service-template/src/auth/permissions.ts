// The one table that says who may do what. Routes name a permission; principals carry roles.
export const permissions = ['notes:read', 'notes:write', 'notes:delete', 'jobs:admin', 'api:docs'] as const;
export type Permission = (typeof permissions)[number];

export const roles = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof roles)[number];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  viewer: ['notes:read'],
  // api:docs: the API reference at /docs where it is protected (production's default).
  editor: ['notes:read', 'notes:write', 'api:docs'],
  admin: permissions,
};

export interface Principal {
  id: string;
  /** 'service': another service with a token from its own key (lsvc.yml `callers:`). */
  kind: 'user' | 'api-key' | 'service';
  roles: Role[];
  /** Granted directly, not through a role: what lsvc.yml `callers:` gives a calling service. */
  permissions?: readonly Permission[];
}

export const isRole = (value: unknown): value is Role => roles.includes(value as Role);

export function can(principal: Principal, permission: Permission): boolean {
  if (principal.permissions?.includes(permission)) return true;
  return principal.roles.some((role) => rolePermissions[role].includes(permission));
}
