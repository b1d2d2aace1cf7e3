// lsvc rollback: the deploy flow with an existing version, nothing built or uploaded.
import { CreateApplicationVersionCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';

import { rollback, type RollbackOptions, versionBefore } from '../../src/deploy/deploy.js';
import { BUCKET, ENV, FakeEb, NAMES, SERVICE, TIMINGS } from './deploy-fakes.js';

const options = (over: Partial<RollbackOptions> = {}): RollbackOptions => ({
  names: NAMES,
  envName: ENV,
  detach: false,
  timings: TIMINGS,
  ...over,
});

const day = 86_400_000;

/** v0 (3 days ago), v1 (2 days), v2 (1 day: running), v3 (an hour ago: staging only, never here). */
function withHistory(): FakeEb {
  const fake = new FakeEb({ label: 'v2' });
  const now = fake.clock.now();
  const version = (label: string, age: number, status = 'PROCESSED') => ({
    ApplicationName: SERVICE,
    VersionLabel: label,
    Description: `git ${label.padEnd(40, '0').replace('v', 'a')} · Ann · ${label}`,
    DateCreated: new Date(now - age),
    Status: status as never,
    SourceBundle: { S3Bucket: BUCKET, S3Key: `${SERVICE}/${label}.zip` },
  });
  fake.versions.clear();
  for (const v of [
    version('v0', 3 * day),
    version('v1', 2 * day),
    version('v2', day),
    version('v3', 3_600_000),
  ]) {
    fake.versions.set(v.VersionLabel, v);
  }
  return fake;
}

const labels = (fake: FakeEb) =>
  fake.ebMock.commandCalls(UpdateEnvironmentCommand).map((c) => c.args[0].input.VersionLabel);

describe('lsvc rollback', () => {
  it('picks the version created before the running one (not a newer one), says so, and waits until healthy', async () => {
    const fake = withHistory();
    const result = await rollback(fake.deps(), options());
    expect(result).toMatchObject({
      outcome: 'deployed',
      version: 'v1',
      previousVersion: 'v2',
      environment: 'demo-staging',
    });
    expect(labels(fake)).toEqual(['v1']);
    expect(fake.reporter.lines[0]).toBe(
      'Rolling back demo-staging from v2 to v1: the newest version created before it (2026-11-26T10:00:00.000Z). Pass --to to pick another.',
    );
    // Nothing built, uploaded or created.
    expect(fake.ebMock.commandCalls(CreateApplicationVersionCommand)).toHaveLength(0);
    expect(fake.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(fake.output()).toContain('Rolled back to v1: demo-staging is Ready and Green');
  });

  it('skips versions that failed processing', async () => {
    const fake = withHistory();
    const v1 = fake.versions.get('v1');
    if (v1) v1.Status = 'FAILED' as never;
    const result = await rollback(fake.deps(), options());
    expect(result.version).toBe('v0');
  });

  it('--to goes to the given version', async () => {
    const fake = withHistory();
    const result = await rollback(fake.deps(), options({ to: 'v0' }));
    expect(result.version).toBe('v0');
    expect(labels(fake)).toEqual(['v0']);
  });

  it('--to an unknown version: exit 2 listing recent ones', async () => {
    const fake = withHistory();
    await expect(rollback(fake.deps(), options({ to: 'v9' }))).rejects.toMatchObject({
      exitCode: 2,
      message: 'There is no application version "v9" in demo.',
      hint: 'Recent versions: v3, v2, v1, v0. See "lsvc releases".',
    });
    expect(labels(fake)).toEqual([]);
  });

  it('--to the running version does nothing', async () => {
    const fake = withHistory();
    const result = await rollback(fake.deps(), options({ to: 'v2' }));
    expect(result.outcome).toBe('deployed');
    expect(labels(fake)).toEqual([]);
    expect(fake.output()).toContain('demo-staging already runs v2: nothing to do.');
  });

  it('no older version: exit 2', async () => {
    const fake = withHistory();
    fake.versions.delete('v0');
    fake.versions.delete('v1');
    await expect(rollback(fake.deps(), options())).rejects.toMatchObject({
      exitCode: 2,
      message: 'There is no version older than v2 to roll back to.',
    });
  });

  it('when the older version is unhealthy too, goes back to the one that ran: exit 6', async () => {
    const fake = withHistory();
    fake.scripts.set('v1', [
      { at: 0, status: 'Updating', events: [['INFO', 'Environment update is starting.']] },
      { at: 20_000, events: [['ERROR', 'Failed to deploy application.']] },
      { at: 30_000, status: 'Ready', health: 'Red', healthStatus: 'Severe' },
    ]);
    await expect(rollback(fake.deps(), options())).rejects.toMatchObject({
      exitCode: 6,
      message:
        'Rollback of v1 to demo-staging failed and was rolled back: demo-staging runs v2 again (Ready, Green).',
    });
    expect(labels(fake)).toEqual(['v1', 'v2']);
  });
});

describe('versionBefore', () => {
  const v = (label: string, status = 'Processed') => ({ VersionLabel: label, Status: status as never });
  it('takes the next deployable version after the current one (newest first)', () => {
    expect(versionBefore([v('c'), v('b'), v('a')], 'b')?.VersionLabel).toBe('a');
    expect(versionBefore([v('c'), v('b', 'Failed'), v('a')], 'c')?.VersionLabel).toBe('a');
    expect(versionBefore([v('c'), v('b')], 'x')?.VersionLabel).toBe('c');
    expect(versionBefore([v('c')], 'c')).toBeUndefined();
  });
});
