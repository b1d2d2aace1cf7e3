// Every wait (deploy, status --watch, logs -f, env set, destroy) goes through a Clock, so tests and
// the benchmarks run minutes of polling in milliseconds while the CLI uses the real one.

export interface Clock {
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) {
        resolve();
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Sleeps return at once and move the clock forward. With `realTime`, real elapsed time is added
 * too (the benchmark: simulated API latency is real, the polling waits are not).
 */
export class VirtualClock implements Clock {
  /** Total time "slept": the waits a real run would have spent. */
  sleptMs = 0;
  private readonly realStart = performance.now();
  private readonly start: number;
  private readonly realTime: boolean;

  constructor(start = Date.parse('2026-11-28T10:00:00Z'), realTime = false) {
    this.start = start;
    this.realTime = realTime;
  }

  now(): number {
    return this.start + this.sleptMs + (this.realTime ? performance.now() - this.realStart : 0);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.sleptMs += Math.max(0, ms);
    // Let other callbacks (a Ctrl-C, a mock's side effect) run, as a real wait would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A clock whose sleep advances its own time instantly: for tests and dry runs. */
export function fakeClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)): Clock & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}
