// One error hierarchy for the whole CLI. The exit codes are part of the public contract (README):
// 0 ok, 1 unexpected (or an AWS refusal, quoted), 2 usage, 3 configuration, 4 Docker/build/push,
// 5 AWS credentials, permissions or connectivity (network, timeouts, throttling past the retries),
// 6 unhealthy or rolled back, 7 timed out, 8 template commands not run (not trusted), 9 the
// environment is locked by another deploy, rollback or env set. Stopped by a signal: 128 + its
// number, the shell convention (130 Ctrl-C / SIGINT, 143 SIGTERM, 129 SIGHUP).
export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  Usage: 2,
  Config: 3,
  Docker: 4,
  Aws: 5,
  Unhealthy: 6,
  Timeout: 7,
  /** lsvc upgrade merged, but the template's commands were listed, not run: nothing trusts it. */
  Untrusted: 8,
  /** Another deploy, rollback or env set holds the environment's deploy lock. */
  Locked: 9,
  Interrupted: 130,
  Hangup: 129,
  Terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface LsvcErrorOptions {
  /** One line telling the user what to do about it. */
  hint?: string;
  /** Extra lines shown between the message and the hint (e.g. further config problems). */
  details?: string[];
  cause?: unknown;
}

export class LsvcError extends Error {
  readonly exitCode: number = ExitCode.Unexpected;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(message: string, options: LsvcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export class UsageError extends LsvcError {
  override readonly exitCode: number = ExitCode.Usage;
}
export class ConfigError extends LsvcError {
  override readonly exitCode: number = ExitCode.Config;
}
export class DockerError extends LsvcError {
  override readonly exitCode: number = ExitCode.Docker;
}
export class AwsError extends LsvcError {
  override readonly exitCode: number = ExitCode.Aws;
}
/** A service or URL that did not answer: connectivity, exit 5 like AWS's. */
export class NetworkError extends LsvcError {
  override readonly exitCode: number = ExitCode.Aws;
}
export class UnhealthyError extends LsvcError {
  override readonly exitCode: number = ExitCode.Unhealthy;
}
export class TimeoutError extends LsvcError {
  override readonly exitCode: number = ExitCode.Timeout;
}
export class LockedError extends LsvcError {
  override readonly exitCode: number = ExitCode.Locked;
}
export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const SIGNAL_EXIT: Record<InterruptSignal, number> = {
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
  SIGHUP: ExitCode.Hangup,
};

// The first signal that stopped this run (src/interrupt.ts notes it): one per process.
let stoppedBy: InterruptSignal | undefined;

export function noteInterruptSignal(signal: InterruptSignal): void {
  stoppedBy ??= signal;
}

/** The signal that interrupted this run, if one did. */
export function interruptSignal(): InterruptSignal | undefined {
  return stoppedBy;
}

/** 130 for Ctrl-C (and when no signal was seen), 143 for SIGTERM, 129 for SIGHUP. */
export function signalExitCode(signal: InterruptSignal | undefined = stoppedBy): number {
  return SIGNAL_EXIT[signal ?? 'SIGINT'];
}

export class InterruptedError extends LsvcError {
  // The exit code says which signal stopped the run (CI tells a cancel, SIGTERM, from Ctrl-C).
  override readonly exitCode: number;
  constructor(message = 'Interrupted.', options: LsvcErrorOptions = {}) {
    super(message, options);
    this.exitCode = signalExitCode();
  }
}

/** Shape of oclif's CLIError (parse errors, this.error()) without importing oclif here. */
interface OclifLikeError extends Error {
  oclif?: { exit?: number };
  suggestions?: string[];
}

/**
 * Turn anything thrown into an LsvcError so that printing and exit codes live in one place.
 * oclif's parse errors carry their exit code (2) in err.oclif.exit; anything unknown is a bug (1).
 */
export function toLsvcError(err: unknown): LsvcError {
  if (err instanceof LsvcError) return err;
  if (err instanceof Error) {
    const oclifExit = (err as OclifLikeError).oclif?.exit;
    if (typeof oclifExit === 'number') {
      const [first = err.message, ...rest] = err.message.split('\n').filter((l) => l.trim() !== '');
      const suggestions = (err as OclifLikeError).suggestions;
      const hint = suggestions?.length ? suggestions.join('; ') : undefined;
      const details = rest.filter((l) => !l.trim().startsWith('See more help with')).map((l) => l.trim());
      const wrapped =
        oclifExit === ExitCode.Usage
          ? new UsageError(first, { hint, details, cause: err })
          : new LsvcError(first, { hint, details, cause: err });
      // Keep whatever exit code oclif chose (e.g. a command's this.error(..., {exit: 4})).
      Object.defineProperty(wrapped, 'exitCode', { value: oclifExit });
      return wrapped;
    }
    return new LsvcError(`Unexpected error: ${err.message}`, {
      hint: 'This is a bug in lsvc: run again with --verbose for the stack trace and report it.',
      cause: err,
    });
  }
  return new LsvcError(`Unexpected error: ${String(err)}`, {
    hint: 'This is a bug in lsvc: run again with --verbose and report it.',
  });
}

/** The JSON form of an error, printed on stdout under --json. */
export function errorToJson(err: LsvcError, verbose = false): Record<string, unknown> {
  const stackSource = err.cause instanceof Error ? err.cause : err;
  return {
    error: {
      name: err.name,
      message: err.message,
      exitCode: err.exitCode,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.details.length ? { details: err.details } : {}),
      ...(verbose && stackSource.stack ? { stack: stackSource.stack } : {}),
    },
  };
}
