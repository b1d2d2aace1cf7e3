import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { runProcess } from '../exec.js';
import { readManifest } from '../template/manifest.js';

/**
 * A template folder inside a git repository (a clone of a team's template, or lsvc's own repo)
 * can provide its older and newer versions from tags: `v<version>` or `<version>`. The tagged
 * folder is exported with `git archive` into a temporary folder; the clone itself is not touched.
 * Returns that folder (remove it when done), or undefined when no tag holds that version.
 */
export async function exportTaggedVersion(templateDir: string, version: string): Promise<string | undefined> {
  const git = (...args: string[]) => runProcess('git', args, { cwd: templateDir, timeoutMs: 30_000 });
  const top = await git('rev-parse', '--show-toplevel');
  if (top.code !== 0) return undefined;
  const prefix = relative(resolve(top.stdout.trim()), resolve(templateDir)).split('\\').join('/');
  for (const tag of [`v${version}`, version]) {
    const treeish = `refs/tags/${tag}^{tree}`;
    const found = await git('rev-parse', '--verify', '--quiet', prefix ? `${treeish}:${prefix}` : treeish);
    if (found.code !== 0) continue;
    const out = await mkdtemp(join(tmpdir(), 'lsvc-template-'));
    try {
      await archive(templateDir, found.stdout.trim(), out);
      // A tag of the repository, not of the template (e.g. lsvc's own v1.0.0): not this version.
      if ((await readManifest(out)).version === version) return out;
    } catch {
      // An unreadable tag is no source; the caller says what to do instead.
    }
    await rm(out, { recursive: true, force: true });
  }
  return undefined;
}

async function archive(cwd: string, tree: string, out: string): Promise<void> {
  const { extract } = await import('tar-fs');
  const child = spawn('git', ['archive', '--format=tar', tree], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((res) => child.on('close', res));
  await pipeline(child.stdout, extract(out));
  if ((await exited) !== 0) throw new Error('git archive failed');
}
