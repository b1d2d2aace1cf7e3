// The deletions of `lsvc destroy`, in an order that works: alarms first (no alerts while things
// go down), the app before its data, the database and Redis started and waited for together, then
// what they used (subnet groups, security groups) and the instances' role. Each step treats
// "already gone" as done, so a second run (after a timeout or Ctrl-C) finishes the job.
import { DeleteAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { DeleteRepositoryCommand } from '@aws-sdk/client-ecr';
import { DescribeEnvironmentsCommand, TerminateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import {
  DeleteCacheParameterGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
} from '@aws-sdk/client-elasticache';
import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DeleteTopicCommand } from '@aws-sdk/client-sns';

import type { Step } from '../progress.js';
import { deleteParameter } from '../aws/ssm.js';
import { send, sendOrMissing } from '../aws/call.js';
import { pollUntil, type PollOptions, retryWhile, type Waiting } from '../aws/poll.js';
import type { DestroyClients } from './clients.js';
import { deleteParameters } from '../endpoints/parameters.js';
import type { DestroyPlan, DestroyTarget } from './plan.js';

export interface Timeouts {
  environment: number;
  database: number;
  redis: number;
  /** Security groups and subnet groups stay "in use" for a while after their users go. */
  inUse: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  environment: 30 * 60_000,
  database: 40 * 60_000,
  redis: 30 * 60_000,
  inUse: 10 * 60_000,
};

const SECRET_RECOVERY_DAYS = 7;
const NO_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];
const RERUN = 'run the same "lsvc destroy" again to finish.';

export function destroySteps(
  c: DestroyClients,
  t: DestroyTarget,
  p: DestroyPlan,
  timing: Waiting,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): Step[] {
  const { names } = t;
  const waitFor = <T>(o: Omit<PollOptions<T>, keyof Waiting | 'rerun'>) =>
    pollUntil({ ...timing, ...o, rerun: RERUN });
  const retry = <T>(
    what: string,
    retryOn: readonly string[],
    timeoutMs: number,
    fn: () => Promise<T>,
    output?: (line: string) => void,
  ) => retryWhile({ ...timing, what, retryOn, timeoutMs, output }, fn);
  const steps: Step[] = [];

  if (p.alarms.length) {
    steps.push({
      title: `Delete ${p.alarms.length} alarm(s)`,
      run: async () => {
        for (let i = 0; i < p.alarms.length; i += 100) {
          const batch = p.alarms.slice(i, i + 100);
          await send('cloudwatch', c.cloudwatch, new DeleteAlarmsCommand({ AlarmNames: batch }));
        }
      },
    });
  }

  // Before the environment goes: no caller's next provision or deploy is pointed at it.
  if (p.endpoints.length) {
    steps.push({
      title: `Delete the endpoint parameters (${p.endpoints.length})`,
      run: async () => {
        await deleteParameters(c.ssm, p.endpoints);
      },
    });
  }

  if (p.environment) {
    const env = p.environment;
    steps.push({
      title: `Terminate Elastic Beanstalk environment ${env.name}`,
      run: async (step) => {
        const state = async () => {
          const out = await send(
            'elasticbeanstalk',
            c.eb,
            new DescribeEnvironmentsCommand({
              ApplicationName: names.application,
              EnvironmentNames: [names.environment],
              IncludeDeleted: true,
            }),
          );
          // Newest first: an older terminated namesake may be listed too.
          const all = (out.Environments ?? [])
            .filter((e) => e.EnvironmentName === names.environment)
            .sort((a, b) => (b.DateUpdated?.getTime() ?? 0) - (a.DateUpdated?.getTime() ?? 0));
          return all[0]?.Status ?? 'Terminated';
        };
        const current = await state();
        if (current !== 'Terminating' && current !== 'Terminated') {
          // EB refuses while another operation runs ("invalid state"): wait it out, then terminate.
          await retry(
            'terminate',
            ['InvalidParameterValue', 'InvalidParameterValueException'],
            timeouts.environment,
            () =>
              send(
                'elasticbeanstalk',
                c.eb,
                new TerminateEnvironmentCommand({
                  EnvironmentName: names.environment,
                  TerminateResources: true,
                }),
              ),
            (line) => {
              step.output(line);
            },
          );
        }
        await waitFor({
          what: `${names.environment} to terminate`,
          timeoutMs: timeouts.environment,
          check: state,
          done: (s) => s === 'Terminated',
          describe: (s) => s,
          output: (line) => {
            step.output(line);
          },
        });
      },
    });
  }

  const db = p.database;
  if (db) {
    steps.push({
      title: db.finalSnapshot
        ? `Delete RDS instance ${db.id} (final snapshot ${db.finalSnapshot})`
        : `Delete RDS instance ${db.id} (no final snapshot)`,
      run: async (step) => {
        if (db.status === 'deleting') return;
        if (db.deletionProtection) {
          step.output('turning deletion protection off');
          await send(
            'rds',
            c.rds,
            new ModifyDBInstanceCommand({
              DBInstanceIdentifier: db.id,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          );
        }
        // Not while it is being created or modified, nor before protection is really off.
        await retry(
          'delete',
          ['InvalidDBInstanceStateFault', 'InvalidDBInstanceState', 'InvalidParameterCombination'],
          timeouts.database,
          async () => {
            await sendOrMissing(
              'rds',
              c.rds,
              new DeleteDBInstanceCommand({
                DBInstanceIdentifier: db.id,
                ...(db.finalSnapshot
                  ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: db.finalSnapshot }
                  : { SkipFinalSnapshot: true }),
              }),
              ['DBInstanceNotFoundFault', 'DBInstanceNotFound'],
            );
          },
          (line) => {
            step.output(line);
          },
        );
      },
    });
  }

  if (p.redis) {
    const id = p.redis.id;
    const status = p.redis.status;
    steps.push({
      title: `Delete ElastiCache replication group ${id}`,
      run: async (step) => {
        if (status === 'deleting') return;
        await retry(
          'delete',
          ['InvalidReplicationGroupStateFault', 'InvalidReplicationGroupState'],
          timeouts.redis,
          async () => {
            await sendOrMissing(
              'elasticache',
              c.elasticache,
              new DeleteReplicationGroupCommand({ ReplicationGroupId: id, RetainPrimaryCluster: false }),
              ['ReplicationGroupNotFoundFault'],
            );
          },
          (line) => {
            step.output(line);
          },
        );
      },
    });
  }

  if (p.topicArn) {
    const arn = p.topicArn;
    steps.push({
      title: `Delete SNS topic ${names.alarmTopic}`,
      run: async () => {
        await sendOrMissing('sns', c.sns, new DeleteTopicCommand({ TopicArn: arn }), [
          'NotFoundException',
          'NotFound',
        ]);
      },
    });
  }

  if (p.parameters.length) {
    steps.push({
      title: `Delete ${p.parameters.length} SSM parameter(s)`,
      run: async (step) => {
        for (const name of p.parameters) {
          await deleteParameter(c.ssm, name);
          step.output(name);
        }
      },
    });
  }

  if (p.secrets.length) {
    steps.push({
      title: `Schedule ${p.secrets.length} secret(s) for deletion (${SECRET_RECOVERY_DAYS}-day recovery window)`,
      run: async (step) => {
        for (const name of p.secrets) {
          await sendOrMissing(
            'secretsmanager',
            c.secrets,
            new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: SECRET_RECOVERY_DAYS }),
            ['ResourceNotFoundException'],
          ).catch((error: unknown) => {
            // Already scheduled: fine.
            if ((error as { name?: string }).name !== 'InvalidRequestException') throw error;
          });
          step.output(name);
        }
      },
    });
  }

  if (db || p.redis) {
    steps.push({
      title: `Wait until ${[db ? 'the database' : '', p.redis ? 'Redis' : ''].filter(Boolean).join(' and ')} ${db && p.redis ? 'are' : 'is'} gone (several minutes)`,
      run: async (step) => {
        const line: Record<string, string> = {};
        const show = (key: string, text: string) => {
          line[key] = text;
          step.output(Object.values(line).join(' · '));
        };
        await Promise.all([
          db
            ? waitFor({
                what: `RDS instance ${db.id} to be deleted`,
                timeoutMs: timeouts.database,
                check: async () =>
                  (
                    await sendOrMissing(
                      'rds',
                      c.rds,
                      new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.id }),
                      ['DBInstanceNotFoundFault', 'DBInstanceNotFound'],
                    )
                  )?.DBInstances?.[0]?.DBInstanceStatus ?? 'deleted',
                done: (s) => s === 'deleted',
                describe: (s) => `database ${s}`,
                output: (text) => {
                  show('db', text);
                },
              })
            : undefined,
          p.redis
            ? waitFor({
                what: `replication group ${p.redis.id} to be deleted`,
                timeoutMs: timeouts.redis,
                check: async () =>
                  (
                    await sendOrMissing(
                      'elasticache',
                      c.elasticache,
                      new DescribeReplicationGroupsCommand({ ReplicationGroupId: p.redis?.id }),
                      ['ReplicationGroupNotFoundFault'],
                    )
                  )?.ReplicationGroups?.[0]?.Status ?? 'deleted',
                done: (s) => s === 'deleted',
                describe: (s) => `Redis ${s}`,
                output: (text) => {
                  show('redis', text);
                },
              })
            : undefined,
        ]);
      },
    });
  }

  const leftovers = [
    p.dbSubnetGroup ? `DB subnet group ${p.dbSubnetGroup}` : '',
    p.cacheSubnetGroup ? `cache subnet group ${p.cacheSubnetGroup}` : '',
    p.cacheParameterGroups.length ? 'cache parameter group' : '',
    p.securityGroups.length ? 'security groups' : '',
  ].filter(Boolean);
  if (leftovers.length) {
    steps.push({
      title: `Delete ${leftovers.join(', ')}`,
      run: async (step) => {
        const output = (text: string) => {
          step.output(text);
        };
        const inUse = (what: string, codes: string[], fn: () => Promise<unknown>) =>
          retry(what, codes, timeouts.inUse, fn, output);
        if (p.dbSubnetGroup) {
          const name = p.dbSubnetGroup;
          await inUse(name, ['InvalidDBSubnetGroupStateFault'], () =>
            sendOrMissing('rds', c.rds, new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name }), [
              'DBSubnetGroupNotFoundFault',
            ]),
          );
        }
        if (p.cacheSubnetGroup) {
          const name = p.cacheSubnetGroup;
          await inUse(name, ['CacheSubnetGroupInUse'], () =>
            sendOrMissing(
              'elasticache',
              c.elasticache,
              new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: name }),
              ['CacheSubnetGroupNotFoundFault'],
            ),
          );
        }
        for (const name of p.cacheParameterGroups) {
          await inUse(name, ['InvalidCacheParameterGroupStateFault'], () =>
            sendOrMissing(
              'elasticache',
              c.elasticache,
              new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: name }),
              ['CacheParameterGroupNotFoundFault', 'CacheParameterGroupNotFound'],
            ),
          );
        }
        // database and redis first: their rules reference the instances group.
        for (const g of p.securityGroups) {
          await inUse(g.name, ['DependencyViolation', 'InvalidGroup.InUse'], () =>
            sendOrMissing('ec2', c.ec2, new DeleteSecurityGroupCommand({ GroupId: g.id }), [
              'InvalidGroup.NotFound',
              'InvalidGroupId.NotFound',
            ]),
          );
        }
      },
    });
  }

  if (p.instanceProfile || p.instanceRole) {
    const name = names.instanceRole;
    steps.push({
      title: `Delete IAM instance profile and role ${name}`,
      run: async () => {
        if (p.instanceProfile) {
          await sendOrMissing(
            'iam',
            c.iam,
            new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }),
            NO_ENTITY,
          );
          await sendOrMissing(
            'iam',
            c.iam,
            new DeleteInstanceProfileCommand({ InstanceProfileName: name }),
            NO_ENTITY,
          );
        }
        if (p.instanceRole) {
          const inline = await sendOrMissing(
            'iam',
            c.iam,
            new ListRolePoliciesCommand({ RoleName: name }),
            NO_ENTITY,
          );
          for (const policy of inline?.PolicyNames ?? []) {
            await sendOrMissing(
              'iam',
              c.iam,
              new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }),
              NO_ENTITY,
            );
          }
          const attached = await sendOrMissing(
            'iam',
            c.iam,
            new ListAttachedRolePoliciesCommand({ RoleName: name }),
            NO_ENTITY,
          );
          for (const policy of attached?.AttachedPolicies ?? []) {
            await sendOrMissing(
              'iam',
              c.iam,
              new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy.PolicyArn }),
              NO_ENTITY,
            );
          }
          await sendOrMissing('iam', c.iam, new DeleteRoleCommand({ RoleName: name }), NO_ENTITY);
        }
      },
    });
  }

  if (p.repository) {
    const repo = p.repository;
    steps.push({
      title: `Delete ECR repository ${repo.name} and its ${repo.images} image(s)`,
      run: async () => {
        await sendOrMissing(
          'ecr',
          c.ecr,
          new DeleteRepositoryCommand({ repositoryName: repo.name, force: true }),
          ['RepositoryNotFoundException'],
        );
      },
    });
  }
  return steps;
}
