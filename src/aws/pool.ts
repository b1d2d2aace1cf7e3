// A bound on AWS calls in flight, shared by every client of one region and profile, with throttled
// calls retried after a back-off (on top of the SDK's own retries: a fleet read starts hundreds of
// calls at once, and one throttled describe must not blank a service's row). Counts the calls, so
// benchmarks and --verbose can say what a read cost.
import type { Clock } from '../clock.js';
import { isThrottling } from './errors.js';

export interface CallPool {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Calls sent, retries included. */
  readonly calls: number;
  readonly throttled: number;
}

export interface PoolOptions {
  /** Calls in flight at most. */
  concurrency: number;
  /** Retries of a throttled call (default 4), after 0.5 s, 1 s, 2 s, 4 s (with jitter). */
  retries?: number;
  baseDelayMs?: number;
  clock: Pick<Clock, 'sleep'>;
  random?: () => number;
}

export function callPool(o: PoolOptions): CallPool {
  const retries = o.retries ?? 4;
  const base = o.baseDelayMs ?? 500;
  const random = o.random ?? Math.random;
  let active = 0;
  const waiting: (() => void)[] = [];
  const stats = { calls: 0, throttled: 0 };

  const acquire = async () => {
    if (active < o.concurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return {
    get calls() {
      return stats.calls;
    },
    get throttled() {
      return stats.throttled;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        await acquire();
        stats.calls++;
        try {
          return await fn();
        } catch (error) {
          if (!isThrottling(error) || attempt >= retries) throw error;
          stats.throttled++;
        } finally {
          release();
        }
        // Outside the pool while waiting: the slot goes to another call.
        await o.clock.sleep(base * 2 ** attempt * (0.5 + random()));
      }
    },
  };
}

/**
 * The client with its `send` going through the pool. The original stays untouched (it may be
 * shared); the wrapper inherits everything else from it.
 */
export function pooled<C extends { send: (...args: never[]) => Promise<unknown> }>(
  client: C,
  pool: CallPool,
): C {
  const wrapper = Object.create(client) as C;
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  Object.defineProperty(wrapper, 'send', {
    value: (...args: unknown[]) => pool.run(() => send(...args)),
  });
  return wrapper;
}

/** Every client of a set (StatusClients, ...) through the pool. */
export function pooledClients<T extends object>(clients: T, pool: CallPool): T {
  return Object.fromEntries(
    Object.entries(clients).map(([k, c]) => [k, pooled(c as { send: () => Promise<unknown> }, pool)]),
  ) as T;
}
