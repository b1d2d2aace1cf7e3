// The SDK clients `lsvc pipeline` uses, all made by makeClient (same credentials, region, retries).
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

import { type AwsClientTarget, makeClient } from '../aws/clients.js';
import { makeS3Client } from '../aws/s3.js';
import type { PipelineClients } from './types.js';

export function makePipelineClients(target: AwsClientTarget): PipelineClients {
  return {
    sts: makeClient(STSClient, target),
    iam: makeClient(IAMClient, target),
    s3: makeS3Client(target),
    ecr: makeClient(ECRClient, target),
    sns: makeClient(SNSClient, target),
    codebuild: makeClient(CodeBuildClient, target),
    codepipeline: makeClient(CodePipelineClient, target),
    connections: makeClient(CodeStarConnectionsClient, target),
    events: makeClient(EventBridgeClient, target),
  };
}

export function destroyPipelineClients(clients: Partial<PipelineClients>): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}
