// Ctrl-C for long-running commands: one place that turns the signal into an AbortSignal.
import { InterruptedError } from './errors.js';

/**
 * Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so that the work can stop
 * cleanly (close its requests, stop waiting); an error it then throws becomes an exit 130.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => {
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } catch (error) {
    if (abort.signal.aborted && !(error instanceof InterruptedError))
      throw new InterruptedError('Interrupted.', { cause: error });
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Runs `work` with a signal that Ctrl-C, SIGTERM or SIGHUP aborts when stopping is the normal end
 * (a `--watch` loop): no error, the work returns what it has.
 */
export async function untilStopped<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => {
    abort.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const name of signals) process.on(name, onSignal);
  try {
    return await work(abort.signal);
  } finally {
    for (const name of signals) process.off(name, onSignal);
  }
}

// What must happen even when the process exits without unwinding (a second Ctrl-C calls
// process.exit): the deploy lock is removed, so the next run is not refused.
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
