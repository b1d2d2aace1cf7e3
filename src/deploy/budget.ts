// A cap on AWS calls per minute (a rolling window) for everything deploy asks while it waits,
// kept so the calls that decide (DescribeEnvironments, UpdateEnvironment, S3 records...) are
// never starved by the ones that only explain (events, health causes, alarms, logs): the
// polling loops ask `spare` before a detail and skip it rather than wait; `spare` leaves room
// for the decisions to come (the environment is polled every 5 s, and the calls that age out
// of the window make room for about as many) and for the causes of a failure, read right
// after it is seen. A call that does not fit waits for the oldest one to leave the window.
import type { Clock } from '../clock.js';

export const CALLS_PER_MINUTE = 30;
/** Room `spare` keeps for decisions beyond the ones that replace calls leaving the window. */
export const DECISION_RESERVE = 3;
// A second of slack: a call is counted when it is let through, a moment before it is sent.
const WINDOW_MS = 61_000;

export type CallKind = 'decision' | 'detail';

/** Calls that only explain what happens: they yield to the ones that decide. */
const DETAIL_CALLS = new Set([
  'DescribeEvents',
  'DescribeEnvironmentHealth',
  'DescribeInstancesHealth',
  'DescribeAlarms',
  'FilterLogEvents',
  'RequestEnvironmentInfo',
  'RetrieveEnvironmentInfo',
]);

export function callKind(commandName: string): CallKind {
  return DETAIL_CALLS.has(commandName.replace(/Command$/, '')) ? 'detail' : 'decision';
}

export class CallBudget {
  private readonly calls: number[] = [];
  private readonly clock: Clock;
  private readonly perMinute: number;
  private readonly reserve: number;

  /** Told every second a call waits for room (the progress line says so: never silent). */
  onWait: ((waitedMs: number) => void) | undefined;

  constructor(clock: Clock, perMinute = CALLS_PER_MINUTE, reserve = DECISION_RESERVE) {
    this.clock = clock;
    this.perMinute = perMinute;
    this.reserve = reserve;
  }

  private used(now: number): number {
    while (this.calls.length > 0 && now - (this.calls[0] ?? 0) >= WINDOW_MS) this.calls.shift();
    return this.calls.length;
  }

  /** Whether `n` detail calls fit now, leaving `keep` calls (and the decisions' reserve) free. */
  spare(n = 1, keep = 0): boolean {
    return this.used(this.clock.now()) + n + keep + this.reserve <= this.perMinute;
  }

  /** Resolves when one more call fits in the last minute (the kind only matters to `spare`). */
  async take(_kind: CallKind = 'decision'): Promise<void> {
    const start = this.clock.now();
    for (;;) {
      const now = this.clock.now();
      if (this.used(now) < this.perMinute) {
        this.calls.push(now);
        return;
      }
      this.onWait?.(now - start);
      await this.clock.sleep(Math.min(1000, Math.max(1, (this.calls[0] ?? now) + WINDOW_MS - now)));
    }
  }
}

interface Sends {
  send: (...args: never[]) => Promise<unknown>;
}

/** The same client, its `send` waiting for the budget first (the command's name says its kind). */
export function budgeted<C extends Sends>(client: C, budget: CallBudget): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<C['send']>) => {
        const command = args[0] as { constructor?: { name?: string } } | undefined;
        await budget.take(callKind(command?.constructor?.name ?? ''));
        return target.send(...args);
      };
    },
  });
}
