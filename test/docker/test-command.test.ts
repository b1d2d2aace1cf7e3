// `lsvc test` end to end on a real engine, through the built binary, on services fresh from
// `lsvc init`: a passing suite, jest arguments, a failing suite, Ctrl-C, a broken migration, and
// the MySQL variant. After each run nothing of it may remain: containers, networks and volumes are
// listed by the run's label (dev.lsvc.test-run=<id>, printed with --verbose) and by the service's.
// Both services share one unique name, so the second build reuses the first one's npm ci layer.
import type { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { type CliResult, removeDir, runCli, tempDir } from '../support/cli.js';
import {
  docker,
  expectExit,
  generateService,
  labelled,
  NOTHING,
  removeLabelled,
  runIdOf,
  suitesRun,
  uniqueServiceName,
} from './test-command-support.js';

const name = uniqueServiceName();
const serviceLabel = `dev.lsvc.service=${name}`;
let parent = '';
let postgres = '';
let mysql = '';
let fullSuites = 0;

const RUN_TIMEOUT = 15 * 60_000;
const lsvcTest = (cwd: string, args: string[] = [], onSpawn?: (child: ReturnType<typeof spawn>) => void) =>
  runCli(['test', '--verbose', ...args], { cwd, timeoutMs: RUN_TIMEOUT, onSpawn });

async function expectNothingLeft(result: CliResult) {
  expect(await labelled(`dev.lsvc.test-run=${runIdOf(result)}`)).toEqual(NOTHING);
  expect(await labelled(serviceLabel)).toEqual(NOTHING);
}

beforeAll(async () => {
  parent = await tempDir('lsvc-test-cmd-');
  postgres = (await generateService(join(parent, 'pg'), name)).dir;
  mysql = (await generateService(join(parent, 'my'), name, ['--db', 'mysql'])).dir;
}, 300_000);

afterAll(async () => {
  await removeLabelled(serviceLabel);
  await docker(['image', 'rm', '-f', `${name}:test`]).catch(() => undefined);
  await removeDir(parent);
}, 300_000);

describe('lsvc test (Postgres)', () => {
  it(
    'a passing suite exits 0, shows jest results and the steps, and leaves nothing behind',
    async () => {
      const result = await lsvcTest(postgres);
      fullSuites = suitesRun(result.stderr);
      expectExit(result, 0);
      // jest reports on stderr; lsvc keeps the container's stdout and stderr apart.
      expect(result.stderr).toMatch(/^Tests:\s+\d+ passed, \d+ total$/m);
      expect(result.stdout).toMatch(
        /Built the test image lsvc-tc-[0-9a-f]+:test \(\d+ of \d+ steps cached\)/,
      );
      expect(result.stdout).toContain('Postgres ready (postgres:15-bookworm)');
      expect(result.stdout).toContain('Redis ready (redis:7-bookworm)');
      expect(result.stdout).toMatch(/Applied the migrations \(\d+ migration\(s\) applied\)/);
      expect(result.stdout).toMatch(/Tests passed in [\d.]+ s \(setup [\d.]+ s, tests [\d.]+ s\)\.\n$/);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'lsvc test -- test/unit passes the paths to jest: fewer suites run, from the cached image',
    async () => {
      const result = await lsvcTest(postgres, ['--', 'test/unit']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Running the tests: npm test -- test/unit');
      expect(result.stderr).toContain('Ran all test suites matching test/unit');
      expect(fullSuites).toBeGreaterThan(0);
      expect(suitesRun(result.stderr)).toBeLessThan(fullSuites);
      // Nothing changed since the last build: every step that can be cached was.
      const [, cached, of] = /\((\d+) of (\d+) steps cached\)/.exec(result.stdout) ?? [];
      expect(cached).toBe(of);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'a failing suite exits non-zero and names the failing test; nothing is left behind',
    async () => {
      await writeFile(
        join(postgres, 'test', 'unit', 'fail.test.ts'),
        "import { expect, test } from '@jest/globals';\n\ntest('deliberately fails', () => {\n  expect(1).toBe(2);\n});\n",
      );
      const result = await lsvcTest(postgres, ['--', 'test/unit']);
      expectExit(result, 1);
      const output = result.stdout + result.stderr;
      expect(output).toContain('FAIL test/unit/fail.test.ts');
      expect(output).toContain('deliberately fails');
      expect(result.stdout).toContain('Tests failed (npm test exited with 1)');
      // The tests' failure is not an lsvc error: no "Error:" line.
      expect(result.stderr).not.toMatch(/^Error:/m);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'Ctrl-C while the tests run: exit 130, and the run’s containers, network and volumes are gone',
    async () => {
      let child: ReturnType<typeof spawn> | undefined;
      let stdout = '';
      let stderr = '';
      const running = lsvcTest(postgres, [], (c) => {
        child = c;
        c.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        c.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      });
      // Wait until jest runs inside the test container (its banner comes first, on stdout).
      const deadline = Date.now() + 10 * 60_000;
      let during = NOTHING;
      while (Date.now() < deadline && child?.exitCode === null) {
        if (/> .*jest/.test(stdout)) {
          during = await labelled(`dev.lsvc.test-run=${runIdOf({ stderr })}`);
          if (during.containers.some((c) => c.endsWith('-tests'))) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // Let jest get going: a few suites in, nowhere near the end (the full suite takes a minute).
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(stderr).not.toMatch(/^Test Suites:/m);
      // The label finds the run's objects while it runs (so "none afterwards" means something).
      expect(during.containers.map((c) => c.replace(/^.*-/, '')).sort()).toEqual([
        'database',
        'migrate',
        'redis',
        'tests',
      ]);
      expect(during.networks).toHaveLength(1);
      // The servers keep their data in tmpfs: no volume is made for the images' VOLUMEs.
      const mounts = JSON.parse(
        await docker([
          'inspect',
          '--format',
          '{{json .Mounts}}',
          ...during.containers.filter((c) => !c.endsWith('-migrate')),
        ]).then((out) => `[${out.trim().split('\n').join(',')}]`),
      ) as { Type: string; Name?: string }[][];
      const volumes = mounts.flat().filter((m) => m.Type === 'volume');
      expect(volumes).toEqual([]);

      const signalled = Date.now();
      child?.kill('SIGINT');
      const result = await running;
      expectExit(result, 130);
      expect(Date.now() - signalled).toBeLessThan(30_000);
      expect(result.stderr).toContain('Stopping the tests and removing their containers');
      expect(result.stderr).toMatch(/^Error: Interrupted/m);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'a broken migration fails fast (exit 1) with its output, before any test runs',
    async () => {
      await rm(join(postgres, 'test', 'unit', 'fail.test.ts'));
      await mkdir(join(postgres, 'migrations'), { recursive: true });
      await writeFile(
        join(postgres, 'migrations', '29990101000000_broken.ts'),
        "import { type Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql`alter table no_such_table add column x int`.execute(db);\n}\n\nexport async function down(): Promise<void> {}\n",
      );
      const result = await lsvcTest(postgres, ['--', 'test/unit']);
      await rm(join(postgres, 'migrations', '29990101000000_broken.ts'));
      expectExit(result, 1);
      expect(result.stderr).toMatch(/^Error: The migrations failed \(npm run migrate exited with \d+\)\.$/m);
      expect(result.stderr).toContain('no_such_table');
      expect(result.stdout).not.toContain('Running the tests');
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );
});

describe('lsvc test (MySQL variant)', () => {
  it(
    'runs against MariaDB when lsvc.yml says database.engine: mysql',
    async () => {
      const result = await lsvcTest(mysql, ['--', 'test/db', 'test/unit/config.test.ts']);
      expectExit(result, 0);
      expect(result.stderr).toContain('database mysql (lsvc.yml defaults.database.engine)');
      expect(result.stdout).toContain('MySQL (MariaDB) ready (mariadb:10.11)');
      expect(result.stdout).toMatch(/Applied the migrations \(\d+ migration\(s\) applied\)/);
      expect(result.stderr).toContain('PASS test/db/migrations.test.ts');
      // test/db's suites (in the service made from the template) and the one named file.
      const dbSuites = (await readdir(join(mysql, 'test', 'db'))).filter((f) => f.endsWith('.test.ts'));
      expect(dbSuites.length).toBeGreaterThan(0);
      expect(suitesRun(result.stderr)).toBe(dbSuites.length + 1);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );
});
