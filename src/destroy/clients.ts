// The SDK clients `lsvc destroy` uses, all made by makeClient (src/aws/clients.ts). Its calls go
// through src/aws/call.ts (send / sendOrMissing: "already gone" answers read as undefined).
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

import { makeClient, type AwsClientTarget } from '../aws/clients.js';

export interface DestroyClients {
  eb: ElasticBeanstalkClient;
  cloudwatch: CloudWatchClient;
  rds: RDSClient;
  elasticache: ElastiCacheClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  ec2: EC2Client;
  iam: IAMClient;
  ecr: ECRClient;
  /** The endpoint parameters provision published (/lsvc/<env>/<service>/url, /openapi). */
  ssm: SSMClient;
}

export async function makeDestroyClients(target: AwsClientTarget): Promise<DestroyClients> {
  const [eb, cw, rds, ec, sns, sm, ec2, iam, ecr, ssm] = await Promise.all([
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-rds'),
    import('@aws-sdk/client-elasticache'),
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/client-secrets-manager'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-ecr'),
    import('@aws-sdk/client-ssm'),
  ]);
  return {
    eb: makeClient(eb.ElasticBeanstalkClient, target),
    cloudwatch: makeClient(cw.CloudWatchClient, target),
    rds: makeClient(rds.RDSClient, target),
    elasticache: makeClient(ec.ElastiCacheClient, target),
    sns: makeClient(sns.SNSClient, target),
    secrets: makeClient(sm.SecretsManagerClient, target),
    ec2: makeClient(ec2.EC2Client, target),
    iam: makeClient(iam.IAMClient, target),
    ecr: makeClient(ecr.ECRClient, target),
    ssm: makeClient(ssm.SSMClient, target),
  };
}
