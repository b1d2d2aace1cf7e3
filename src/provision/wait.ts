// Waiting for AWS to finish something that takes minutes, with progress and a deadline.
import { InterruptedError, LsvcError, TimeoutError } from '../errors.js';
import type { StepContext } from '../progress.js';
import type { Timing } from './types.js';

export interface PollOptions<T> {
  /** What is being waited for, for messages: "RDS instance shop-staging to be available". */
  what: string;
  timing: Timing;
  timeoutMs: number;
  step?: StepContext;
  /** One read-only look; the result is passed to done/failed/describe. */
  check: () => Promise<T>;
  done: (state: T) => boolean;
  /** A message when the state can never become done (e.g. "failed"). */
  failed?: (state: T) => string | undefined;
  /** One short line for the progress output: "status: creating". */
  describe: (state: T) => string;
  /** How to keep watching after a timeout (the change goes on in AWS). */
  hint: string;
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export async function pollUntil<T>(opts: PollOptions<T>): Promise<T> {
  const { timing } = opts;
  const started = timing.now();
  const interrupted = () =>
    new InterruptedError(`Stopped waiting for ${opts.what}.`, {
      hint: 'AWS goes on with it; run "lsvc provision" again to pick up where it stopped.',
    });
  for (;;) {
    if (opts.step?.signal.aborted) throw interrupted();
    const state = await opts.check();
    const elapsed = timing.now() - started;
    opts.step?.output(`${opts.describe(state)} (${formatElapsed(elapsed)})`);
    if (opts.done(state)) return state;
    const failure = opts.failed?.(state);
    if (failure) throw new LsvcError(failure, { hint: opts.hint });
    if (elapsed >= opts.timeoutMs) {
      throw new TimeoutError(
        `Timed out after ${formatElapsed(elapsed)} waiting for ${opts.what} (${opts.describe(state)}).`,
        { hint: `${opts.hint} AWS keeps working on it; run "lsvc provision" again to continue.` },
      );
    }
    try {
      await timing.sleep(opts.timing.pollMs, opts.step?.signal);
    } catch (error) {
      throw error instanceof InterruptedError ? interrupted() : error;
    }
  }
}

export const realTiming = (): Timing => ({
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new InterruptedError());
        return;
      }
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new InterruptedError());
        },
        { once: true },
      );
    }),
  now: () => Date.now(),
  pollMs: 15_000,
  timeoutMs: { database: 45 * 60_000, redis: 45 * 60_000, environment: 30 * 60_000, iam: 60_000 },
});
