// Files in a service's repository (lsvc.yml, .lsvc/, lsvc-fleet.yml) and in templates are input
// anyone with a pull request can change: read them as regular files inside their root, bounded.
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

import { ConfigError } from './errors.js';

/** The most lsvc reads of one config file (lsvc.yml, lsvc-template.json, .lsvc/template.json). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Whether `path` is `root` or below it (both absolute; no file system access). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;

export interface UntrustedReadOptions {
  /** The folder the file must stay in, also through symlinks. */
  root: string;
  maxBytes?: number;
  /** How the file is named in errors (default: its path). */
  label?: string;
  hint?: string;
}

/**
 * The text of `file`, refused (ConfigError, exit 3) when it is not a regular file, resolves outside
 * `root` through a symlink, or is larger than the limit. A missing file rejects with ENOENT as usual.
 */
export async function readUntrustedText(file: string, o: UntrustedReadOptions): Promise<string> {
  const label = o.label ?? file;
  const max = o.maxBytes ?? MAX_CONFIG_BYTES;
  const hint = o.hint ?? `Restore ${label} from git, or fix it by hand.`;
  // The file or a folder on the way to it may be a symlink: where it really is must be inside.
  const [target, top] = await Promise.all([realpath(file), realpath(o.root)]);
  if (!isInside(top, target)) {
    throw new ConfigError(`${label} is a symlink to ${target}, outside ${o.root}: lsvc does not follow it.`, {
      hint,
    });
  }
  const handle = await open(target, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConfigError(`${label} is not a regular file.`, { hint });
    // Read at most one byte past the limit: the size stat gives can be stale (a file still growing).
    const buffer = Buffer.allocUnsafe(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > max || info.size > max) {
      throw new ConfigError(
        `${label} is ${formatBytes(Math.max(info.size, length))}: the limit is ${formatBytes(max)}.`,
        { hint },
      );
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}
