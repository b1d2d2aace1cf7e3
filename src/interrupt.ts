// Ctrl-C, SIGTERM (CI cancelling a job) and SIGHUP (the terminal going away) for long-running
// commands: one place that turns them into an AbortSignal. The first signal asks the work to stop
// cleanly (abort an update, close requests); a second one exits at once. The exit code says which
// signal it was: 130 SIGINT, 143 SIGTERM, 129 SIGHUP (src/errors.ts).
import { InterruptedError, type InterruptSignal, noteInterruptSignal, signalExitCode } from './errors.js';

export const INTERRUPT_SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface Interrupt {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  dispose: () => void;
}

/** Handle SIGINT, SIGTERM and SIGHUP until disposed: the first aborts `signal`, a second exits. */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const handler = (signal: InterruptSignal) => {
    // The second one: exit now, but run the cleanups first (the deploy lock, src/deploy/lock.ts).
    if (controller.signal.aborted) void exitAfterCleanup(signalExitCode(signal));
    noteInterruptSignal(signal);
    controller.abort();
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of INTERRUPT_SIGNALS) process.off(s, handler);
    },
  };
}

/**
 * Runs `work` with a signal that Ctrl-C, SIGTERM or SIGHUP aborts, so that the work can stop
 * cleanly (close its requests, stop waiting); an error it then throws becomes an interruption
 * (exit 130, 143 or 129).
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = onInterrupt();
  try {
    return await work(interrupt.signal);
  } catch (error) {
    if (interrupt.signal.aborted && !(error instanceof InterruptedError))
      throw new InterruptedError('Interrupted.', { cause: error });
    throw error;
  } finally {
    interrupt.dispose();
  }
}

/**
 * Runs `work` with a signal that Ctrl-C, SIGTERM or SIGHUP aborts when stopping is the normal end
 * (a `--watch` loop): no error, the work returns what it has.
 */
export async function untilStopped<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = onInterrupt();
  try {
    return await work(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

// What must happen even when the process exits without unwinding (a second signal): the deploy
// lock is removed, so the next run is not refused.
const forcedExitCleanups = new Set<() => Promise<unknown>>();

/** Register a cleanup for exitAfterCleanup; returns the function that unregisters it. */
export function onForcedExit(cleanup: () => Promise<unknown>): () => void {
  forcedExitCleanups.add(cleanup);
  return () => {
    forcedExitCleanups.delete(cleanup);
  };
}

/** Run the registered cleanups (at most `capMs` in all), then exit with `code`. */
export async function exitAfterCleanup(code: number, capMs = 3000): Promise<never> {
  const cleanups = [...forcedExitCleanups].map(async (c) => c());
  await Promise.race([
    Promise.allSettled(cleanups),
    new Promise((resolve) => setTimeout(resolve, capMs).unref()),
  ]);
  process.exit(code);
}
