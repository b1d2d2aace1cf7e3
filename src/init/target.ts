import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { UsageError } from '../errors.js';

/** The folder init writes into, and what init itself created (so a rollback removes only that). */
export interface Target {
  dir: string;
  /** The top-most folder init created (the target or one of its parents); undefined if it existed. */
  createdRoot: string | undefined;
}

const PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Make sure `dir` is an empty folder we can write to, creating it (and missing parents) if needed.
 * Refuses (exit 2) an existing non-empty folder, a file, or a place we cannot write, before
 * anything is written.
 */
export async function prepareTarget(dir: string): Promise<Target> {
  const info = await stat(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(dir, error);
  });
  if (info) {
    if (!info.isDirectory()) {
      throw new UsageError(`${dir} already exists and is a file.`, { hint: 'Choose another name or --dir.' });
    }
    const entries = await readdir(dir).catch((error: unknown) => {
      throw unusable(dir, error);
    });
    if (entries.length > 0) {
      throw new UsageError(`${dir} already exists and is not empty (${entries.length} entries).`, {
        hint: 'Choose another name or --dir: lsvc init never writes into a folder that has files.',
      });
    }
    await access(dir, constants.W_OK).catch((error: unknown) => {
      throw unusable(dir, error);
    });
    return { dir, createdRoot: undefined };
  }
  return { dir, createdRoot: await makeDirs(dir) };
}

/**
 * mkdir -p that reports the first folder it created. Done level by level: fs.mkdir's own
 * recursive mode can spin forever on some paths (e.g. under /proc).
 */
async function makeDirs(dir: string): Promise<string> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    const exists = await stat(current).then(
      (s) => {
        if (!s.isDirectory())
          throw new UsageError(`Cannot create ${dir}: ${current} is a file.`, {
            hint: 'Choose another --dir.',
          });
        return true;
      },
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw unusable(dir, error);
      },
    );
    if (exists) break;
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of missing) {
    await mkdir(d).catch((error: unknown) => {
      throw unusable(dir, error);
    });
  }
  return missing[0] ?? dir;
}

function unusable(dir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (PERMISSION.has(code)) {
    return new UsageError(`Cannot write to ${dir}: permission denied (${code}).`, {
      hint: 'Choose a folder you can write to with --dir, or fix its permissions.',
    });
  }
  if (code === 'ENOTDIR') {
    return new UsageError(`Cannot create ${dir}: part of that path is a file.`, {
      hint: 'Choose another --dir.',
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Undo init: remove the folders it created, or empty the folder that was empty before. */
export async function rollbackTarget(target: Target): Promise<void> {
  if (target.createdRoot) {
    await rm(target.createdRoot, { recursive: true, force: true, maxRetries: 3 });
    return;
  }
  const entries = await readdir(target.dir).catch(() => []);
  await Promise.all(
    entries.map((e) => rm(join(target.dir, e), { recursive: true, force: true, maxRetries: 3 })),
  );
}
