// A private copy of the built binary for the long Docker suites of build and push.
// `npm run build` starts by emptying dist/, and every jest run's global setup rebuilds when a
// source changed: a suite that runs the binary for minutes would otherwise meet a half-built
// dist/ whenever someone else builds. The copy is the same build (bin, dist, manifest,
// package.json) with node_modules and service-template linked, taken once it is complete.
import { cp, mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT, tempDir } from '../support/cli.js';

async function complete(root: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(root, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { relativePath?: string[] }>;
    };
    await stat(join(root, 'dist', 'template-dotfiles.json'));
    for (const cmd of Object.values(manifest.commands)) await stat(join(root, ...(cmd.relativePath ?? [])));
    return Object.keys(manifest.commands).length > 0;
  } catch {
    return false;
  }
}

/**
 * Copies the built lsvc to a temp folder; returns it and the `wrap` for runCli that runs the copy
 * (runCli always appends its own bin path: the wrapper drops it).
 */
export async function snapshotBinary(timeoutMs = 5 * 60_000): Promise<{ dir: string; wrap: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await complete(ROOT)) {
      const dir = await tempDir('lsvc-bin-');
      await mkdir(join(dir, 'bin'));
      await cp(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      await cp(join(ROOT, 'oclif.manifest.json'), join(dir, 'oclif.manifest.json'));
      await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
      await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      await symlink(join(ROOT, 'service-template'), join(dir, 'service-template'));
      // The copy may have caught a rebuild halfway: check it, not the original.
      if (await complete(dir)) {
        const bin = join(dir, 'bin', 'run.js');
        return { dir, wrap: ['/bin/sh', '-c', `shift; exec "$0" '${bin}' "$@"`] };
      }
    }
    if (Date.now() > deadline) throw new Error('dist/ did not become complete: run "npm run build"');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
