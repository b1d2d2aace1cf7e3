import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this many ms (result.timedOut is then true). */
  timeoutMs?: number;
  /** Kill the child when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Called with each complete line of stdout and stderr as it arrives. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  /** Exit code; null when the child was killed or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ENOENT and friends: the program is not installed. */
  spawnError?: NodeJS.ErrnoException;
}

/** Run a program (no shell) and collect its output; never rejects. */
export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // npm is npm.cmd on Windows, which only runs through a shell.
      shell: process.platform === 'win32',
      signal: opts.signal,
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    const lines = (append: (chunk: string) => void) => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        append(text);
        if (!opts.onLine) return;
        const parts = (partial + text).split(/\r?\n/);
        partial = parts.pop() ?? '';
        for (const line of parts) if (line.trim()) opts.onLine(line);
      };
    };
    child.stdout.on(
      'data',
      lines((t) => (stdout += t)),
    );
    child.stderr.on(
      'data',
      lines((t) => (stderr += t)),
    );
    const finish = (result: Omit<RunResult, 'stdout' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, timedOut, ...result });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // An abort surfaces as an error too: wait for 'close' so the child is really gone.
      if (error.name !== 'AbortError') finish({ code: null, spawnError: error });
    });
    child.on('close', (code) => {
      finish({ code });
    });
  });
}

/** The last `n` non-empty lines of some output, for error details. */
export function tail(text: string, n = 15): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n);
}
