// `lsvc check migrations` with its Docker proof, end to end through the built binary, on services
// fresh from `lsvc init` (the real template) in git at two versions: v1 as generated, and a
// branch per release on top. An additive migration is proven safe (the old version's /readyz and
// its tests on the new schema); dropping a column the old code reads fails and names the old tests
// that broke; SIGTERM mid-proof removes everything; the MySQL variant runs the same proof on
// MariaDB. Every run is looked up afterwards by its labels: nothing may remain.
// Both services share one unique name (so the MySQL build reuses the npm ci layer) and one old
// image per repository: the first Postgres run builds it, the later ones find it.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { ProofResult } from '../../src/migrations/proof.js';
import { type CliOptions, type CliResult, removeDir, runCli, tempDir } from '../support/cli.js';
import {
  docker,
  expectExit,
  generateService,
  labelled,
  NOTHING,
  removeLabelled,
  shown,
  uniqueServiceName,
} from './test-command-support.js';

const name = uniqueServiceName('lsvc-cm');
const serviceLabel = `dev.lsvc.service=${name}`;
const RUN_TIMEOUT = 15 * 60_000;
let parent = '';
let postgres = { dir: '', env: {} as NodeJS.ProcessEnv };
let mysql = { dir: '', env: {} as NodeJS.ProcessEnv };

const ADDITIVE = `import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notes').addColumn('pinned', 'boolean', (col) => col.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notes').dropColumn('pinned').execute();
}
`;
// The worker of the old version writes word_count (src/jobs/process-note.ts).
const DROP = `import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notes').dropColumn('word_count').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notes').addColumn('word_count', 'integer').execute();
}
`;

function git(service: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]): void {
  const author = ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com'];
  execFileSync('git', [...author, ...args], { cwd: service.dir, env: service.env, stdio: 'pipe' });
}

/** Check out a new branch from v1 with one migration added and committed. */
async function release(
  service: { dir: string; env: NodeJS.ProcessEnv },
  branch: string,
  migration: { file: string; text: string },
) {
  git(service, 'checkout', '-q', '-B', branch, 'v1');
  await writeFile(join(service.dir, 'migrations', migration.file), migration.text);
  git(service, 'add', '-A');
  git(service, 'commit', '-qm', branch);
}

const check = (cwd: string, args: string[] = [], onSpawn?: CliOptions['onSpawn']) =>
  runCli(['check', 'migrations', '--against', 'v1', '--verbose', ...args], {
    cwd,
    timeoutMs: RUN_TIMEOUT,
    onSpawn,
  });

function proofRunId(result: CliResult): string {
  const match = /migration proof ([0-9a-f]+):/.exec(result.stderr);
  if (!match?.[1]) throw new Error(`no "migration proof <id>" line:\n${shown(result)}`);
  return match[1];
}

async function expectNothingLeft(result: CliResult) {
  expect(await labelled(`dev.lsvc.test-run=${proofRunId(result)}`)).toEqual(NOTHING);
  expect(await labelled(serviceLabel)).toEqual(NOTHING);
}

beforeAll(async () => {
  parent = await tempDir('lsvc-check-migrations-');
  postgres = await generateService(join(parent, 'pg'), name);
  mysql = await generateService(join(parent, 'my'), name, ['--db', 'mysql']);
  for (const service of [postgres, mysql]) git(service, 'tag', 'v1');
}, 300_000);

afterAll(async () => {
  await removeLabelled(serviceLabel);
  const images = (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', name]))
    .split('\n')
    .filter(Boolean);
  if (images.length) await docker(['image', 'rm', '-f', ...images]).catch(() => undefined);
  await removeDir(parent);
}, 300_000);

describe('lsvc check migrations: the Docker proof (Postgres)', () => {
  it(
    'proves an additive migration safe: the old version answers /readyz and its tests pass (--json)',
    async () => {
      await release(postgres, 'additive', { file: '20261201000000_add_pinned.ts', text: ADDITIVE });
      const result = await check(postgres.dir, ['--json']);
      expectExit(result, 0);
      const report = JSON.parse(result.stdout) as {
        safe: boolean;
        proof: { ran: boolean; result: ProofResult };
      };
      expect(report.safe).toBe(true);
      expect(report.proof.ran).toBe(true);
      const proof = report.proof.result;
      expect(proof).toMatchObject({
        safe: true,
        old: { ref: 'v1' },
        newImage: `${name}:test`,
        migrations: ['migrations/20261201000000_add_pinned.ts'],
      });
      expect(proof.old.image).toMatch(new RegExp(`^${name}:test-[0-9a-f]{12}$`));
      expect(proof.failure).toBeUndefined();
      // The whole old suite ran (the template has dozens of tests), on copies of the migrated database.
      expect(proof.tests?.failed).toBe(0);
      expect(proof.tests?.passed).toBeGreaterThan(20);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'fails a column drop the old code still writes (exit 6), naming the old tests that broke',
    async () => {
      await release(postgres, 'drop', { file: '20261201000000_drop_word_count.ts', text: DROP });
      const result = await check(postgres.dir);
      expectExit(result, 6);
      // The static pass sees it too; the proof shows what breaks.
      expect(result.stdout).toContain(
        'unsafe migrations/20261201000000_drop_word_count.ts:4 drops column notes.word_count',
      );
      expect(result.stdout).toContain('The old version answers /readyz on the new schema');
      expect(result.stdout).toMatch(
        /Docker proof failed \(\d+ s\): \d+ of the old version's tests fail on the new schema\./,
      );
      expect(result.stdout).toContain('old version: v1 (git ');
      expect(result.stdout).toContain('new migrations: 20261201000000_drop_word_count.ts');
      expect(result.stdout).toMatch(/✕ test\/jobs\/worker\.test\.ts › the notes worker /);
      // The old note read names word_count (prepared queries name their columns): it breaks too,
      // while the old tests that read no note still pass.
      expect(result.stdout).toMatch(/✕ test\/http\/notes\.test\.ts › GET \/v1\/notes\/:id returns the note/);
      expect(result.stdout).not.toMatch(/✕ test\/http\/(web-basics|docs|openapi)\.test\.ts/);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );

  it(
    'SIGTERM during the proof stops it (exit 143) and removes its containers and network',
    async () => {
      let stdout = '';
      let stderr = '';
      let child: ChildProcess | undefined;
      const running = check(postgres.dir, [], (c) => {
        child = c;
        c.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        c.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      });
      // Wait until the old version's tests run in their container (the database and Redis too).
      const deadline = Date.now() + 5 * 60_000;
      let during = NOTHING;
      while (Date.now() < deadline && child?.exitCode === null) {
        if (stdout.includes("Run the old version's tests")) {
          during = await labelled(
            `dev.lsvc.test-run=${proofRunId({ code: null, signal: null, stdout, stderr })}`,
          );
          if (during.containers.some((c) => c.endsWith('-old-tests'))) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(
        during.containers.map((c) => c.replace(/^.*-(old-tests|database|redis|migrate-\w+)$/, '$1')).sort(),
      ).toEqual(['database', 'migrate-new', 'migrate-old', 'old-tests', 'redis']);
      expect(during.networks).toHaveLength(1);
      child?.kill('SIGTERM');
      const result = await running;
      expectExit(result, 143);
      expect(result.stderr).toMatch(
        /Interrupted: the migration proof was stopped and its containers removed/,
      );
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );
});

describe('lsvc check migrations: the Docker proof (MySQL variant, MariaDB)', () => {
  it(
    'fails the same column drop on MariaDB: the old tests run on copies of the migrated database',
    async () => {
      await release(mysql, 'drop', { file: '20261201000000_drop_word_count.ts', text: DROP });
      const result = await check(mysql.dir);
      expectExit(result, 6);
      expect(result.stdout).toContain('MySQL (MariaDB) ready (mariadb:10.11)');
      expect(result.stdout).toContain('The old version answers /readyz on the new schema');
      expect(result.stdout).toMatch(/✕ test\/jobs\/worker\.test\.ts › the notes worker /);
      expect(result.stdout).toMatch(/✕ test\/http\/notes\.test\.ts › GET \/v1\/notes\/:id returns the note/);
      expect(result.stdout).not.toMatch(/✕ test\/http\/(web-basics|docs|openapi)\.test\.ts/);
      await expectNothingLeft(result);
    },
    RUN_TIMEOUT,
  );
});
