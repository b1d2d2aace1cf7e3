// The pieces of `lsvc pipeline init`: the same shape as provision's (inspect read-only, then
// apply), over the pipeline's own resources and clients.
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';

import type { ArnScope } from '../aws/iam.js';
import type { PipelineNames, ResourceNames } from '../aws/names.js';
import type { Action } from '../provision/types.js';
import type { ResolvedPipeline } from './settings.js';

export type { Action };

export interface PipelineClients {
  sts: STSClient;
  iam: IAMClient;
  s3: S3Client;
  ecr: ECRClient;
  sns: SNSClient;
  codebuild: CodeBuildClient;
  codepipeline: CodePipelineClient;
  connections: CodeStarConnectionsClient;
  events: EventBridgeClient;
}

export type PipelineKind =
  | 'artifact-bucket'
  | 'connection'
  | 'iam-role'
  | 'codebuild-project'
  | 'pipeline'
  | 'topic-policy'
  | 'event-rule'
  | 'oidc-provider'
  | 'workflow-file';

export interface PipelineRow {
  kind: PipelineKind;
  name: string;
  action: Action;
  details: string[];
}

/** Waits for IAM: a role just created may not be assumable by CodeBuild/CodePipeline yet. */
export interface PipelineTiming {
  sleep: (ms: number) => Promise<void>;
  /** Between two tries, and how many. */
  retryMs: number;
  retries: number;
}

export interface PipelineKnown {
  scope: ArnScope;
  repositoryUri?: string;
  connectionArn?: string;
  /** AVAILABLE, PENDING, ERROR; undefined while the connection is still to be created. */
  connectionStatus?: string;
  topicArns: Record<string, string>;
  oidcProviderArn?: string;
}

export interface PipelineContext {
  service: string;
  region: string;
  /** The directory holding lsvc.yml (the github provider writes .github/workflows there). */
  root: string;
  settings: ResolvedPipeline;
  names: PipelineNames;
  /** Resource names of each pipeline environment, in pipeline order. */
  envNames: Record<string, ResourceNames>;
  /** The services the pipeline's environments call (lsvc.yml dependsOn): deploys read their URLs. */
  dependsOn: string[];
  clients: PipelineClients;
  timing: PipelineTiming;
  known: PipelineKnown;
  /** Things to do by hand or to know (the connection handshake, GitHub reviewers). */
  notes: string[];
}

export interface PipelineInspection {
  action: Action;
  details: string[];
  apply?: () => Promise<void>;
}

export interface PipelineResource {
  kind: PipelineKind;
  name: string;
  /** Read-only: Describe/List/Get calls only; records what it learns in ctx.known. */
  inspect(): Promise<PipelineInspection>;
}
