// jest swaps `console` for its own, which @oclif/core's ux.stdout writes through; give oclif a
// real Console so captureOutput (which patches process.stdout/stderr) sees command output.
import { Console } from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });

// Each test worker gets its own empty cache folder (the Price List cache lives there): a test
// never reads what another run, or the developer's own lsvc, left in ~/.cache.
const cache = mkdtempSync(path.join(tmpdir(), 'lsvc-test-cache-'));
process.env.XDG_CACHE_HOME = cache;
process.once('exit', () => {
  rmSync(cache, { recursive: true, force: true });
});
