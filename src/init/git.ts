import { InterruptedError, LsvcError } from '../errors.js';
import { runProcess, tail } from '../exec.js';

/** `git --version` output, or undefined when git is not installed. */
export async function gitVersion(env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await runProcess('git', ['--version'], { env, timeoutMs: 5000 });
  return r.code === 0 ? r.stdout.trim().replace(/^git version /, '') : undefined;
}

// Used only for the settings git has no value for, so a fresh machine can still commit.
const FALLBACK_IDENTITY = { 'user.name': 'lsvc', 'user.email': 'lsvc@localhost' };

/**
 * The branch holding the pristine template render (no user changes): main starts from its first
 * commit, and `lsvc upgrade` commits each newer render on it and merges it, so git knows the base.
 */
export const TEMPLATE_BRANCH = 'lsvc/template';

/** `-c user.name=… -c user.email=…` for the identity settings git has no value for in `dir`. */
export async function identityOverrides(dir: string, env?: NodeJS.ProcessEnv): Promise<string[]> {
  const overrides: string[] = [];
  for (const [key, value] of Object.entries(FALLBACK_IDENTITY)) {
    const r = await runProcess('git', ['config', '--get', key], { cwd: dir, env, timeoutMs: 5000 });
    if (r.code !== 0 || r.stdout.trim() === '') overrides.push('-c', `${key}=${value}`);
  }
  return overrides;
}

export interface CommitOptions {
  message: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** git init (branch main) + add everything + one commit, also the tip of TEMPLATE_BRANCH. */
export async function initialCommit(dir: string, opts: CommitOptions): Promise<void> {
  const git = async (args: string[]) => {
    const r = await runProcess('git', args, {
      cwd: dir,
      env: opts.env,
      signal: opts.signal,
      timeoutMs: 60_000,
    });
    if (opts.signal?.aborted) throw new InterruptedError('git interrupted.');
    if (r.code !== 0) {
      throw new LsvcError(
        `git ${args.filter((a) => !a.includes('=')).join(' ')} failed${r.code === null ? '' : ` (exit ${r.code})`}.`,
        {
          details: tail(r.stderr || r.stdout, 10),
          hint: 'Fix git (see "lsvc doctor"), or run again with --no-git.',
        },
      );
    }
    return r.stdout;
  };
  await git(['init', '--quiet', '--initial-branch=main']);
  const overrides = await identityOverrides(dir, opts.env);
  await git(['add', '--all']);
  // A machine-made first commit: the user's hooks and signing setup are not for it.
  await git([
    ...overrides,
    '-c',
    'commit.gpgsign=false',
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    opts.message,
  ]);
  // The first commit is the pristine render: the base of every later `lsvc upgrade`.
  await git(['branch', TEMPLATE_BRANCH]);
}
