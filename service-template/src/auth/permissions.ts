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
  kind: 'user' | 'api-key';
  roles: Role[];
}

export const isRole = (value: unknown): value is Role => roles.includes(value as Role);

export function can(principal: Principal, permission: Permission): boolean {
  return principal.roles.some((role) => rolePermissions[role].includes(permission));
}
