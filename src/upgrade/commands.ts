// The `run` commands of a template's `upgrades`: shell commands written by whoever controls the
// template, so they run only when the template is trusted (lsvc's own, --trust, or a yes at a
// terminal that showed them).
import { spawn } from 'node:child_process';

import { InterruptedError } from '../errors.js';

/** What the command layer is asked before commands run (it may prompt; the core never does). */
export interface CommandRequest {
  /** The template they come from: "builtin" or its folder. */
  source: string;
  commands: string[];
  /** lsvc's built-in template, or --trust: no trust needs granting, only a go-ahead. */
  trusted: boolean;
}

export type NotRunReason = 'dry-run' | 'conflicts' | 'untrusted' | 'declined';

export interface CommandsOutcome {
  /** Every command of the versions crossed, in order. */
  all: string[];
  trusted: boolean;
  ran: string[];
  /** Why the commands not in `ran` did not run (undefined when all ran, or there were none). */
  notRun?: NotRunReason;
  /** The command that failed (the ones after it did not run). */
  failed?: { command: string; exitCode: number | null; timedOut: boolean };
}

export interface CommandPolicy {
  /** --trust: commands of a template that is not lsvc's own may run. */
  trust: boolean;
  /**
   * Asked when the commands could run, with the exact commands; resolves to run them or not. Without
   * it, trusted commands run and untrusted ones are listed (CI, --yes, a fleet run).
   */
  confirm?: (request: CommandRequest) => Promise<boolean>;
  /** Called as each command starts, and with each line it prints (stdout and stderr). */
  onStart?: (command: string) => void;
  onLine?: (line: string, command: string) => void;
  /** Whole-command deadline (default 30 minutes). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const SILENCE_MS = 10_000;

/** Decide, then run the commands one by one in `cwd` (the service folder) until one fails. */
export async function runUpgradeCommands(
  commands: string[],
  source: string,
  cwd: string,
  o: CommandPolicy,
): Promise<CommandsOutcome> {
  const trusted = source === 'builtin' || o.trust;
  const outcome: CommandsOutcome = { all: commands, trusted, ran: [] };
  if (commands.length === 0) return outcome;
  const go = o.confirm ? await o.confirm({ source, commands, trusted }) : trusted;
  if (!go) return { ...outcome, notRun: trusted ? 'declined' : 'untrusted' };
  for (const command of commands) {
    o.onStart?.(command);
    const r = await runShell(command, cwd, o);
    if (o.signal?.aborted) {
      const rest = commands.slice(commands.indexOf(command));
      throw new InterruptedError(`Interrupted: "${command}" was stopped; the merge is committed.`, {
        details: rest.map((c) => `not run: ${c}`),
        hint: 'Run the remaining upgrade commands by hand in the service folder.',
      });
    }
    if (r.code !== 0) return { ...outcome, failed: { command, exitCode: r.code, timedOut: r.timedOut } };
    outcome.ran = [...outcome.ran, command];
  }
  return outcome;
}

/**
 * One command through the shell, stdin closed, in a process group of its own so that a deadline or
 * Ctrl-C stops it and whatever it started (npm and its children); a line every 10 s of silence.
 */
function runShell(
  command: string,
  cwd: string,
  o: CommandPolicy,
): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const posix = process.platform !== 'win32';
    const child = spawn(command, {
      cwd,
      env: o.env ?? process.env,
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: posix,
    });
    let timedOut = false;
    const stop = () => {
      try {
        if (posix && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
    };
    const started = Date.now();
    let last = started;
    const forward = (chunk: Buffer) => {
      last = Date.now();
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim()) o.onLine?.(line, command);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const beat = setInterval(() => {
      if (Date.now() - last < SILENCE_MS) return;
      last = Date.now();
      o.onLine?.(`… still running (${Math.round((last - started) / 1000)} s)`, command);
    }, 1000);
    const deadline = setTimeout(
      () => {
        timedOut = true;
        stop();
      },
      o.timeoutMs ?? 30 * 60_000,
    );
    o.signal?.addEventListener('abort', stop, { once: true });
    const done = (code: number | null) => {
      clearInterval(beat);
      clearTimeout(deadline);
      o.signal?.removeEventListener('abort', stop);
      resolve({ code, timedOut });
    };
    child.on('error', () => {
      done(null);
    });
    let exitCode: number | null = null;
    child.on('exit', (code) => {
      exitCode = code;
      // Its group goes with it: a leftover child would hold the pipes open.
      stop();
    });
    child.on('close', () => {
      done(exitCode);
    });
  });
}
