// Build once before the suites when dist/ is missing or older than the sources, so the end-to-end
// tests always run the binary that `npm run build` would produce.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export default function globalSetup(): void {
  const built = Math.min(
    newest(join(root, 'oclif.manifest.json')),
    newest(join(root, 'dist', 'template-dotfiles.json')),
  );
  const sources = Math.max(
    newest(join(root, 'commands')),
    newest(join(root, 'src')),
    newest(join(root, 'package.json')),
    newest(join(root, 'tsconfig.json')),
    newest(join(root, 'tsconfig.build.json')),
  );
  if (built >= sources) return;
  process.stderr.write('\njest global setup: dist/ is stale, running npm run build\n');
  try {
    // Not NODE_ENV=test (jest's): with it, `oclif manifest` points commands at the .ts sources.
    const env = { ...process.env };
    delete env.NODE_ENV;
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe', env });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(`${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
    throw error;
  }
}
