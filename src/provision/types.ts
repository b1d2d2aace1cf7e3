// The pieces of `lsvc provision`: each AWS resource is an "ensure" (inspect read-only, then apply
// the change), and the run collects what is known about the account as it goes (ids, ARNs,
// endpoints) so that later resources can refer to earlier ones.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';

import type { ArnScope } from '../aws/iam.js';
import type { ResourceNames } from '../aws/names.js';
import type { Clock } from '../clock.js';
import type { ResolvedEnvironment } from '../config/schema.js';
import type { IdentitySecret } from '../identity/keys.js';
import type { StepContext } from '../progress.js';

export interface ProvisionClients {
  sts: STSClient;
  ecr: ECRClient;
  eb: ElasticBeanstalkClient;
  iam: IAMClient;
  sns: SNSClient;
  ec2: EC2Client;
  rds: RDSClient;
  secrets: SecretsManagerClient;
  elasticache: ElastiCacheClient;
  cloudwatch: CloudWatchClient;
  /** Parameter Store: the endpoints and JWKS this environment publishes, its dependencies' endpoints. */
  ssm: SSMClient;
}

export type Action = 'create' | 'update' | 'unchanged';

export type ResourceKind =
  | 'ecr-repository'
  | 'iam-role'
  | 'instance-profile'
  | 'eb-application'
  | 'sns-topic'
  | 'sns-subscription'
  | 'security-group'
  | 'db-subnet-group'
  | 'secret'
  | 'ssm-parameter'
  | 'rds-instance'
  | 'cache-subnet-group'
  | 'cache-parameter-group'
  | 'redis'
  | 'eb-environment'
  | 'alarm';

/** One line of the plan and of the result (`--json`: resources[]). */
export interface PlanRow {
  kind: ResourceKind;
  name: string;
  action: Action;
  /** What will be created with, or what differs ("instance type: t3.small -> t3.medium"). */
  details: string[];
}

/** Waits, clocks and limits: injectable so tests run in milliseconds. */
export interface Timing extends Pick<Clock, 'now' | 'sleep'> {
  /** Between two describe calls while waiting. */
  pollMs: number;
  /** Give up waiting (exit 7) after this long; the change goes on in AWS. */
  timeoutMs: { database: number; redis: number; environment: number; iam: number };
}

/** How a provision wait goes on after a timeout or Ctrl-C (the change goes on in AWS). */
export const PROVISION_RERUN = 'run "lsvc provision" again to pick up where it stopped.';

/** The poller's waiting settings (src/aws/poll.ts) for a provision step. */
export function waitingIn(timing: Timing, step: StepContext | undefined) {
  return {
    clock: timing,
    pollMs: timing.pollMs,
    signal: step?.signal,
    output: step
      ? (line: string) => {
          step.output(line);
        }
      : undefined,
    rerun: PROVISION_RERUN,
  };
}

export interface DatabaseSecretValue {
  username: string;
  password: string;
  engine: string;
  host: string;
  port: number;
  dbname: string;
  dbInstanceIdentifier: string;
}

/** What the run knows about the account; filled by inspections and applies, in resource order. */
export interface Known {
  scope: ArnScope;
  vpcId?: string;
  subnetIds?: string[];
  securityGroups: Partial<Record<'instances' | 'database' | 'redis', string>>;
  serviceRoleArn?: string;
  instanceProfileReady?: boolean;
  topicArn?: string;
  secretArn?: string;
  /** The secret's current value, once read or generated. */
  secretValue?: DatabaseSecretValue;
  /** The secret is created in this run: an existing database must get its password. */
  secretIsNew?: boolean;
  database?: { status: string; host?: string; port?: number };
  redis?: { status: string; host?: string; port?: number };
  platform?: string;
  /** The environment's base URL (its CNAME), once it exists. */
  environmentUrl?: string;
  /** The service identity's secret (ARN once it exists) and its value, once read or generated. */
  identity?: { arn?: string; value?: IdentitySecret };
}

/** Everything a resource needs: configuration, names, clients, timing, and what is known. */
export interface ProvisionContext {
  service: string;
  environment: ResolvedEnvironment;
  names: ResourceNames;
  region: string;
  clients: ProvisionClients;
  timing: Timing;
  known: Known;
  /** lsvc.yml dependsOn, resolved before the plan: <SERVICE>_URL -> the dependency's URL. */
  dependencies: Record<string, string>;
  /** Things the user should know that are not failures (printed after the summary). */
  warnings: string[];
}

/** What the resource is now and what would change; `apply` makes the change. */
export interface Inspection {
  action: Action;
  details: string[];
  /** Present unless the action is 'unchanged'. */
  apply?: (ctx: ProvisionContext, step: StepContext) => Promise<void>;
  /** A change AWS finishes in the background (minutes): waited for in a step of its own. */
  settle?: { title: string; run: (ctx: ProvisionContext, step: StepContext) => Promise<void> };
}

export interface Resource {
  kind: ResourceKind;
  name: string;
  /** Read-only: may only call Describe/List/Get; records what it learns in ctx.known. */
  inspect(ctx: ProvisionContext): Promise<Inspection>;
  /** Wait for every pending settle (database, Redis) before this resource is applied. */
  needsSettled?: boolean;
}
