// Graceful shutdown for both processes: SIGTERM (docker stop, Elastic Beanstalk) or SIGINT (Ctrl-C)
// runs the steps once, in order; a second signal or the deadline forces the exit.
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  log: Logger;
  timeoutMs: number;
  /** What to do when the steps finish (tests replace process.exit). */
  exit?: (code: number) => void;
}

export function onShutdown(steps: () => Promise<void>, options: ShutdownOptions) {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const run = (signal: string) => {
    if (started) {
      options.log.warn({ signal }, 'second signal: exiting now');
      return exit(1);
    }
    started = true;
    options.log.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      options.log.error('shutdown took too long: exiting');
      exit(1);
    }, options.timeoutMs);
    deadline.unref();
    steps()
      .then(() => {
        options.log.info('shutdown complete');
        exit(0);
      })
      .catch((error: Error) => {
        options.log.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  process.on('SIGTERM', () => run('SIGTERM'));
  process.on('SIGINT', () => run('SIGINT'));
}
