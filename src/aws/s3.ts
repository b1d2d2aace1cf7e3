// S3 for release bundles: upload once, recognise an object as "the same bundle" by a SHA-256 kept
// in its metadata (an ETag is not a content hash under SSE-KMS or multipart uploads).
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { AwsError } from '../errors.js';
import { asAwsError, type AwsClientTarget, clientConfig } from './clients.js';

/** The metadata key (x-amz-meta-lsvc-sha256) holding the hex SHA-256 of the body. */
export const SHA256_METADATA = 'lsvc-sha256';

/**
 * An S3 client configured like every other (clientConfig), plus path-style addressing when an
 * endpoint override points at an emulator (LocalStack, moto): bucket subdomains of 127.0.0.1
 * do not resolve.
 */
export function makeS3Client(target: AwsClientTarget, env: NodeJS.ProcessEnv = process.env): S3Client {
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return new S3Client({ ...clientConfig(target), ...(custom ? { forcePathStyle: true } : {}) });
}

function s3Error(error: unknown, action: string): unknown {
  const mapped = asAwsError(error, action);
  if (mapped !== error) return mapped;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e?.name === 'Forbidden' || e?.$metadata?.httpStatusCode === 403) {
    return new AwsError(`Access denied: ${action} is not allowed for these credentials.`, {
      hint: `Grant ${action} on the Elastic Beanstalk bucket (see "lsvc iam-policy"), or use another --profile.`,
      cause: error,
    });
  }
  return error;
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** The SHA-256 lsvc recorded on an object; undefined when the object is absent or has none. */
export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.[SHA256_METADATA];
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw s3Error(error, 's3:GetObject');
  }
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
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: u.bucket,
        Key: u.key,
        Body: u.body,
        ContentType: u.contentType ?? 'application/zip',
        Metadata: { [SHA256_METADATA]: u.sha256 },
      }),
    );
  } catch (error) {
    throw s3Error(error, 's3:PutObject');
  }
  return { uploaded: true };
}
