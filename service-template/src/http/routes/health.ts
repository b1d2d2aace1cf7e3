// /healthz says the process is alive (no dependencies: a restart would not fix them).
// /readyz says it can serve: database and Redis answer, migrations are applied, not shutting down.
// The load balancer and `lsvc deploy` use /readyz.
import { z } from 'zod';
import { TimeoutError, withTimeout } from '../../time.js';
import { route, type AnyRoute } from '../route.js';

export type Check = () => Promise<void>;

/** A check failure whose message is safe to show on a public endpoint. Others show as "unavailable". */
export class NotReady extends Error {}

export interface HealthDeps {
  checks: Record<string, Check>;
  isShuttingDown: () => boolean;
  timeoutMs?: number;
}

const readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
  })
  .meta({ id: 'Readiness' });

export function healthRoutes({ checks, isShuttingDown, timeoutMs = 1000 }: HealthDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['health'],
      access: { public: true },
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handler(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database, Redis and migrations are fine',
      tags: ['health'],
      access: { public: true },
      responses: {
        200: { description: 'Ready', schema: readiness },
        503: { description: 'Not ready (or shutting down)', schema: readiness },
      },
      async handler(ctx) {
        const names = Object.keys(checks);
        const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!(), timeoutMs, 'check')));
        const report: Record<string, { ok: boolean; error?: string }> = {};
        results.forEach((result, index) => {
          const name = names[index]!;
          if (result.status === 'fulfilled') return void (report[name] = { ok: true });
          const reason = result.reason as Error;
          // Driver errors name hosts and ports: log them, show only a safe summary.
          ctx.state.log?.warn({ check: name, err: reason?.message }, 'readiness check failed');
          report[name] = {
            ok: false,
            error: reason instanceof NotReady || reason instanceof TimeoutError ? reason.message : 'unavailable',
          };
        });
        if (isShuttingDown()) report.shutdown = { ok: false, error: 'shutting down' };
        const ready = Object.values(report).every((check) => check.ok);
        ctx.status = ready ? 200 : 503;
        ctx.set('cache-control', 'no-store');
        ctx.body = { status: ready ? 'ready' : 'unavailable', checks: report };
      },
    }),
  ];
}
