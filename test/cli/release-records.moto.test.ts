// Release records (src/releases/) against moto's S3: written at the start and with the outcome
// under one key, listed newest first in one call, the last good one found past failed, aborted
// and unfinished ones, and what is not a record (or is from a newer lsvc) handled.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  finished,
  newRelease,
  parseRecord,
  type ReleaseOutcome,
  type ReleaseRecord,
} from '../../src/releases/record.js';
import {
  lastGoodRelease,
  listReleaseRecords,
  releaseKey,
  releasePrefix,
  writeReleaseRecord,
} from '../../src/releases/store.js';
import { ensureMoto, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const s3 = new S3Client({ ...MOTO_SDK, forcePathStyle: true });
const bucket = `elasticbeanstalk-us-east-1-rel${uniqueSuffix()}`;
const store = { s3, bucket };
const where = { service: 'shop', environment: 'staging' };
const HOUR = 3_600_000;
const t0 = Date.parse('2026-11-20T09:00:00Z');

beforeAll(async () => {
  await ensureMoto();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
  if (objects.length)
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

function release(version: string, at: number, environment = 'staging'): ReleaseRecord {
  return newRelease({
    service: 'shop',
    environment,
    kind: 'deploy',
    version,
    previousVersion: undefined,
    git: { sha: `${version}000000000000`, dirty: false },
    now: at,
    env: {
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTOR: 'ann',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '42',
    },
  });
}

async function deployed(version: string, at: number, outcome: ReleaseOutcome, environment = 'staging') {
  const r = release(version, at, environment);
  await writeReleaseRecord(store, r);
  if (outcome !== 'in-progress') await writeReleaseRecord(store, finished(r, outcome, at + 300_000));
  return r;
}

describe('release records in S3', () => {
  it('the start and the outcome are one object; listed newest first with who and where', async () => {
    const r = release('v1', t0);
    await writeReleaseRecord(store, r);
    await writeReleaseRecord(store, finished(r, 'deployed', t0 + 240_000));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: releasePrefix(where) }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([releaseKey(r)]);
    const [back] = await listReleaseRecords(store, where);
    expect(back).toEqual({
      ...r,
      outcome: 'deployed',
      finishedAt: '2026-11-20T09:04:00.000Z',
      by: 'ann',
      ci: { provider: 'github', run: 'https://github.com/acme/shop/actions/runs/42' },
      git: { sha: 'v1000000000000', dirty: false },
    });
  });

  it('after failed, aborted and unfinished deploys, the last good one is the one that passed its bake', async () => {
    await deployed('v2', t0 + 1 * HOUR, 'deployed');
    await deployed('v3', t0 + 2 * HOUR, 'rolled-back');
    await deployed('v4', t0 + 3 * HOUR, 'failed');
    await deployed('v5', t0 + 4 * HOUR, 'aborted');
    await deployed('v6', t0 + 5 * HOUR, 'in-progress');
    await deployed('v9', t0 + 6 * HOUR, 'deployed', 'production');

    const all = await listReleaseRecords(store, where);
    expect(all.map((r) => `${r.version} ${r.outcome}`)).toEqual([
      'v6 in-progress',
      'v5 aborted',
      'v4 failed',
      'v3 rolled-back',
      'v2 deployed',
      'v1 deployed',
    ]);
    expect((await listReleaseRecords(store, where, { limit: 2 })).map((r) => r.version)).toEqual([
      'v6',
      'v5',
    ]);

    const { good, skipped } = await lastGoodRelease(store, where);
    expect(good?.version).toBe('v2');
    expect(skipped.map((r) => r.version)).toEqual(['v6', 'v5', 'v4', 'v3']);
    // The version running now is not a place to go back to.
    expect((await lastGoodRelease(store, where, { exclude: ['v2'] })).good?.version).toBe('v1');
    expect((await lastGoodRelease(store, { ...where, environment: 'production' })).good?.version).toBe('v9');
  });

  it('skips objects that are not records; keeps what a newer lsvc added', async () => {
    const other = { service: 'shop', environment: 'qa' };
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${releasePrefix(other)}0000000000000-junk.json`,
        Body: 'not json',
      }),
    );
    const newer = { ...release('v7', t0, 'qa'), schema: 2, region: 'eu-west-1', outcome: 'canary-passed' };
    await writeReleaseRecord(store, newer);
    const [back, ...rest] = await listReleaseRecords(store, other);
    expect(rest).toEqual([]);
    expect(back).toMatchObject({ version: 'v7', schema: 2, region: 'eu-west-1', outcome: 'canary-passed' });
    expect((await lastGoodRelease(store, other)).good).toBeUndefined();
  });

  it('a bucket that does not exist yet has no releases', async () => {
    await expect(listReleaseRecords({ s3, bucket: `${bucket}-none` }, where)).resolves.toEqual([]);
  });
});

describe('parseRecord', () => {
  it('refuses what lacks the required fields', () => {
    expect(parseRecord({ schema: 1, version: 'v1' })).toBeUndefined();
    expect(parseRecord(null)).toBeUndefined();
  });

  it('an optional part (the migration check) round-trips', () => {
    const r = {
      ...release('v8', t0),
      migrations: { head: '20261120_add_index', contract: false, checkSkipped: true },
    };
    expect(parseRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });
});
