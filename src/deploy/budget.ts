// A cap on AWS calls per minute for everything deploy asks while it waits, split in two so the
// calls that decide (DescribeEnvironments, UpdateEnvironment, S3 records...) are never starved
// by the ones that only explain (events, health causes, alarms, logs): details get a share of
// the minute, and the polling loops ask `spare` before making one, skipping it rather than
// waiting. A decision waits only when the whole minute is used, which the shares keep rare.
import type { Clock } from '../clock.js';

export const CALLS_PER_MINUTE = 30;
/** What decisions may need in a minute: the environment every 5 s, plus updates and records. */
export const DECISION_SHARE = 14;
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
  private readonly calls: { at: number; kind: CallKind }[] = [];
  private readonly clock: Clock;
  private readonly perMinute: number;
  private readonly detailMax: number;

  constructor(clock: Clock, perMinute = CALLS_PER_MINUTE, decisionShare = DECISION_SHARE) {
    this.clock = clock;
    this.perMinute = perMinute;
    this.detailMax = Math.max(1, perMinute - decisionShare);
  }

  private used(now: number): { all: number; detail: number } {
    while (this.calls.length > 0 && now - (this.calls[0]?.at ?? 0) >= WINDOW_MS) this.calls.shift();
    return { all: this.calls.length, detail: this.calls.filter((c) => c.kind === 'detail').length };
  }

  private fits(kind: CallKind, n: number, keep: number, now: number): boolean {
    const used = this.used(now);
    if (used.all + n > this.perMinute) return false;
    return kind === 'decision' || used.detail + n + keep <= this.detailMax;
  }

  /**
   * Whether `n` detail calls fit now, leaving `keep` of the details' share for what comes next
   * (the causes of a failure are read right after it is seen).
   */
  spare(n = 1, keep = 0): boolean {
    return this.fits('detail', n, keep, this.clock.now());
  }

  /** Resolves when one more call of this kind fits in the last minute's budget. */
  async take(kind: CallKind = 'decision'): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (this.fits(kind, 1, 0, now)) {
        this.calls.push({ at: now, kind });
        return;
      }
      // The oldest call of the kind that blocks leaves the window first.
      const blocking =
        kind === 'detail' && this.used(now).all < this.perMinute
          ? this.calls.find((c) => c.kind === 'detail')
          : this.calls[0];
      await this.clock.sleep(Math.max(1, (blocking?.at ?? now) + WINDOW_MS - now));
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
