// lsvc rollback: the deploy flow with an existing version, nothing built or uploaded.
import { CreateApplicationVersionCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';

import {
  deploy,
  type DeployOptions,
  rollback,
  type RollbackOptions,
  versionBefore,
} from '../../src/deploy/deploy.js';
import {
  BUCKET,
  ENV,
  FakeEb,
  healthyRollout,
  NAMES,
  type Phase,
  recordedOutcomes,
  REPOSITORY_URI,
  SERVICE,
  TIMINGS,
} from './deploy-fakes.js';

const deployOptions = (over: Partial<DeployOptions> = {}): DeployOptions => ({
  names: NAMES,
  envName: ENV,
  version: 'v2',
  description: 'git 0123456789abcdef0123456789abcdef01234567 · Ann · change',
  repositoryUri: REPOSITORY_URI,
  dirty: false,
  git: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
  rollback: true,
  detach: false,
  timings: TIMINGS,
  ...over,
});

/** Deployed to the instances, then Red: the deploy fails after the grace period. */
const failsThenRed = (label: string): Phase[] => [
  ...healthyRollout(label).slice(0, 3),
  { at: 40_000, status: 'Ready', label, health: 'Red', healthStatus: 'Severe', causes: ['HTTP 5xx'] },
];

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
      'Rolling back demo-staging from v2 to v1: no release record says which version last passed its bake, so the newest version created before it (2026-11-26T10:00:00.000Z). Pass --to to pick another.',
    );
    // Nothing built, uploaded or created; only the rollback's release record written.
    expect(fake.ebMock.commandCalls(CreateApplicationVersionCommand)).toHaveLength(0);
    expect(fake.s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      expect.stringMatching(/^lsvc\/releases\/demo\/staging\/\d{13}-\w+-\w+\.json$/),
      expect.stringMatching(/^lsvc\/releases\/demo\/staging\//),
    ]);
    expect(recordedOutcomes(fake.objects)).toEqual(['v1 deployed']);
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

  it('--to the running version says so and changes nothing', async () => {
    const fake = withHistory();
    const result = await rollback(fake.deps(), options({ to: 'v2' }));
    expect(result.outcome).toBe('unchanged');
    expect(labels(fake)).toEqual([]);
    expect(fake.reporter.lines).toEqual([
      'demo-staging already runs v2: nothing to do, nothing was changed.',
    ]);
    expect(recordedOutcomes(fake.objects)).toEqual([]);
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
    expect(recordedOutcomes(fake.objects)).toEqual(['v1 rolled-back']);
  });
});

describe('lsvc rollback after failed and aborted deploys', () => {
  /** v2 deployed; v3 failed and rolled back; v4 failed and left (--no-rollback); v5 aborted by Ctrl-C. */
  async function history(): Promise<FakeEb> {
    const fake = new FakeEb({ label: 'v1' });
    const run = async (version: string, over: Partial<DeployOptions> = {}, deps = fake.deps()) =>
      deploy(deps, deployOptions({ version, ...over })).catch((error: unknown) => error);
    fake.clock.sleptMs += 3_600_000;
    await run('v2');
    fake.scripts.set('v3', failsThenRed('v3'));
    fake.clock.sleptMs += 3_600_000;
    await run('v3');
    fake.scripts.set('v4', failsThenRed('v4'));
    fake.clock.sleptMs += 3_600_000;
    await run('v4', { rollback: false });
    fake.clock.sleptMs += 3_600_000;
    const interrupt = new AbortController();
    const reporter = fake.reporter;
    await run(
      'v5',
      {},
      fake.deps({
        signal: interrupt.signal,
        reporter: {
          ...reporter,
          event: (e) => {
            reporter.event(e);
            if (e.message.startsWith('Deploying new version')) interrupt.abort();
          },
        },
      }),
    );
    return fake;
  }

  it('records every outcome, and goes back to the last release that passed its bake, saying why', async () => {
    const fake = await history();
    expect(recordedOutcomes(fake.objects)).toEqual([
      'v5 aborted',
      'v4 failed',
      'v3 rolled-back',
      'v2 deployed',
    ]);
    // EB left v4 running (no rollback), the abort of v5 went back to it.
    expect(fake.environment().VersionLabel).toBe('v4');
    fake.reporter.lines.length = 0;
    const result = await rollback(fake.deps(), options());
    expect(result).toMatchObject({ outcome: 'deployed', version: 'v2', previousVersion: 'v4' });
    expect(labels(fake).at(-1)).toBe('v2');
    expect(fake.reporter.lines[0]).toMatch(
      /^Rolling back demo-staging from v4 to v2: the last release that deployed and passed its bake \(2026-11-28 11:\d\d UTC, by \S+, git 0123456789ab\)\. Passed over: v5 \(aborted\), v3 \(failed, rolled back\)\. Pass --to to pick another\.$/,
    );
    expect(recordedOutcomes(fake.objects)[0]).toBe('v2 deployed');
  });

  it('without records, the newest older version that no record calls a failure', async () => {
    const fake = await history();
    // Forget the good record: only failures are known.
    for (const [key, o] of fake.objects)
      if (o.body.includes('"outcome": "deployed"')) fake.objects.delete(key);
    const result = await rollback(fake.deps(), options());
    expect(result.version).toBe('v2');
    expect(fake.output()).toContain('that did not fail (v5, v4, v3 did)');
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
