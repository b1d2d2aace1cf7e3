// The migrations in the release flow: what a release record says about its migrations, the
// rollback guard (in-memory EB and S3 of deploy-fakes.ts), `check migrations --env`'s running
// commit, and the deploy's own check (real git over the fixture service of check-migrations).
import { cp } from 'node:fs/promises';
import { join } from 'node:path';

import { UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from '@jest/globals';

import { deploy, type DeployOptions, rollback, type RollbackOptions } from '../../src/deploy/deploy.js';
import { ExitCode } from '../../src/errors.js';
import type { ProofResult } from '../../src/migrations/proof.js';
import { checkBeforeDeploy, checkoutMigrations, runningCommit } from '../../src/migrations/release.js';
import { finished, newRelease, type ReleaseRecord } from '../../src/releases/record.js';
import { FIXTURES, tempDir } from '../support/cli.js';
import { gitSuite } from '../support/git-suite.js';
import { BUCKET, ENV, FakeEb, NAMES, REPOSITORY_URI, SERVICE, TIMINGS } from './deploy-fakes.js';

const FIXTURE = join(FIXTURES, 'migrations');
const { cleanup, git } = gitSuite();

/** The fixture service at v1 (committed), with `variant` committed on top. */
async function checkout(variant?: string): Promise<{ dir: string; v1: string }> {
  const dir = await tempDir('lsvc-migrations-release-');
  cleanup.push(dir);
  await cp(join(FIXTURE, 'v1'), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  const v1 = git(dir, 'rev-parse', 'HEAD');
  if (variant) {
    await cp(join(FIXTURE, variant), dir, { recursive: true });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v2');
  }
  return { dir, v1 };
}

const migrations = (head: string, contracts: string[] = []) => ({
  head,
  contract: contracts.length > 0,
  contracts,
  checkSkipped: false,
});

/** A deployed record of version `version` from commit `sha` with the given migrations. */
const deployedRecord = (version: string, sha: string, m?: ReleaseRecord['migrations']): ReleaseRecord =>
  finished(
    newRelease({
      service: SERVICE,
      environment: ENV,
      kind: 'deploy',
      version,
      previousVersion: undefined,
      git: { sha, dirty: false },
      migrations: m,
      now: Date.parse('2026-12-01T10:00:00Z'),
      env: {},
    }),
    'deployed',
    Date.parse('2026-12-01T10:05:00Z'),
  );

describe('what a release record says about its migrations', () => {
  it('the head is the newest migration, and contract migrations are named', async () => {
    const v1 = await checkout();
    expect(await checkoutMigrations(v1.dir, 'postgres')).toEqual({
      head: '20260101000000_create_notes',
      contract: false,
      contracts: [],
    });
    const v2 = await checkout('v2-contract');
    expect(await checkoutMigrations(v2.dir, 'postgres')).toEqual({
      head: '20260201000000_drop_legacy_code',
      contract: true,
      contracts: ['20260201000000_drop_legacy_code'],
    });
  });

  it('a service without migrations/ has nothing to say', async () => {
    const dir = await tempDir('lsvc-no-migrations-');
    cleanup.push(dir);
    expect(await checkoutMigrations(dir, 'postgres')).toBeUndefined();
  });
});

const deployOptions = (version: string, m?: ReleaseRecord['migrations']): DeployOptions => ({
  names: NAMES,
  envName: ENV,
  version,
  description: `git ${version.padEnd(40, '0')} · Ann · ${version}`,
  repositoryUri: REPOSITORY_URI,
  dirty: false,
  git: { sha: version.padEnd(40, '0'), dirty: false },
  migrations: m,
  rollback: true,
  detach: false,
  timings: TIMINGS,
});

const rollbackOptions = (over: Partial<RollbackOptions> = {}): RollbackOptions => ({
  names: NAMES,
  envName: ENV,
  detach: false,
  timings: TIMINGS,
  ...over,
});

/** The environment's records, newest first, as the fake S3 holds them. */
const records = (fake: FakeEb): ReleaseRecord[] =>
  [...fake.objects.entries()]
    .filter(([k]) => k.startsWith(`${BUCKET}/lsvc/releases/${SERVICE}/${ENV}/`))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, o]) => JSON.parse(o.body.toString('utf8')) as ReleaseRecord);

const updates = (fake: FakeEb) =>
  fake.ebMock.commandCalls(UpdateEnvironmentCommand).map((c) => c.args[0].input.VersionLabel);

describe('the rollback guard', () => {
  /** a1 adds notes; b2 adds a column; c3 drops the old one (contract); d4 adds another (running). */
  async function history(): Promise<FakeEb> {
    const fake = new FakeEb({ label: 'a0' });
    const step = async (version: string, m: ReleaseRecord['migrations']) => {
      fake.clock.sleptMs += 3_600_000;
      await deploy(fake.deps(), deployOptions(version, m));
    };
    await step('a1', migrations('001_notes'));
    await step('b2', migrations('002_add_summary'));
    await step('c3', migrations('003_drop_body', ['003_drop_body']));
    await step('d4', migrations('004_add_tags', ['003_drop_body']));
    fake.ebMock.resetHistory();
    return fake;
  }

  it('deploys record their migration head and contract migrations', async () => {
    const fake = await history();
    expect(records(fake).map((r) => [r.version, r.migrations?.head, r.migrations?.contract])).toEqual([
      ['d4', '004_add_tags', true],
      ['c3', '003_drop_body', true],
      ['b2', '002_add_summary', false],
      ['a1', '001_notes', false],
    ]);
  });

  it('--to a version older than a contract migration that ran: refused (exit 6), with the safe version', async () => {
    const fake = await history();
    const before = fake.objects.size;
    await expect(rollback(fake.deps(), rollbackOptions({ to: 'b2' }))).rejects.toMatchObject({
      exitCode: ExitCode.Unhealthy,
      message:
        'Not rolling back to b2: it is older than the contract migration 003_drop_body (c3), which already ran; b2 would read what it removed (migrations are not rolled back).',
      hint: 'The newest version safe to go back to is c3 (lsvc rollback --to c3). --force goes to b2 anyway.',
    });
    expect(updates(fake)).toEqual([]);
    // Refused before its record: nothing written.
    expect(fake.objects.size).toBe(before);
  });

  it('the default pick (the last good release) past no contract goes, and its record keeps the head', async () => {
    const fake = await history();
    const result = await rollback(fake.deps(), rollbackOptions());
    expect(result).toMatchObject({ version: 'c3', outcome: 'deployed' });
    expect(records(fake)[0]).toMatchObject({
      kind: 'rollback',
      version: 'c3',
      migrations: { head: '003_drop_body', contract: true },
    });
    expect(records(fake)[0]?.migrations?.forcedPast).toBeUndefined();
  });

  it('no version after the contract passed its bake: says the running one is the safe one', async () => {
    const fake = new FakeEb({ label: 'a0' });
    fake.clock.sleptMs += 3_600_000;
    await deploy(fake.deps(), deployOptions('a1', migrations('001_notes')));
    fake.clock.sleptMs += 3_600_000;
    await deploy(fake.deps(), deployOptions('c3', migrations('003_drop_body', ['003_drop_body'])));
    await expect(rollback(fake.deps(), rollbackOptions())).rejects.toMatchObject({
      exitCode: ExitCode.Unhealthy,
      message: expect.stringMatching(/^Not rolling back to a1: .*003_drop_body \(c3\)/),
      hint: 'No recorded version after them passed its bake; c3 is still the safe one. --force goes to a1 anyway.',
    });
  });

  it('--force asks; yes goes, and the record says what it went past', async () => {
    const fake = await history();
    const asked: string[] = [];
    const result = await rollback(
      fake.deps(),
      rollbackOptions({
        to: 'a1',
        force: true,
        confirmForce: async (question) => {
          asked.push(question);
          return true;
        },
      }),
    );
    expect(result).toMatchObject({ version: 'a1', outcome: 'deployed' });
    expect(asked).toEqual([expect.stringMatching(/003_drop_body \(c3\).* Roll back to a1 anyway\?$/)]);
    expect(records(fake)[0]).toMatchObject({
      kind: 'rollback',
      version: 'a1',
      migrations: { head: '001_notes', forcedPast: ['003_drop_body'] },
    });
  });

  it('--force answered no: nothing changes', async () => {
    const fake = await history();
    await expect(
      rollback(fake.deps(), rollbackOptions({ to: 'a1', force: true, confirmForce: async () => false })),
    ).rejects.toThrow('Not rolled back: you said no.');
    expect(updates(fake)).toEqual([]);
  });

  it('records without migration heads (older deploys) cannot be judged and pass', async () => {
    const fake = new FakeEb({ label: 'a0' });
    for (const v of ['a1', 'b2']) {
      fake.clock.sleptMs += 3_600_000;
      await deploy(fake.deps(), deployOptions(v));
    }
    const result = await rollback(fake.deps(), rollbackOptions({ to: 'a1' }));
    expect(result.version).toBe('a1');
  });
});

describe('check migrations --env: the running commit', () => {
  it('is the git sha of the newest release that deployed', () => {
    const failed = { ...deployedRecord('b2', 'b'.repeat(40)), outcome: 'rolled-back' };
    expect(runningCommit([failed, deployedRecord('a1', 'a'.repeat(40))], 'staging')).toEqual({
      version: 'a1',
      sha: 'a'.repeat(40),
    });
  });

  it('without a record: none (nothing to compare with); a record without a commit: exit 2 with a hint', () => {
    expect(runningCommit([], 'staging')).toBeUndefined();
    const thrown = (records: ReleaseRecord[]) => {
      try {
        runningCommit(records, 'staging');
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const noGit = { ...deployedRecord('a1', 'a'.repeat(40)), git: null };
    expect(thrown([noGit])).toMatchObject({
      exitCode: ExitCode.Usage,
      hint: 'Pass --against <git ref of the running release>.',
    });
  });
});

describe('lsvc deploy: the migration check before anything changes', () => {
  const info: string[] = [];
  const run = (
    dir: string,
    running: ReleaseRecord[],
    skip = false,
    prove?: Parameters<typeof checkBeforeDeploy>[0]['prove'],
  ) => {
    info.length = 0;
    let read = 0;
    return {
      result: checkBeforeDeploy({
        dir,
        dialect: 'postgres',
        envName: 'staging',
        skip,
        ...(prove ? { prove } : {}),
        info: (line) => info.push(line),
        records: async () => {
          read += 1;
          return running;
        },
      }),
      reads: () => read,
    };
  };

  it('a column drop the running version reads: refused (exit 6) with the findings', async () => {
    const { dir, v1 } = await checkout('v2-drop-column');
    const r = run(dir, [deployedRecord('v1', v1, migrations('20260101000000_create_notes'))]);
    await expect(r.result).rejects.toMatchObject({
      exitCode: ExitCode.Unhealthy,
      message:
        'Not deployed: the new migrations would break v1, which runs in staging while the new version rolls out (and after a rollback).',
      details: expect.arrayContaining([
        expect.stringMatching(/^unsafe migrations\/20260201000000_drop_body\.ts:\d+ /),
      ]),
    });
    expect(info).toEqual(['Checking the migrations added since v1 (running in staging)...']);
  });

  it('an additive release passes and says so; its record gets the new head', async () => {
    const { dir, v1 } = await checkout('v2-additive');
    const r = run(dir, [deployedRecord('v1', v1, migrations('20260101000000_create_notes'))]);
    expect(await r.result).toEqual({
      head: '20260201000000_add_pinned_and_tags',
      contract: false,
      contracts: [],
      checkSkipped: false,
    });
    expect(info[1]).toBe('The 1 new migration(s) are safe for v1.');
  });

  it('after a safe static pass, the Docker proof: its failure refuses the deploy with the old tests that broke', async () => {
    const { dir, v1 } = await checkout('v2-additive');
    const running = [deployedRecord('v1', v1, migrations('20260101000000_create_notes'))];
    const proved: string[][] = [];
    const result = (safe: boolean): ProofResult => ({
      old: { ref: v1, sha: v1, image: 'notes-service:test-old' },
      newImage: 'notes-service:test',
      migrations: ['migrations/20260201000000_add_pinned_and_tags.ts'],
      safe,
      tests: { passed: safe ? 12 : 11, failed: safe ? 0 : 1, total: 12 },
      ...(safe
        ? {}
        : {
            failure: {
              stage: 'old-tests' as const,
              message: '1 of the old tests failed on the new schema',
              output: [],
              failingTests: [
                { file: 'test/notes.test.ts', name: 'lists notes', message: ['column missing'] },
              ],
            },
          }),
      runId: 'r1',
      ms: 1000,
    });
    const unsafe = run(dir, running, false, async (report) => {
      proved.push(report.migrations.map((m) => m.file));
      return { ran: true, result: result(false) };
    });
    await expect(unsafe.result).rejects.toMatchObject({
      exitCode: ExitCode.Unhealthy,
      message:
        'Not deployed: v1, which runs in staging while the new version rolls out (and after a rollback), fails on the new schema.',
      details: expect.arrayContaining([expect.stringContaining('lists notes')]),
    });
    expect(proved).toEqual([['migrations/20260201000000_add_pinned_and_tags.ts']]);
    const safe = run(dir, running, false, async () => ({ ran: true, result: result(true) }));
    await expect(safe.result).resolves.toMatchObject({ head: '20260201000000_add_pinned_and_tags' });
    expect(info.at(-1)).toBe(
      'The 1 new migration(s) are safe for v1, proven in Docker (its readiness and tests on the new schema).',
    );
    // A static refusal never starts the proof.
    const { dir: dropDir, v1: dropV1 } = await checkout('v2-drop-column');
    let started = 0;
    const refused = run(
      dropDir,
      [deployedRecord('v1', dropV1, migrations('20260101000000_create_notes'))],
      false,
      async () => {
        started += 1;
        return { ran: false, reason: 'x' };
      },
    );
    await expect(refused.result).rejects.toMatchObject({ exitCode: ExitCode.Unhealthy });
    expect(started).toBe(0);
  });

  it('--skip-migration-check: no check, no records read, recorded as skipped', async () => {
    const { dir, v1 } = await checkout('v2-drop-column');
    const r = run(dir, [deployedRecord('v1', v1, migrations('20260101000000_create_notes'))], true);
    expect(await r.result).toMatchObject({ head: '20260201000000_drop_body', checkSkipped: true });
    expect(r.reads()).toBe(0);
    expect(info).toEqual([]);
  });

  it('no migration newer than the running head: no check', async () => {
    const { dir, v1 } = await checkout('v2-drop-column');
    const r = run(dir, [deployedRecord('v1', v1, migrations('20260201000000_drop_body'))]);
    expect(await r.result).toMatchObject({ head: '20260201000000_drop_body' });
    expect(info).toEqual([]);
  });
});
