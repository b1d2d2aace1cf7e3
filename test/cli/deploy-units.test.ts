// The small pieces of deploy: durations, git facts, descriptions, S3 upload skipping, alarms,
// event colours.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import { isInvalidState, isThrottling, versionStatus } from '../../src/aws/eb.js';
import { uploadIfChanged } from '../../src/aws/s3.js';
import { newlyFiring } from '../../src/deploy/alarms.js';
import { budgeted, CallBudget } from '../../src/deploy/budget.js';
import { VirtualClock } from '../../src/clock.js';
import { formatDuration, parseDuration } from '../../src/duration.js';
import { releaseDescription, shaFromDescription, versionOf } from '../../src/deploy/git-info.js';
import { readGitState } from '../../src/git.js';
import { formatEvent } from '../../src/deploy/report.js';
import { makePaint } from '../../src/ui.js';
import { isolatedGitEnv, removeDir, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['45', 45_000],
    ['1.5m', 90_000],
    ['7d', 604_800_000],
    ['3d12h', 302_400_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it.each(['', 'soon', '15 m', '10x', 'm5'])('rejects %j (exit 2)', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(`--timeout "${text}" is not a duration.`);
  });

  it('formats', () => {
    expect([250, 4000, 95_000, 1_200_000, 3_661_000].map(formatDuration)).toEqual([
      '0.3s',
      '4s',
      '1m35s',
      '20m',
      '1h1m1s',
    ]);
  });
});

describe('git facts of a release', () => {
  it('the version is the commit sha12, -dirty with local changes (as lsvc build tags)', async () => {
    const dir = await tempDir();
    cleanup.push(dir);
    const env = { ...process.env, ...(await isolatedGitEnv()) };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
    git('init', '-q');
    await writeFile(join(dir, 'a.txt'), 'a');
    git('add', '.');
    git('-c', 'user.name=Ann Lee', '-c', 'user.email=ann@example.com', 'commit', '-qm', 'Add notes search');
    const clean = await readGitState(dir);
    if (!clean.repo) throw new Error('expected a commit');
    expect(versionOf(clean)).toBe(clean.sha.slice(0, 12));
    expect(releaseDescription(clean, versionOf(clean))).toBe(
      `git ${clean.sha} · Ann Lee <ann@example.com> · Add notes search`,
    );
    await writeFile(join(dir, 'a.txt'), 'b');
    const dirty = await readGitState(dir);
    if (!dirty.repo) throw new Error('expected a commit');
    expect(versionOf(dirty)).toBe(`${clean.sha.slice(0, 12)}-dirty`);
    expect(releaseDescription(dirty, versionOf(dirty))).toMatch(/^git [0-9a-f]{40} dirty · Ann Lee/);
  });

  it('describes a release in at most 200 characters, and finds the sha again', () => {
    const git = { sha: 'a'.repeat(40), dirty: false, author: 'Ann Lee', message: 'x'.repeat(300) };
    const text = releaseDescription(git, 'aaaaaaaaaaaa');
    expect(text).toHaveLength(200);
    expect(text.startsWith(`git ${'a'.repeat(40)} · Ann Lee · xxx`)).toBe(true);
    expect(shaFromDescription(text)).toBe('a'.repeat(40));
    expect(releaseDescription({ ...git, dirty: true, message: 'm' }, 'v')).toBe(
      `git ${'a'.repeat(40)} dirty · Ann Lee · m`,
    );
    expect(releaseDescription(undefined, 'v9')).toBe('version v9 (no git information)');
    expect(shaFromDescription('uploaded by hand')).toBeUndefined();
  });
});

describe('S3 upload', () => {
  it('skips a key that holds the same content, uploads otherwise (with the sha in metadata)', async () => {
    const s3 = new S3Client({ region: 'eu-west-1' });
    const mock = mockClient(s3);
    mock
      .on(HeadObjectCommand)
      .rejectsOnce(
        Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      )
      .resolvesOnce({ Metadata: { 'lsvc-sha256': 'abc' } })
      .resolvesOnce({ Metadata: { 'lsvc-sha256': 'old' } });
    mock.on(PutObjectCommand).resolves({});
    const upload = { bucket: 'b', key: 'demo/v1.zip', body: Buffer.from('zip'), sha256: 'abc' };
    expect(await uploadIfChanged(s3, upload)).toEqual({ uploaded: true });
    expect(await uploadIfChanged(s3, upload)).toEqual({ uploaded: false });
    expect(await uploadIfChanged(s3, upload)).toEqual({ uploaded: true });
    const puts = mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(2);
    expect(puts[0]?.args[0].input).toMatchObject({
      Bucket: 'b',
      Key: 'demo/v1.zip',
      Metadata: { 'lsvc-sha256': 'abc' },
    });
  });

  it('access denied names the action (exit 5)', async () => {
    const s3 = new S3Client({ region: 'eu-west-1' });
    mockClient(s3)
      .on(HeadObjectCommand)
      .rejects(
        Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }),
      );
    await expect(
      uploadIfChanged(s3, { bucket: 'b', key: 'k', body: Buffer.from(''), sha256: 'x' }),
    ).rejects.toMatchObject({
      exitCode: 5,
      message: 'Access denied: s3:GetObject is not allowed for these credentials.',
    });
  });
});

describe('classifying AWS answers', () => {
  it('recognises throttling, busy environments and version statuses in either case', () => {
    expect(isThrottling(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))).toBe(true);
    expect(isThrottling(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(
      isThrottling(Object.assign(new Error('x'), { name: 'Other', $retryable: { throttling: true } })),
    ).toBe(true);
    expect(isThrottling(new Error('x'))).toBe(false);
    const busy = Object.assign(
      new Error('Environment named a-b is in an invalid state for this operation. Must be Ready.'),
      {
        name: 'InvalidParameterValue',
      },
    );
    expect(isInvalidState(busy)).toBe(true);
    expect(
      isInvalidState(
        Object.assign(new Error('No Application Version named x'), { name: 'InvalidParameterValue' }),
      ),
    ).toBe(false);
    expect(versionStatus({ Status: 'Processed' })).toBe('PROCESSED');
    expect(versionStatus({ Status: 'FAILED' as never })).toBe('FAILED');
  });

  it('counts alarms that fired after the start, or were not firing at the start', () => {
    const start = 1000;
    const alarms = [
      { name: 'a', reason: '', since: 500 }, // firing before, still: not ours
      { name: 'b', reason: '', since: 1500 }, // fired after the start
      { name: 'c', reason: '', since: 500 }, // not firing at the start (seen now): ours
      { name: 'd', reason: '', since: 2000 }, // was firing, recovered, fired again
    ];
    expect(newlyFiring(alarms, start, new Set(['a', 'd'])).map((a) => a.name)).toEqual(['b', 'c', 'd']);
  });

  it('colours events by severity', () => {
    const paint = makePaint(true);
    const line = (severity: string) =>
      formatEvent({ date: '2026-11-28T10:00:05Z', severity, message: 'm' }, paint, 'UTC');
    expect(line('INFO')).toBe('10:00:05  INFO   m');
    expect(line('ERROR')).toBe(paint.red('10:00:05  ERROR  m'));
    expect(line('FATAL')).toBe(paint.red('10:00:05  FATAL  m'));
    expect(line('WARN')).toBe(paint.yellow('10:00:05  WARN   m'));
    expect(paint.red('x')).not.toBe('x');
  });
});

describe('the call budget', () => {
  it('lets 30 calls through per rolling minute, then waits', async () => {
    const clock = new VirtualClock();
    const budget = new CallBudget(clock, 30);
    const start = clock.now();
    const times: number[] = [];
    for (let i = 0; i < 65; i++) {
      await budget.take();
      times.push(clock.now() - start);
    }
    expect(times.slice(0, 30).every((t) => t === 0)).toBe(true);
    expect(times[30]).toBe(61_000);
    expect(times[60]).toBe(122_000);
    for (let i = 30; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 30] ?? 0)).toBeGreaterThanOrEqual(60_000);
  });

  it('wraps a client: send waits for the budget, everything else is the client', async () => {
    const clock = new VirtualClock();
    const s3 = new S3Client({ region: 'eu-west-1' });
    mockClient(s3).on(PutObjectCommand).resolves({ ETag: 'x' });
    const limited = budgeted(s3, new CallBudget(clock, 1));
    expect(await limited.send(new PutObjectCommand({ Bucket: 'b', Key: 'k' }))).toMatchObject({ ETag: 'x' });
    await limited.send(new PutObjectCommand({ Bucket: 'b', Key: 'k' }));
    expect(clock.sleptMs).toBe(61_000);
    expect(limited.config).toBe(s3.config);
  });
});
