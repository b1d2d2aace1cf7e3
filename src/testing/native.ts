// `lsvc test --native`: the service's own `npm test` on this machine, against the servers that
// DATABASE_URL and REDIS_URL name (CI runners without Docker give it service containers).
// The terminal is handed to npm as is: jest keeps its colours and its watch mode.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';

import { ConfigError, InterruptedError, LsvcError } from '../errors.js';

export interface NativeOptions {
  dir: string;
  jestArgs: string[];
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: npm gets SIGINT, and the run ends with InterruptedError once it exits. */
  signal: AbortSignal;
  /** Called once the checks passed, right before npm starts. */
  onStart?: () => void;
  /** The program to run (tests replace npm). */
  npm?: string;
}

export function nativeCommand(jestArgs: string[]): string[] {
  return ['test', ...(jestArgs.length ? ['--', ...jestArgs] : [])];
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`, for printing. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Lines that say which servers the tests will use. */
export function describeServers(env: NodeJS.ProcessEnv): string[] {
  return ['DATABASE_URL', 'REDIS_URL'].map((name) => {
    const value = env[name];
    return value ? `${name}=${maskUrl(value)}` : `${name} is not set: the tests' own default applies`;
  });
}

/** npm test needs the service's dependencies (exit 3 without node_modules). */
export async function assertInstalled(dir: string): Promise<void> {
  const hasModules = await stat(join(dir, 'node_modules')).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!hasModules) {
    throw new ConfigError(`The service's dependencies are not installed (no node_modules in ${dir}).`, {
      hint: 'Run "npm install" (or "npm ci") there first, or run the tests in Docker: "lsvc test".',
    });
  }
}

export async function runTestsNatively(opts: NativeOptions): Promise<number> {
  await assertInstalled(opts.dir);
  opts.signal.throwIfAborted();
  opts.onStart?.();
  const program = opts.npm ?? 'npm';
  const child = spawn(program, nativeCommand(opts.jestArgs), {
    cwd: opts.dir,
    env: { ...opts.env, NODE_ENV: 'test' },
    stdio: 'inherit',
    // npm is npm.cmd on Windows, which only runs through a shell.
    shell: process.platform === 'win32',
  });
  // A Ctrl-C in a terminal reaches npm by itself (same process group); a signal sent to lsvc alone
  // is passed on.
  const forward = () => {
    child.kill('SIGINT');
  };
  opts.signal.addEventListener('abort', forward, { once: true });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => {
        // Killed by a signal: the shell's convention, 128 + its number.
        resolve(exitCode ?? 128 + (signal ? constants.signals[signal] : 0));
      });
    }).catch((error: unknown) => {
      throw new LsvcError(`Could not start ${program}: ${(error as Error).message}.`, {
        hint: 'Check that Node.js and npm are installed and on PATH ("lsvc doctor").',
        cause: error,
      });
    });
    if (opts.signal.aborted) throw new InterruptedError('Interrupted: npm test was stopped.');
    return code;
  } finally {
    opts.signal.removeEventListener('abort', forward);
  }
}
