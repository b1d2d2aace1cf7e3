import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { LsvcError } from '../errors.js';
import { runProcess, type RunResult, tail } from '../exec.js';
import { identityOverrides } from '../init/git.js';

export interface GitRunOptions {
  /** Exit codes that are answers, not failures (e.g. 1 for a merge with conflicts). */
  ok?: number[];
  env?: NodeJS.ProcessEnv;
}

/** The git repository of a service, driven through the git CLI (git is the merge engine). */
export class Repo {
  private identity: string[] | undefined;
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(dir: string, env?: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.env = env;
  }

  async run(args: string[], opts: GitRunOptions = {}): Promise<RunResult> {
    const r = await runProcess('git', args, {
      cwd: this.dir,
      env: { ...(this.env ?? process.env), ...opts.env },
      timeoutMs: 120_000,
    });
    if (r.spawnError) {
      throw new LsvcError('git is not installed (or not on PATH).', {
        hint: 'Install git (https://git-scm.com).',
      });
    }
    if (r.code === 0 || (r.code !== null && opts.ok?.includes(r.code))) return r;
    throw new LsvcError(
      `git ${args.filter((a) => !a.includes('=')).join(' ')} failed (exit ${r.code ?? 'killed'}).`,
      {
        details: tail(r.stderr || r.stdout, 10),
        hint: 'Run it yourself in the service folder to see why, or see "lsvc doctor".',
      },
    );
  }

  async out(args: string[], opts: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.trim();
  }

  /** The commit a ref names, or undefined when there is none. */
  async resolve(ref: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { ok: [1] });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** Absolute top folder of the work tree, or undefined outside a repository. */
  async topLevel(): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--show-toplevel'], { ok: [128] });
    return r.code === 0 ? resolve(r.stdout.trim()) : undefined;
  }

  /** `git status --porcelain` lines (tracked changes and untracked files). */
  async changes(): Promise<string[]> {
    const s = await this.out(['status', '--porcelain=v1', '--untracked-files=normal']);
    return s.split('\n').filter((l) => l.trim() !== '');
  }

  /** -c overrides for a commit on a machine where git has no user configured. */
  async identityArgs(): Promise<string[]> {
    this.identity ??= await identityOverrides(this.dir, this.env);
    return this.identity;
  }

  /**
   * Commit the files of `folder` as they are, on top of `parent`, without touching the work tree,
   * the index or any branch: a temporary index, then write-tree and commit-tree. Only objects are
   * added to the object store (unreferenced ones are pruned by git gc).
   */
  async commitFolder(folder: string, parent: string | undefined, message: string): Promise<string> {
    const gitDir = await this.out(['rev-parse', '--absolute-git-dir']);
    const tmp = await mkdtemp(join(tmpdir(), 'lsvc-index-'));
    try {
      const env = { GIT_DIR: gitDir, GIT_WORK_TREE: folder, GIT_INDEX_FILE: join(tmp, 'index') };
      // Like init's first commit: what the render's own .gitignore ignores is not committed.
      await this.run(['add', '--all', '--', '.'], { env });
      const tree = await this.out(['write-tree'], { env });
      return await this.commitTree(tree, parent ? [parent] : [], message);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async commitTree(tree: string, parents: string[], message: string): Promise<string> {
    const args = [...(await this.identityArgs()), '-c', 'commit.gpgsign=false', 'commit-tree', tree];
    for (const p of parents) args.push('-p', p);
    return this.out([...args, '-m', message]);
  }
}
