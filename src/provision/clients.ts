// The SDK clients provision uses, all made by makeClient (same credentials, region, retries).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

import { type AwsClientTarget, makeClient } from '../aws/clients.js';
import type { ProvisionClients } from './types.js';

export function makeProvisionClients(target: AwsClientTarget): ProvisionClients {
  return {
    sts: makeClient(STSClient, target),
    ecr: makeClient(ECRClient, target),
    eb: makeClient(ElasticBeanstalkClient, target),
    iam: makeClient(IAMClient, target),
    sns: makeClient(SNSClient, target),
    ec2: makeClient(EC2Client, target),
    rds: makeClient(RDSClient, target),
    secrets: makeClient(SecretsManagerClient, target),
    elasticache: makeClient(ElastiCacheClient, target),
    cloudwatch: makeClient(CloudWatchClient, target),
    ssm: makeClient(SSMClient, target),
  };
}

export function destroyClients(clients: ProvisionClients): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}
