// lsvc check migrations --against: the fixture service at v1 (test/fixtures/migrations/v1,
// committed and tagged in a temp repository) and each v2-* variant copied over it. Real git,
// real parsers; the last part runs the built binary.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { ExitCode, UsageError } from '../../src/errors.js';
import { checkMigrations, type MigrationsReport } from '../../src/migrations/check.js';
import { readMigration } from '../../src/migrations/read-migration.js';
import { FIXTURES, runCli, tempDir } from '../support/cli.js';
import { gitSuite } from '../support/git-suite.js';

const FIXTURE = join(FIXTURES, 'migrations');
const { cleanup, env: gitEnv, git } = gitSuite();

interface Release {
  variant: string;
  /** Commit v2 (else its files stay untracked, as before a commit). */
  commit?: boolean;
  engine?: 'mysql';
  /** The service's folder inside the repository (a monorepo). */
  under?: string;
  /** More files in v1, by path in the service. */
  v1Files?: Record<string, string>;
}

/** A repository whose tag v1 is the fixture's v1, with `variant` on top. Returns the service folder. */
async function release({
  variant,
  commit = true,
  engine,
  under = '.',
  v1Files = {},
}: Release): Promise<string> {
  const repo = await tempDir('lsvc-migrations-');
  cleanup.push(repo);
  const dir = join(repo, under);
  await mkdir(dir, { recursive: true });
  await cp(join(FIXTURE, 'v1'), dir, { recursive: true });
  if (engine) {
    const file = join(dir, 'lsvc.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('engine: postgres', `engine: ${engine}`));
  }
  for (const [path, content] of Object.entries(v1Files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'v1');
  git(repo, 'tag', 'v1');
  await cp(join(FIXTURE, variant), dir, { recursive: true });
  if (commit) {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'v2');
  }
  return dir;
}

const check = (dir: string, dialect: 'postgres' | 'mysql' = 'postgres') =>
  checkMigrations({ dir, ref: 'v1', dialect });

const brief = (report: MigrationsReport) =>
  report.findings.map((f) => `${f.verdict} ${f.kind} ${f.file.split('/').pop()}:${f.line}`);

describe('check migrations: the static pass', () => {
  it('passes an additive release: new columns with defaults, a new table with its unique index, a backfill', async () => {
    const report = await check(await release({ variant: 'v2-additive' }));
    expect(report.migrations).toEqual([
      { file: 'migrations/20260201000000_add_pinned_and_tags.ts', contract: false },
    ]);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.safe).toBe(true);
    // down() drops what up() adds: it is not what runs on deploy, so it is not judged.
  });

  it('flags NOT NULL without a default with its line and the expand recipe (uncommitted files count)', async () => {
    const report = await check(await release({ variant: 'v2-not-null', commit: false }));
    expect(brief(report)).toEqual(['unsafe not-null-without-default 20260201000000_add_priority.ts:6']);
    expect(report.findings[0]).toMatchObject({ table: 'notes', column: 'priority' });
    expect(report.findings[0]?.recipe).toMatch(/defaultTo/);
    expect(report.safe).toBe(false);
  });

  it('flags a column drop the old code still reads, naming where it reads it', async () => {
    const report = await check(await release({ variant: 'v2-drop-column' }));
    expect(brief(report)).toEqual(['unsafe drop-column 20260201000000_drop_body.ts:4']);
    expect(report.findings[0]?.stillUsedAt).toEqual(['src/notes.ts:5', 'src/notes.ts:8', 'src/notes.ts:9']);
    expect(report.findings[0]?.message).toContain("v1's code still uses it (src/notes.ts:5");
    expect(report.findings[0]?.recipe).toMatch(/contract = true/);
  });

  it('allows a contract migration one release after the code stopped using the column', async () => {
    const report = await check(await release({ variant: 'v2-contract' }));
    expect(report.migrations[0]?.contract).toBe(true);
    expect(brief(report)).toEqual(['allowed drop-column 20260201000000_drop_legacy_code.ts:6']);
    expect(report.findings[0]?.stillUsedAt).toEqual([]);
    expect(report.safe).toBe(true);
  });

  it('counts a view of the old release as code that uses the column', async () => {
    const dir = await release({
      variant: 'v2-contract',
      v1Files: {
        'views/note.eta': '<p><%= it.note.title %></p>\n<small><%= it.note.legacy_code %></small>\n',
      },
    });
    const report = await check(dir);
    expect(brief(report)).toEqual(['refused drop-column 20260201000000_drop_legacy_code.ts:6']);
    expect(report.findings[0]?.stillUsedAt).toEqual(['views/note.eta:2']);
  });

  it('refuses a contract migration that comes too early', async () => {
    const report = await check(await release({ variant: 'v2-contract-early' }));
    expect(brief(report)).toEqual(['refused drop-column 20260201000000_drop_body.ts:6']);
    expect(report.findings[0]?.message).toMatch(
      /contract too early, v1's code still uses it \(src\/notes.ts:5/,
    );
    expect(report.safe).toBe(false);
  });

  it('reads raw Postgres SQL statement by statement, each with its own line', async () => {
    const report = await check(await release({ variant: 'v2-raw-sql' }));
    expect(brief(report)).toEqual([
      'unsafe change-type 20260201000000_reshape_notes.ts:5',
      'unsafe rename-column 20260201000000_reshape_notes.ts:6',
      'unsafe unique-on-existing 20260201000000_reshape_notes.ts:7',
    ]);
    expect(report.findings[1]).toMatchObject({ table: 'notes', column: 'body', newName: 'content' });
  });

  it('reads MariaDB SQL in a mysql service: MODIFY and CHANGE flagged, NOT NULL with a default not', async () => {
    const dir = await release({ variant: 'v2-mysql', engine: 'mysql' });
    const report = await check(dir, 'mysql');
    expect(report.dialect).toBe('mysql');
    expect(brief(report)).toEqual([
      'unsafe change-type 20260201000000_reshape_notes.ts:4',
      'unsafe rename-column 20260201000000_reshape_notes.ts:5',
    ]);
    // The same file read as Postgres does not parse MODIFY: still flagged, never passed.
    expect((await check(dir, 'postgres')).safe).toBe(false);
  });

  it('works for a service inside a monorepo, and warns about a migration the old release already had', async () => {
    const dir = await release({ variant: 'v2-contract-early', under: 'services/notes' });
    const first = join(dir, 'migrations', '20260101000000_create_notes.ts');
    await writeFile(first, (await readFile(first, 'utf8')).replace("'varchar(20)'", "'varchar(40)'"));
    const report = await check(dir);
    expect(report.findings[0]?.stillUsedAt?.[0]).toBe('src/notes.ts:5');
    expect(report.warnings).toEqual([
      {
        file: 'migrations/20260101000000_create_notes.ts',
        message: expect.stringMatching(/already in v1: where it ran, the edit will not run/),
      },
    ]);
  });

  it('says so when nothing is new, and warns about a released migration renamed away', async () => {
    const dir = await release({ variant: 'v2-additive' });
    expect(await checkMigrations({ dir, ref: 'HEAD', dialect: 'postgres' })).toMatchObject({
      migrations: [],
      findings: [],
      warnings: [],
      safe: true,
    });
    git(dir, 'mv', 'migrations/20260101000000_create_notes.ts', 'migrations/20260101000000_notes.ts');
    const report = await check(dir);
    // The renamed file reads as a new createTable: nothing unsafe in it, but the old name is gone.
    expect(report.migrations.map((m) => m.file)).toContain('migrations/20260101000000_notes.ts');
    expect(report.warnings).toEqual([
      {
        file: 'migrations/20260101000000_create_notes.ts',
        message: expect.stringMatching(
          /in v1 but deleted or renamed here: a database that ran it refuses to migrate/,
        ),
      },
    ]);
  });

  it('takes an image lsvc built (<service>:<commit>) for its commit, and refuses a dirty one', async () => {
    const dir = await release({ variant: 'v2-drop-column' });
    const v1 = git(dir, 'rev-parse', 'v1').trim();
    const report = await checkMigrations({
      dir,
      ref: `notes-service:${v1.slice(0, 12)}`,
      dialect: 'postgres',
    });
    expect(report.against).toEqual({ ref: `notes-service:${v1.slice(0, 12)}`, sha: v1 });
    expect(brief(report)).toEqual(['unsafe drop-column 20260201000000_drop_body.ts:4']);
    for (const [tag, why] of [
      [`${v1.slice(0, 12)}-dirty`, /built from uncommitted changes/],
      ['dev-20261128-093005', /built outside git/],
    ] as const) {
      await expect(
        checkMigrations({ dir, ref: `notes-service:${tag}`, dialect: 'postgres' }),
      ).rejects.toThrow(why);
    }
  });

  it('refuses an unknown ref with exit code 2 and a hint', async () => {
    const dir = await release({ variant: 'v2-additive' });
    const error = await checkMigrations({ dir, ref: 'v9', dialect: 'postgres' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.Usage);
    expect((error as UsageError).message).toBe('Unknown git ref "v9".');
    const option = await checkMigrations({ dir, ref: '--output=x', dialect: 'postgres' }).catch(
      (e: unknown) => e,
    );
    expect(option).toBeInstanceOf(UsageError);
  });
});

describe('check migrations: reading one file', () => {
  const up = (body: string, head = '') =>
    `import { sql } from 'kysely';\n${head}export async function up(db) {\n${body}\n}\nexport async function down(db) {\n  await db.schema.dropTable('notes').execute();\n}\n`;
  const kinds = (source: string) =>
    readMigration(source, 'postgres').operations.map((op) => `${op.kind}:${op.line}`);

  it('reads the schema builder: renames, type changes, SET NOT NULL with and without a default', () => {
    const reading = readMigration(
      up(`  await db.schema.alterTable('notes').renameColumn('title', 'heading').execute();
  await db.schema.alterTable('notes').renameTo('posts').execute();
  await db.schema.alterTable('notes').alterColumn('body', (c) => c.setDataType('text')).execute();
  await db.schema.alterTable('notes').alterColumn('status', (c) => c.setDefault('draft')).alterColumn('status', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('notes').addUniqueConstraint('notes_slug', ['slug']).execute();
  await db.schema.dropTable('tags').execute();
  await db.transaction().execute(async (trx) => {
    await trx.schema.withSchema('app').alterTable('notes').dropColumn('legacy_code').execute();
  });`),
      'postgres',
    );
    expect(reading.operations.map((op) => `${op.kind}:${op.line}`)).toEqual([
      'rename-column:3',
      'rename-table:4',
      'change-type:5',
      'set-not-null:6',
      'unique-on-existing:7',
      'drop-table:8',
      'drop-column:10',
    ]);
    expect(reading.defaultsSet).toEqual(['notes.status']);
  });

  it('reads the contract marker only as a real export, not the comment migrate:make writes', () => {
    const comment =
      '// export const contract = true; // only when this migration removes what an earlier release stopped using\n';
    expect(readMigration(up('', comment), 'postgres').contract).toBe(false);
    expect(readMigration(up('', 'export const contract = true;\n'), 'postgres').contract).toBe(true);
    expect(readMigration(up('', 'export const contract = false;\n'), 'postgres').contract).toBe(false);
  });

  it('names tables given through sql.table() and reads what the SQL grammar misses by pattern', () => {
    expect(kinds(up("  await sql`ALTER TABLE ${sql.table('notes')} DROP COLUMN body`.execute(db);"))).toEqual(
      ['drop-column:3'],
    );
    const reading = readMigration(
      up(
        '  await sql`DO $$ BEGIN ALTER TABLE notes DROP COLUMN IF EXISTS body CASCADE; END $$`.execute(db);',
      ),
      'postgres',
    );
    expect(reading.operations).toMatchObject([{ kind: 'drop-column', table: 'notes', column: 'body' }]);
  });

  it('flags SQL it cannot parse when it has breaking words, lists the rest for review, ignores fragments', () => {
    expect(kinds(up("  await sql`ALTER TYPE mood RENAME VALUE 'a' TO 'b'`.execute(db);"))).toEqual([
      'unrecognised-sql:3',
    ]);
    const harmless = readMigration(up('  await sql`VACUUM notes`.execute(db);'), 'postgres');
    expect(harmless.operations).toEqual([]);
    expect(harmless.unparsed).toEqual([{ line: 3, statement: 'VACUUM notes' }]);
    // A sql`` used as a column type is not a statement.
    expect(
      kinds(up("  await db.schema.alterTable('notes').addColumn('at', sql`timestamptz`).execute();")),
    ).toEqual([]);
  });
});

describe('lsvc check migrations (built binary)', () => {
  const cli = (dir: string, ...args: string[]) =>
    runCli(['check', 'migrations', ...args], { cwd: dir, env: gitEnv() });

  it('exits 6 on an unsafe release with file:line and the recipe, and 0 on a contract in time', async () => {
    const unsafe = await cli(await release({ variant: 'v2-drop-column' }), '--against', 'v1');
    expect(unsafe.code).toBe(ExitCode.Unhealthy);
    expect(unsafe.stdout).toContain(
      'unsafe migrations/20260201000000_drop_body.ts:4 drops column notes.body',
    );
    expect(unsafe.stdout).toMatch(/Stop reading and writing the column in one release/);
    expect(unsafe.stdout).toMatch(/Unsafe: 1 operation\(s\) would break the version at v1/);
    // The fixture has no Dockerfile: the Docker proof (test/docker/check-migrations.test.ts) cannot run.
    expect(unsafe.stdout).toContain('Static check only: no Dockerfile with a "test" stage');
    const safe = await cli(await release({ variant: 'v2-contract' }), '--against', 'v1');
    expect(safe.code).toBe(0);
    expect(safe.stdout).toMatch(/Safe: the version at v1 can run on the new schema/);
  });

  it('prints the report as JSON with --json, keeping exit code 6', async () => {
    const result = await cli(
      await release({ variant: 'v2-not-null' }),
      '--against',
      'v1',
      '--json',
      '--static-only',
    );
    expect(result.code).toBe(ExitCode.Unhealthy);
    const report = JSON.parse(result.stdout) as MigrationsReport & { proof: unknown };
    expect(report.safe).toBe(false);
    expect(report.proof).toEqual({ ran: false, reason: '--static-only (no Docker proof)' });
    expect(report.against.ref).toBe('v1');
    expect(report.against.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(report.findings).toMatchObject([
      {
        file: 'migrations/20260201000000_add_priority.ts',
        line: 6,
        kind: 'not-null-without-default',
        verdict: 'unsafe',
      },
    ]);
  });

  it('exits 2 on an unknown ref and without --against, one line and a hint, no stack', async () => {
    const dir = await release({ variant: 'v2-additive' });
    const bad = await cli(dir, '--against', 'v9');
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toMatch(/Unknown git ref "v9"/);
    expect(bad.stderr).toMatch(/tag, branch or commit/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli(dir);
    expect(missing.code).toBe(ExitCode.Usage);
    expect(missing.stderr).toMatch(/Exactly one of the following must be provided: --against, --env/);
  });
});
