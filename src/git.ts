// What git says about a service's HEAD: the commit an image is built from (build, push, and
// deploy's release notes). Read with the git CLI, never written.
import { runProcess, type RunOptions, type RunResult } from './exec.js';

export type Exec = (command: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

export interface GitCommit {
  repo: true;
  /** Full 40-hex sha of HEAD. */
  sha: string;
  /** Uncommitted changes (tracked or untracked, not ignored) under the folder asked about. */
  dirty: boolean;
  /** `git status --porcelain` lines of those changes (for messages). */
  changes: string[];
  /** "Name <email>" of HEAD's author. */
  author: string;
  /** Subject line of HEAD's commit message. */
  message: string;
  /** URL of the `origin` remote (else the first remote), credentials removed; undefined without one. */
  remoteUrl: string | undefined;
}

export interface NoCommit {
  repo: false;
  /** Why there is no commit to name: not a repository, no commits yet, git missing. */
  reason: string;
}

export type GitState = GitCommit | NoCommit;

/**
 * HEAD of the repository holding `dir`. Dirty means changes under `dir` only, so a service inside
 * a monorepo is not dirty because of a sibling. Never throws: without a commit it says why.
 */
export async function readGitState(dir: string, exec: Exec = runProcess): Promise<GitState> {
  const git = (...args: string[]) => exec('git', args, { cwd: dir, timeoutMs: 15_000 });
  const inside = await git('rev-parse', '--is-inside-work-tree');
  if (inside.spawnError) return { repo: false, reason: 'git is not installed' };
  if (inside.code !== 0 || inside.stdout.trim() !== 'true')
    return { repo: false, reason: 'not a git repository' };
  const head = await git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  const sha = head.stdout.trim();
  if (head.code !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) return { repo: false, reason: 'no commits yet' };

  const [status, log, remotes] = await Promise.all([
    git('status', '--porcelain=v1', '--untracked-files=normal', '--', '.'),
    git('log', '-1', '--format=%an <%ae>%x00%s', 'HEAD'),
    git('remote'),
  ]);
  const changes = status.code === 0 ? status.stdout.split('\n').filter((l) => l.trim() !== '') : [];
  const [author = '', message = ''] = log.stdout.replace(/\n$/, '').split('\0');
  const names = remotes.stdout.split('\n').filter(Boolean);
  const remote = names.includes('origin') ? 'origin' : names[0];
  let remoteUrl: string | undefined;
  if (remote) {
    const url = await git('remote', 'get-url', remote);
    if (url.code === 0 && url.stdout.trim()) remoteUrl = withoutCredentials(url.stdout.trim());
  }
  return {
    repo: true,
    sha,
    // A failed status (odd, but possible) counts as dirty: better a -dirty tag than a false claim.
    dirty: status.code !== 0 || changes.length > 0,
    changes,
    author,
    message,
    remoteUrl,
  };
}

/**
 * A remote URL fit for an image label: "https://user:token@host/x" loses "user:token@" (CI
 * checkouts often carry a token there, also as the user name). SSH keeps its user ("git@"), as
 * does scp-like "git@host:org/x.git"; a password is dropped everywhere.
 */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    const web = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    if (!parsed.password && !(web && parsed.username)) return url;
    if (web) parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
