// Proof that `lsvc init` produces a working service: init from the real service-template/ through
// the built binary, then the generated service's own `npm ci && npm test` against the machine's
// Postgres and Redis (as CI runs it). Slow: it installs the service's dependencies.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { runProcess, tail } from '../../src/exec.js';
import { allSpellings } from '../../src/template/case-forms.js';
import { cleanEnv, isolatedGitEnv, listTree, removeDir, runCli, tempDir } from '../support/cli.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

describe('a service made by lsvc init from service-template/', () => {
  it(
    'has no trace of the placeholder, and passes its own npm ci && npm test',
    async () => {
      const cwd = await tempDir('lsvc-service-');
      const gitEnv = await isolatedGitEnv();
      cleanup.push(cwd, gitEnv.HOME ?? '');

      const init = await runCli(['init', 'demo-svc', '--no-install'], { cwd, env: gitEnv });
      expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
      const service = join(cwd, 'demo-svc');

      const traces: string[] = [];
      for (const rel of await listTree(service)) {
        if (rel === '.git' || rel.startsWith('.git/')) continue;
        for (const s of allSpellings('little-service')) if (rel.includes(s)) traces.push(`path ${rel}`);
        if ((await stat(join(service, rel))).isDirectory()) continue;
        const bytes = await readFile(join(service, rel));
        for (const s of allSpellings('little-service')) if (bytes.includes(s)) traces.push(`${s} in ${rel}`);
      }
      expect(traces).toEqual([]);

      const env = { ...cleanEnv(), ...gitEnv, DATABASE_URL, REDIS_URL };
      const ci = await runProcess('npm', ['ci', '--no-audit', '--no-fund'], { cwd: service, env });
      expect({
        step: 'npm ci',
        code: ci.code,
        output: ci.code === 0 ? [] : tail(ci.stdout + ci.stderr, 40),
      }).toEqual({
        step: 'npm ci',
        code: 0,
        output: [],
      });
      const test = await runProcess('npm', ['test'], { cwd: service, env });
      expect({
        step: 'npm test',
        code: test.code,
        output: test.code === 0 ? [] : tail(test.stdout + test.stderr, 60),
      }).toEqual({
        step: 'npm test',
        code: 0,
        output: [],
      });
    },
    30 * 60_000,
  );
});
