// The job dashboard (Bull Board) under /admin/queues, for principals with jobs:admin only.
// Browsers get a Basic-auth prompt: user name anything, password an admin API key or token.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import { can } from '../../auth/permissions.js';
import type { Authenticator } from '../../auth/authenticate.js';
import { HttpProblem } from '../problem.js';

export const DASHBOARD_PATH = '/admin/queues';

export function dashboard(queues: Queue[], authenticate: Authenticator): Middleware[] {
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'little-service jobs' } },
  });
  const guard: Middleware = async (ctx, next) => {
    if (ctx.path !== DASHBOARD_PATH && !ctx.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
    const principal = await authenticate(ctx.get('authorization') || undefined);
    if (!principal) {
      throw new HttpProblem(401, 'Sign in with an admin API key as the password.', {
        headers: { 'www-authenticate': 'Basic realm="little-service jobs", charset="UTF-8"' },
      });
    }
    if (!can(principal, 'jobs:admin')) throw new HttpProblem(403, 'This needs the jobs:admin permission.');
    return next();
  };
  return [guard, adapter.registerPlugin()];
}
