// A hard cap on AWS calls per minute for everything deploy asks while it waits (the cadence in
// watch.ts stays below it; the cap catches bursts, e.g. a failure followed by a rollback).
import type { Clock } from '../clock.js';

export const CALLS_PER_MINUTE = 30;
// A second of slack: a call is counted when it is let through, a moment before it is sent.
const WINDOW_MS = 61_000;

export class CallBudget {
  private readonly times: number[] = [];
  private readonly clock: Clock;
  private readonly perMinute: number;

  constructor(clock: Clock, perMinute = CALLS_PER_MINUTE) {
    this.clock = clock;
    this.perMinute = perMinute;
  }

  /** Resolves when one more call fits in the last minute's budget. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.times.length > 0 && now - (this.times[0] ?? 0) >= WINDOW_MS) this.times.shift();
      if (this.times.length < this.perMinute) {
        this.times.push(now);
        return;
      }
      await this.clock.sleep((this.times[0] ?? now) + WINDOW_MS - now);
    }
  }
}

interface Sends {
  send: (...args: never[]) => Promise<unknown>;
}

/** The same client, its `send` waiting for the budget first. */
export function budgeted<C extends Sends>(client: C, budget: CallBudget): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<C['send']>) => {
        await budget.take();
        return target.send(...args);
      };
    },
  });
}
