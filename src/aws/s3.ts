// S3 for release bundles: upload once, recognise an object as "the same bundle" by a SHA-256 kept
// in its metadata (an ETag is not a content hash under SSE-KMS or multipart uploads).
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { send, sendOrMissing } from './call.js';
import { type AwsClientTarget, type CallStops, makeClient } from './clients.js';

/** The metadata key (x-amz-meta-lsvc-sha256) holding the hex SHA-256 of the body. */
export const SHA256_METADATA = 'lsvc-sha256';

/**
 * An S3 client made like every other (makeClient), plus path-style addressing when an endpoint
 * override points at an emulator (LocalStack, moto): bucket subdomains of 127.0.0.1 do not resolve.
 */
export function makeS3Client(
  target: AwsClientTarget,
  env: NodeJS.ProcessEnv = process.env,
  stop: CallStops = {},
): S3Client {
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return makeClient(S3Client, target, { ...stop, env, extra: custom ? { forcePathStyle: true } : {} });
}

/** S3's "no such object" (HEAD answers a bare 404, NotFound; GET says NoSuchKey). */
export const S3_MISSING = ['NotFound', 'NoSuchKey'] as const;

/** The SHA-256 lsvc recorded on an object; undefined when the object is absent or has none. */
export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const head = await sendOrMissing('s3', s3, new HeadObjectCommand({ Bucket: bucket, Key: key }), S3_MISSING);
  return head?.Metadata?.[SHA256_METADATA];
}

export interface Upload {
  bucket: string;
  key: string;
  body: Buffer;
  sha256: string;
  contentType?: string;
}

/** Put the object unless the key already holds the same content; says which it did. */
export async function uploadIfChanged(s3: S3Client, u: Upload): Promise<{ uploaded: boolean }> {
  if ((await objectSha256(s3, u.bucket, u.key)) === u.sha256) return { uploaded: false };
  await send(
    's3',
    s3,
    new PutObjectCommand({
      Bucket: u.bucket,
      Key: u.key,
      Body: u.body,
      ContentType: u.contentType ?? 'application/zip',
      Metadata: { [SHA256_METADATA]: u.sha256 },
    }),
  );
  return { uploaded: true };
}
