// Walks every route the router serves and proves the access rules hold for all of them, so a
// new route that forgets `requirePermission` (here: `access`) cannot ship unnoticed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { can, permissions, rolePermissions, roles, type Role } from '../../src/auth/permissions.js';
import { DASHBOARD_PATH } from '../../src/http/routes/admin.js';
import type { AnyRoute } from '../../src/http/route.js';
import { call, startTestApp, type TestApp } from '../support/harness.js';
import { bearer, token } from '../support/tokens.js';

let t: TestApp;
const sampleId = '019ac9a0-8a4e-7c43-9a57-4f1f2b8c1a00';
const concretePath = (path: string) => path.replace(/:\w+/g, sampleId);
const explicitlyPublic = ['GET /', 'GET /healthz', 'GET /readyz', 'GET /openapi.json', 'GET /.well-known/jwks.json'];

beforeAll(async () => {
  // The API reference protected (production's default) so that its routes are walked as well.
  t = await startTestApp({ env: { API_DOCS: 'protected' } });
});
afterAll(() => t.close());

const key = (route: Pick<AnyRoute, 'method' | 'path'>) => `${route.method.toUpperCase()} ${route.path}`;

describe('route access', () => {
  it('serves exactly the declared routes: nothing reaches the router without a definition', () => {
    const served = t.app.router.stack.flatMap((layer) =>
      layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${layer.path}`),
    );
    expect(served.sort()).toEqual(t.app.routes.map(key).sort());
  });

  it('has only the intended public routes', () => {
    const publicRoutes = t.app.routes.filter((route) => 'public' in route.access).map(key);
    expect(publicRoutes.sort()).toEqual([...explicitlyPublic].sort());
  });

  it('rejects anonymous callers on every non-public route with 401', async () => {
    const guarded = t.app.routes.filter((route) => !('public' in route.access));
    expect(guarded.length).toBeGreaterThanOrEqual(5);
    for (const route of guarded) {
      const reply = await call(t.url, route.method.toUpperCase(), concretePath(route.path), {
        json: route.method === 'get' ? undefined : {},
      });
      expect({ route: key(route), status: reply.status }).toEqual({ route: key(route), status: 401 });
    }
  });

  it('rejects every role that lacks the route permission with 403, and lets the others past auth', async () => {
    const guarded = t.app.routes.filter((route) => !('public' in route.access));
    for (const route of guarded) {
      const permission = (route.access as { permission: (typeof permissions)[number] }).permission;
      for (const role of roles) {
        const reply = await call(t.url, route.method.toUpperCase(), concretePath(route.path), {
          headers: { ...bearer(await token([role])), 'if-match': '*' },
          json: route.method === 'get' ? undefined : {},
        });
        const allowed = can({ id: 'x', kind: 'user', roles: [role as Role] }, permission);
        const outcome = { route: key(route), role, denied: reply.status === 403 || reply.status === 401 };
        expect(outcome).toEqual({ route: key(route), role, denied: !allowed });
      }
    }
  });

  it('guards the job dashboard: 401 with a Basic challenge, 403 without jobs:admin, 200 for admins', async () => {
    const anonymous = await call(t.url, 'GET', DASHBOARD_PATH);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    const editor = await call(t.url, 'GET', `${DASHBOARD_PATH}/api/queues`, {
      headers: bearer(await token(['editor'])),
    });
    expect(editor.status).toBe(403);
    const basic = Buffer.from(`admin:${await token(['admin'])}`).toString('base64');
    const admin = await call(t.url, 'GET', DASHBOARD_PATH, { headers: { authorization: `Basic ${basic}` } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toMatch(/html/);
    const queues = await call(t.url, 'GET', `${DASHBOARD_PATH}/api/queues`, {
      headers: bearer(await token(['admin'])),
    });
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual(['dead-letter', 'notes']);
  });

  it('keeps the permission table closed: every role maps to known permissions, admin has all', () => {
    for (const role of roles) for (const permission of rolePermissions[role]) expect(permissions).toContain(permission);
    expect([...rolePermissions.admin].sort()).toEqual([...permissions].sort());
  });
});
