import { access, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { makeExcluder, walk } from './files.js';
import { ALWAYS_EXCLUDE } from './manifest.js';

/**
 * `npm pack` drops every nested .gitignore (and .npmignore, .npmrc) from a package, so the
 * template shipped on npm would make services without a .gitignore. `npm run build` snapshots
 * those files into dist/ (see snapshot-dotfiles.ts); init puts back the ones that are missing.
 */
export const DOTFILES_SNAPSHOT = 'template-dotfiles.json';
const DROPPED_BY_NPM = new Set(['.gitignore', '.npmignore', '.npmrc']);

export interface VirtualFile {
  rel: string;
  content: string;
  mode: number;
}

export async function collectDotfiles(templateDir: string): Promise<VirtualFile[]> {
  const entries = await walk(templateDir, makeExcluder(ALWAYS_EXCLUDE));
  const files: VirtualFile[] = [];
  for (const e of entries) {
    if (e.type === 'file' && DROPPED_BY_NPM.has(basename(e.rel))) {
      files.push({ rel: e.rel, content: await readFile(e.abs, 'utf8'), mode: e.mode });
    }
  }
  return files;
}

export async function writeDotfilesSnapshot(templateDir: string, file: string): Promise<number> {
  const files = await collectDotfiles(templateDir);
  await writeFile(file, `${JSON.stringify({ files }, null, 2)}\n`);
  return files.length;
}

/** The snapshot's files that the template folder lacks (none when running from a checkout). */
export async function missingDotfiles(templateDir: string, snapshotFile: string): Promise<VirtualFile[]> {
  let files: VirtualFile[];
  try {
    files = (JSON.parse(await readFile(snapshotFile, 'utf8')) as { files: VirtualFile[] }).files;
  } catch {
    return [];
  }
  const missing: VirtualFile[] = [];
  for (const f of files) {
    const exists = await access(join(templateDir, f.rel)).then(
      () => true,
      () => false,
    );
    if (!exists) missing.push(f);
  }
  return missing;
}
