import { resolve } from 'node:path';

import { LsvcError } from '../errors.js';
import { runProcess, type RunResult, tail } from '../exec.js';
import { identityOverrides } from '../init/git.js';

export interface GitRunOptions {
  /** Exit codes that are answers, not failures (e.g. 1 for a merge with conflicts). */
  ok?: number[];
  env?: NodeJS.ProcessEnv;
}

/** A file in a git tree or index: mode (100644, 100755, 120000 for a symlink) and object id. */
export interface TreeEntry {
  mode: string;
  sha: string;
}

/** Changes to a tree before it is written: entries put in (or replaced), paths taken out. */
export interface TreeAdjustments {
  put: Map<string, TreeEntry>;
  remove: string[];
}

/** The git repository of a service, driven through the git CLI (git is the merge engine). */
export class Repo {
  private identity: string[] | undefined;
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(dir: string, env?: NodeJS.ProcessEnv, signal?: AbortSignal) {
    this.dir = dir;
    this.env = env;
    this.signal = signal;
  }

  async run(args: string[], opts: GitRunOptions = {}): Promise<RunResult> {
    const r = await runProcess('git', args, {
      cwd: this.dir,
      env: { ...(this.env ?? process.env), ...opts.env },
      timeoutMs: 120_000,
      signal: this.signal,
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
   * the index or any branch: the index file `indexFile` (a scratch path), then write-tree and
   * commit-tree. Only objects are added to the object store (unreferenced ones are pruned by git gc).
   * `adjust` sees what was staged and may put entries in or take paths out before the tree is written.
   */
  async commitFolder(
    folder: string,
    parent: string | undefined,
    message: string,
    o: {
      indexFile: string;
      adjust?: (staged: Map<string, TreeEntry>) => Promise<TreeAdjustments> | TreeAdjustments;
    },
  ): Promise<string> {
    const gitDir = await this.out(['rev-parse', '--absolute-git-dir']);
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: folder, GIT_INDEX_FILE: o.indexFile };
    // Like init's first commit: what the render's own .gitignore ignores is not committed.
    await this.run(['add', '--all', '--', '.'], { env });
    if (o.adjust) {
      const staged = parseEntries((await this.run(['ls-files', '--stage', '-z'], { env })).stdout, 'index');
      const { put, remove } = await o.adjust(staged);
      if (remove.length > 0) await this.run(['update-index', '--force-remove', '--', ...remove], { env });
      const infos = [...put].flatMap(([path, e]) => ['--cacheinfo', `${e.mode},${e.sha},${path}`]);
      if (infos.length > 0) await this.run(['update-index', '--add', ...infos], { env });
    }
    const tree = await this.out(['write-tree'], { env });
    return this.commitTree(tree, parent ? [parent] : [], message);
  }

  /** Every file of a commit's tree, by path. */
  async tree(commit: string): Promise<Map<string, TreeEntry>> {
    return parseEntries((await this.run(['ls-tree', '-r', '-z', '--full-tree', commit])).stdout, 'tree');
  }

  /** A file's content at a commit, or undefined when the commit has no such file. */
  async show(commit: string, path: string): Promise<string | undefined> {
    const r = await this.run(['show', `${commit}:${path}`], { ok: [128] });
    return r.code === 0 ? r.stdout : undefined;
  }

  async commitTree(tree: string, parents: string[], message: string): Promise<string> {
    const args = [...(await this.identityArgs()), '-c', 'commit.gpgsign=false', 'commit-tree', tree];
    for (const p of parents) args.push('-p', p);
    return this.out([...args, '-m', message]);
  }
}

/** `git ls-tree -r -z` ("mode type sha\tpath") or `git ls-files --stage -z` ("mode sha stage\tpath"). */
function parseEntries(z: string, kind: 'tree' | 'index'): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  for (const record of z.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const fields = record.slice(0, tab).split(' ');
    const sha = kind === 'tree' ? fields[2] : fields[1];
    if (fields[0] && sha) out.set(record.slice(tab + 1), { mode: fields[0], sha });
  }
  return out;
}
