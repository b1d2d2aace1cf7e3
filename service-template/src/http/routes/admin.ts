// The job dashboard (Bull Board) under /admin/queues, for principals with jobs:admin only.
// Browsers get a Basic-auth prompt: user name anything, password an admin API key or token.
// Bull Board is loaded on the first authorised visit, not at boot: it is about 10 MiB of the web
// process's memory, for a page few processes ever serve (bench/RESULTS.md).
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import { can } from '../../auth/permissions.js';
import type { Authenticator } from '../../auth/authenticate.js';
import { HttpProblem } from '../problem.js';

export const DASHBOARD_PATH = '/admin/queues';

async function loadBoard(queues: Queue[]): Promise<Middleware> {
  const [{ createBullBoard }, { BullMQAdapter }, { KoaAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/koa'),
  ]);
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'little-service jobs' } },
  });
  return adapter.registerPlugin() as Middleware;
}

export function dashboard(queues: Queue[], authenticate: Authenticator): Middleware {
  let board: Promise<Middleware> | undefined;
  const guard: Middleware = async (ctx, next) => {
    if (ctx.path !== DASHBOARD_PATH && !ctx.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
    const principal = await authenticate(ctx.get('authorization') || undefined);
    if (!principal) {
      throw new HttpProblem(401, 'Sign in with an admin API key as the password.', {
        headers: { 'www-authenticate': 'Basic realm="little-service jobs", charset="UTF-8"' },
      });
    }
    if (!can(principal, 'jobs:admin')) throw new HttpProblem(403, 'This needs the jobs:admin permission.');
    // A failed load is not remembered: the next visit tries again.
    board ??= loadBoard(queues).catch((error: unknown) => {
      board = undefined;
      throw error;
    });
    return (await board)(ctx, next);
  };
  return guard;
}
