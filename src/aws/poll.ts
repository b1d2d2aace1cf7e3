// Waiting for AWS to finish something that takes minutes (an RDS instance, an environment going
// away, an IAM change to show), the one way: poll with progress lines, stop on a failed state, a
// deadline (exit 7) or Ctrl-C (exit 130), and say how to go on: the change goes on in AWS.
import type { Clock } from '../clock.js';
import { InterruptedError, LsvcError, TimeoutError } from '../errors.js';
import { errorName } from './errors.js';

export interface Waiting {
  clock: Pick<Clock, 'now' | 'sleep'>;
  /** Between two looks. */
  pollMs: number;
  /** Ctrl-C: stop waiting. */
  signal?: AbortSignal | undefined;
}

export interface PollOptions<T> extends Waiting {
  /** What is waited for, for messages: "RDS instance shop-staging to be available". */
  what: string;
  timeoutMs: number;
  /** One read-only look; the result goes to done / failed / describe. */
  check: () => Promise<T>;
  done: (state: T) => boolean;
  /** A message when the state can never become done ("create-failed"). */
  failed?: (state: T) => string | undefined;
  /** One short line for the progress output: "status: creating". */
  describe: (state: T) => string;
  output?: ((line: string) => void) | undefined;
  /** How to go on after a timeout or Ctrl-C: 'run "lsvc provision" again to continue.' */
  rerun: string;
  /** How to look at it (after a failed state or a timeout). */
  hint?: string;
}

/** 4000 -> "4s", 65000 -> "1m05s". */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function stopped(what: string, rerun: string): InterruptedError {
  return new InterruptedError(`Stopped waiting for ${what}.`, { hint: `AWS goes on with it; ${rerun}` });
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const started = o.clock.now();
  for (;;) {
    if (o.signal?.aborted) throw stopped(o.what, o.rerun);
    const state = await o.check();
    const elapsed = o.clock.now() - started;
    o.output?.(`${o.describe(state)} (${formatElapsed(elapsed)})`);
    if (o.done(state)) return state;
    const failure = o.failed?.(state);
    if (failure) throw new LsvcError(failure, o.hint ? { hint: o.hint } : {});
    if (elapsed >= o.timeoutMs) {
      throw new TimeoutError(
        `Timed out after ${formatElapsed(elapsed)} waiting for ${o.what} (${o.describe(state)}).`,
        { hint: `${o.hint ? `${o.hint} ` : ''}AWS goes on with it; ${o.rerun}` },
      );
    }
    try {
      await o.clock.sleep(o.pollMs, o.signal);
    } catch (error) {
      if (error instanceof InterruptedError) throw stopped(o.what, o.rerun);
      throw error;
    }
  }
}

/** Retry `fn` while AWS answers one of `retryOn` (a resource still in use, a state not yet final). */
export async function retryWhile<T>(
  o: Waiting & {
    what: string;
    retryOn: readonly string[];
    timeoutMs: number;
    output?: ((line: string) => void) | undefined;
  },
  fn: () => Promise<T>,
): Promise<T> {
  const started = o.clock.now();
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      const elapsed = o.clock.now() - started;
      const name = errorName(error);
      if (!o.retryOn.includes(name) || elapsed >= o.timeoutMs || o.signal?.aborted) throw error;
      o.output?.(`${o.what}: ${name}, trying again (${formatElapsed(elapsed)})`);
      await o.clock.sleep(o.pollMs, o.signal);
    }
  }
}
