import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import ignore from 'ignore';

export interface Entry {
  /** Path relative to the walked root, with forward slashes. */
  rel: string;
  abs: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
}

export type Excluder = (rel: string, isDir: boolean) => boolean;

/** gitignore-style exclusion (the `ignore` package), as in the template manifest's `exclude`. */
export function makeExcluder(patterns: string[]): Excluder {
  const ig = ignore().add(patterns);
  return (rel, isDir) => ig.ignores(isDir ? `${rel}/` : rel);
}

/** Every file, symlink and folder under `root` that is not excluded, sorted; never enters excluded folders. */
export async function walk(root: string, excluded: Excluder): Promise<Entry[]> {
  const out: Entry[] = [];
  const visit = async (dirRel: string): Promise<void> => {
    const names = await readdir(join(root, dirRel));
    // Siblings and their subtrees in parallel (I/O bound); the sort below restores the order.
    await Promise.all(
      names.map(async (name) => {
        const rel = dirRel ? `${dirRel}/${name}` : name;
        const abs = join(root, rel);
        const info = await lstat(abs);
        const type = info.isSymbolicLink()
          ? 'symlink'
          : info.isDirectory()
            ? 'dir'
            : info.isFile()
              ? 'file'
              : undefined;
        if (!type || excluded(rel, type === 'dir')) return;
        out.push({ rel, abs, type, mode: info.mode & 0o777 });
        if (type === 'dir') await visit(rel);
      }),
    );
  };
  await visit('');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
