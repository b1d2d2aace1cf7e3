import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { rcompare, valid } from 'semver';

import { runProcess } from '../exec.js';

/** A version of a template folder exported from its git repository. */
export interface GitExport {
  /** The exported template folder (inside the caller's scratch folder). */
  dir: string;
  /** The commit it was exported from. */
  commit: string;
}

/**
 * A template folder inside a git repository (a clone of a team's template, or lsvc's own repo)
 * can provide other versions from its history: a tag `v<version>` or `<version>`, or any ref (a
 * branch, a commit). The folder at that commit is exported with `git archive` into `scratch`; the
 * clone itself is not touched (no checkout, no fetch).
 */
export class TemplateRepo {
  private readonly templateDir: string;
  /** The template folder's path inside the repository ('' at its root). */
  private readonly prefix: string;
  private readonly signal: AbortSignal | undefined;

  private constructor(templateDir: string, prefix: string, signal: AbortSignal | undefined) {
    this.templateDir = templateDir;
    this.prefix = prefix;
    this.signal = signal;
  }

  /** The repository holding `templateDir`, or undefined when it is not in one. */
  static async of(templateDir: string, signal?: AbortSignal): Promise<TemplateRepo | undefined> {
    const top = await runProcess('git', ['rev-parse', '--show-toplevel'], {
      cwd: templateDir,
      timeoutMs: 30_000,
      signal,
    });
    if (top.code !== 0) return undefined;
    const prefix = relative(resolve(top.stdout.trim()), resolve(templateDir)).split('\\').join('/');
    return new TemplateRepo(templateDir, prefix, signal);
  }

  private git(args: string[]) {
    return runProcess('git', args, { cwd: this.templateDir, timeoutMs: 30_000, signal: this.signal });
  }

  /** The commit `ref` names, or undefined. A ref starting with "-" is never passed to git. */
  async commitOf(ref: string): Promise<string | undefined> {
    if (ref.startsWith('-') || ref.trim() === '') return undefined;
    const r = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The commit checked out in the clone (HEAD). */
  async head(): Promise<string | undefined> {
    return this.commitOf('HEAD');
  }

  /** Whether `older` is an ancestor of `newer` (and not the same commit). */
  async isStrictAncestor(older: string, newer: string): Promise<boolean> {
    if (older === newer) return false;
    const r = await this.git(['merge-base', '--is-ancestor', older, newer]);
    return r.code === 0;
  }

  /** The commits of the tags that may hold `version`: `v<version>` first, then `<version>`. */
  async tagCommits(version: string): Promise<{ tag: string; commit: string }[]> {
    const out: { tag: string; commit: string }[] = [];
    for (const tag of [`v${version}`, version]) {
      const commit = await this.commitOf(`refs/tags/${tag}`);
      if (commit) out.push({ tag, commit });
    }
    return out;
  }

  /** The newest semver version among the repository's tags (`v2.0.0` or `2.0.0`), if any. */
  async newestTaggedVersion(): Promise<string | undefined> {
    const r = await this.git(['tag', '--list']);
    if (r.code !== 0) return undefined;
    const versions = r.stdout
      .split('\n')
      .map((t) => valid(t.trim().replace(/^v/, '')))
      .filter((v): v is string => v !== null);
    return versions.sort(rcompare)[0];
  }

  /** Export the template folder as it is at `commit`; undefined when that commit has no such folder. */
  async export(commit: string, scratch: string): Promise<GitExport | undefined> {
    const treeish = this.prefix ? `${commit}^{tree}:${this.prefix}` : `${commit}^{tree}`;
    const found = await this.git(['rev-parse', '--verify', '--quiet', treeish]);
    if (found.code !== 0) return undefined;
    const dir = await mkdtemp(join(scratch, 'export-'));
    await archive(this.templateDir, found.stdout.trim(), dir, this.signal);
    return { dir, commit };
  }
}

async function archive(cwd: string, tree: string, out: string, signal?: AbortSignal): Promise<void> {
  const { extract } = await import('tar-fs');
  const child = spawn('git', ['archive', '--format=tar', tree], {
    cwd,
    stdio: ['ignore', 'pipe', 'ignore'],
    signal,
  });
  const exited = new Promise<number | null>((res) => child.on('close', res));
  child.on('error', () => undefined);
  await pipeline(child.stdout, extract(out));
  if ((await exited) !== 0) throw new Error('git archive failed');
}
