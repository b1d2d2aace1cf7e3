import { InterruptedError, LsvcError } from '../errors.js';
import { runProcess, tail } from '../exec.js';

export interface InstallOptions {
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function npmInstall(dir: string, opts: InstallOptions = {}): Promise<void> {
  const r = await runProcess('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd: dir,
    env: opts.env,
    signal: opts.signal,
    onLine: opts.onLine,
  });
  if (r.code === 0) return;
  if (opts.signal?.aborted) throw new InterruptedError('npm install interrupted.');
  if (r.spawnError) {
    throw new LsvcError(`Could not run npm: ${r.spawnError.message}.`, {
      hint: 'Install Node.js with npm, or run again with --no-install.',
    });
  }
  throw new LsvcError(`npm install failed${r.code === null ? '' : ` (exit ${r.code})`}.`, {
    details: tail(r.stderr || r.stdout, 15),
    hint: 'Fix the problem above and run lsvc init again, or use --no-install and run npm install later.',
  });
}
