// Where release records live: one small JSON object per release in the account's Elastic
// Beanstalk storage bucket (elasticbeanstalk-<region>-<account>, where deploy already puts the
// source bundles), under
//
//   lsvc/releases/<service>/<env>/<inverted start time>-<id>.json
//
// Why S3 there: the bucket exists wherever lsvc deploys, the credentials that deploy may already
// write to it, an object holds a whole record (an SSM parameter holds 4 KB and 100 versions),
// and with the inverted time in the key one ListObjectsV2 answers "the newest N" in order (S3
// lists keys in ascending order). A deploy writes its record twice under the same key: at the
// start (in-progress, so a killed run is visible) and with its outcome.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { send, sendOrMissing } from '../aws/call.js';
import { S3_MISSING } from '../aws/s3.js';
import { isGood, parseRecord, type ReleaseRecord } from './record.js';

export interface ReleaseStore {
  s3: Pick<S3Client, 'send'>;
  /** The Elastic Beanstalk storage bucket. */
  bucket: string;
}

export interface ReleaseWhere {
  service: string;
  /** lsvc.yml environment name. */
  environment: string;
}

// Past any time lsvc will see (year 2286); a fixed width keeps the keys sortable as text.
const LATEST = 9_999_999_999_999;

export function releasePrefix(w: ReleaseWhere): string {
  return `lsvc/releases/${w.service}/${w.environment}/`;
}

export function releaseKey(r: ReleaseRecord): string {
  const inverted = String(LATEST - Date.parse(r.startedAt)).padStart(13, '0');
  return `${releasePrefix(r)}${inverted}-${r.id}.json`;
}

/** Write a release's record (its start, then its outcome: the same key). */
export async function writeReleaseRecord(store: ReleaseStore, record: ReleaseRecord): Promise<void> {
  await send(
    's3',
    store.s3,
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: releaseKey(record),
      Body: `${JSON.stringify(record, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

async function readRelease(store: ReleaseStore, key: string): Promise<ReleaseRecord | undefined> {
  const out = await sendOrMissing('s3', store.s3, new GetObjectCommand({ Bucket: store.bucket, Key: key }), [
    ...S3_MISSING,
  ]);
  const text = await out?.Body?.transformToString();
  if (!text) return undefined;
  try {
    return parseRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export interface ListOptions {
  /** At most this many (newest first); default 20. */
  limit?: number;
}

/** The environment's releases, newest first. Objects that are not records are skipped. */
export async function listReleaseRecords(
  store: ReleaseStore,
  where: ReleaseWhere,
  opts: ListOptions = {},
): Promise<ReleaseRecord[]> {
  const limit = opts.limit ?? 20;
  const listed = await sendOrMissing(
    's3',
    store.s3,
    new ListObjectsV2Command({ Bucket: store.bucket, Prefix: releasePrefix(where), MaxKeys: limit }),
    ['NoSuchBucket'],
  );
  const keys = (listed?.Contents ?? [])
    .flatMap((o) => (o.Key?.endsWith('.json') ? [o.Key] : []))
    .sort()
    .slice(0, limit);
  const records = await Promise.all(keys.map((key) => readRelease(store, key)));
  return records.filter((r): r is ReleaseRecord => r !== undefined);
}

export interface LastGoodOptions {
  /** Versions not to pick (the one running now). */
  exclude?: readonly string[];
  /** How far back to look (records); default 50. */
  depth?: number;
}

/** The newest release that deployed and passed its bake, if any. */
export async function lastGoodRelease(
  store: ReleaseStore,
  where: ReleaseWhere,
  opts: LastGoodOptions = {},
): Promise<{ good: ReleaseRecord | undefined; skipped: ReleaseRecord[] }> {
  const records = await listReleaseRecords(store, where, { limit: opts.depth ?? 50 });
  const skipped: ReleaseRecord[] = [];
  for (const r of records) {
    if (isGood(r) && !opts.exclude?.includes(r.version)) return { good: r, skipped };
    skipped.push(r);
  }
  return { good: undefined, skipped };
}
