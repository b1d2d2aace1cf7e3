import { createHash } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';

import { mapLimit } from '../concurrency.js';
import type { VirtualFile } from './dotfiles.js';
import { makeExcluder, walk } from './files.js';
import { ALWAYS_EXCLUDE } from './manifest.js';

/**
 * sha256 over every file of the template (paths, executable bits, contents), minus the junk that is
 * never part of it (ALWAYS_EXCLUDE). It includes the manifest and every variant, so any change to
 * what `lsvc init` could produce changes the hash. Recorded in .lsvc/template.json.
 */
export async function hashTemplate(templateDir: string, virtualFiles: VirtualFile[] = []): Promise<string> {
  const entries = (await walk(templateDir, makeExcluder(ALWAYS_EXCLUDE))).filter((e) => e.type !== 'dir');
  const contents = await mapLimit(entries, 32, async (e) =>
    e.type === 'symlink' ? Buffer.from(await readlink(e.abs)) : readFile(e.abs),
  );
  const lines = new Map<string, string>();
  entries.forEach((e, i) => lines.set(e.rel, line(e.rel, e.mode, contents[i] ?? Buffer.alloc(0))));
  for (const v of virtualFiles) {
    if (!lines.has(v.rel)) lines.set(v.rel, line(v.rel, v.mode, Buffer.from(v.content)));
  }
  const hash = createHash('sha256');
  // Default sort: UTF-16 code-unit order, the same on every machine and locale.
  for (const rel of [...lines.keys()].sort()) hash.update(lines.get(rel) ?? '');
  return `sha256:${hash.digest('hex')}`;
}

function line(rel: string, mode: number, content: Buffer): string {
  const exec = mode & 0o111 ? 'x' : '-';
  return `${rel}\0${exec}\0${createHash('sha256').update(content).digest('hex')}\n`;
}
