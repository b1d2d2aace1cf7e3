// The pipeline's artifact bucket: private, tagged, old artifacts expire (every build leaves some).
import {
  CreateBucketCommand,
  type BucketLocationConstraint,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';

import { resourceTags } from '../../aws/names.js';
import { AwsError } from '../../errors.js';
import { send } from '../../aws/call.js';
import { classifyAwsError } from '../../aws/errors.js';
import type { PipelineContext, PipelineResource } from '../types.js';

export const ARTIFACT_DAYS = 30;

export function artifactBucketName(ctx: PipelineContext): string {
  return ctx.names.artifactBucket(ctx.known.scope.account, ctx.region);
}

async function bucketState(ctx: PipelineContext, bucket: string): Promise<'mine' | 'missing'> {
  try {
    await ctx.clients.s3.send(
      new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: ctx.known.scope.account }),
    );
    return 'mine';
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return 'missing';
    if (status === 403) {
      throw new AwsError(`The artifact bucket ${bucket} exists but this account cannot use it.`, {
        hint: 'Another account owns the name, or s3:ListBucket is denied: check "lsvc iam-policy".',
        cause: error,
      });
    }
    throw classifyAwsError(error, { action: 's3:ListBucket' });
  }
}

export function artifactBucket(ctx: PipelineContext): PipelineResource {
  const s3 = ctx.clients.s3;
  return {
    kind: 'artifact-bucket',
    get name() {
      return artifactBucketName(ctx);
    },
    async inspect() {
      const bucket = artifactBucketName(ctx);
      if ((await bucketState(ctx, bucket)) === 'mine') return { action: 'unchanged', details: [] };
      return {
        action: 'create',
        details: ['private (public access blocked)', `artifacts expire after ${ARTIFACT_DAYS} days`],
        apply: async () => {
          await send(
            's3',
            s3,
            new CreateBucketCommand({
              Bucket: bucket,
              ...(ctx.region === 'us-east-1'
                ? {}
                : {
                    CreateBucketConfiguration: { LocationConstraint: ctx.region as BucketLocationConstraint },
                  }),
            }),
          );
          await send(
            's3',
            s3,
            new PutPublicAccessBlockCommand({
              Bucket: bucket,
              PublicAccessBlockConfiguration: {
                BlockPublicAcls: true,
                IgnorePublicAcls: true,
                BlockPublicPolicy: true,
                RestrictPublicBuckets: true,
              },
            }),
          );
          await send(
            's3',
            s3,
            new PutBucketLifecycleConfigurationCommand({
              Bucket: bucket,
              LifecycleConfiguration: {
                Rules: [
                  {
                    ID: 'expire-artifacts',
                    Status: 'Enabled',
                    Filter: { Prefix: '' },
                    Expiration: { Days: ARTIFACT_DAYS },
                  },
                ],
              },
            }),
          );
          const tags = resourceTags(ctx.service, 'pipeline').filter((t) => t.Key !== 'lsvc:environment');
          await send('s3', s3, new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags } }));
        },
      };
    },
  };
}
