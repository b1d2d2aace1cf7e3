#!/usr/bin/env node
// The installed entry point. Startup time matters (`lsvc --version`, `--help`), so:
// - the compile cache (Node >= 22.1) makes every start after the first one faster;
// - `--version` is answered without loading oclif (same text as oclif's: version, platform, Node);
// - only @oclif/core's `execute` entry is imported, and oclif reads oclif.manifest.json so that no
//   command file is loaded to route or to show help.
import module from 'node:module';

module.enableCompileCache?.();
// `lsvc ... | head`: the reader went away; stop quietly instead of failing on EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  const { readFileSync } = await import('node:fs');
  const { arch, platform } = await import('node:os');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const cpu = arch() === 'ia32' ? 'x86' : arch();
  process.stdout.write(`lsvc/${version} ${platform()}-${cpu} node-${process.version}\n`);
} else {
  const { fileURLToPath } = await import('node:url');
  const { execute } = await import('@oclif/core/execute');
  // No user-installed oclif plugins: lsvc has no `plugins` command, so skip looking for them.
  const root = fileURLToPath(new URL('..', import.meta.url));
  await execute({ dir: import.meta.url, loadOptions: { root, userPlugins: false } });
}
