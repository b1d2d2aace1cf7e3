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
import { call, callOrMissing, type DestroyClients, pollUntil, retryWhile, type Timing } from './aws.js';
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

export function destroySteps(
  c: DestroyClients,
  t: DestroyTarget,
  p: DestroyPlan,
  timing: Timing,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): Step[] {
  const { names } = t;
  const steps: Step[] = [];

  if (p.alarms.length) {
    steps.push({
      title: `Delete ${p.alarms.length} alarm(s)`,
      run: async () => {
        for (let i = 0; i < p.alarms.length; i += 100) {
          const batch = p.alarms.slice(i, i + 100);
          await call('cloudwatch:DeleteAlarms', () =>
            c.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: batch })),
          );
        }
      },
    });
  }

  if (p.environment) {
    const env = p.environment;
    steps.push({
      title: `Terminate Elastic Beanstalk environment ${env.name}`,
      run: async (step) => {
        const state = async () => {
          const out = await call('elasticbeanstalk:DescribeEnvironments', () =>
            c.eb.send(
              new DescribeEnvironmentsCommand({
                ApplicationName: names.application,
                EnvironmentNames: [names.environment],
                IncludeDeleted: true,
              }),
            ),
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
          await retryWhile(
            'terminate',
            ['InvalidParameterValue', 'InvalidParameterValueException'],
            timing,
            timeouts.environment,
            () =>
              call('elasticbeanstalk:TerminateEnvironment', () =>
                c.eb.send(
                  new TerminateEnvironmentCommand({
                    EnvironmentName: names.environment,
                    TerminateResources: true,
                  }),
                ),
              ),
            (line) => {
              step.output(line);
            },
          );
        }
        await pollUntil({
          what: `${names.environment} to terminate`,
          timing,
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
          await call('rds:ModifyDBInstance', () =>
            c.rds.send(
              new ModifyDBInstanceCommand({
                DBInstanceIdentifier: db.id,
                DeletionProtection: false,
                ApplyImmediately: true,
              }),
            ),
          );
        }
        // Not while it is being created or modified, nor before protection is really off.
        await retryWhile(
          'delete',
          ['InvalidDBInstanceStateFault', 'InvalidDBInstanceState', 'InvalidParameterCombination'],
          timing,
          timeouts.database,
          async () => {
            await callOrMissing(
              'rds:DeleteDBInstance',
              ['DBInstanceNotFoundFault', 'DBInstanceNotFound'],
              () =>
                c.rds.send(
                  new DeleteDBInstanceCommand({
                    DBInstanceIdentifier: db.id,
                    ...(db.finalSnapshot
                      ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: db.finalSnapshot }
                      : { SkipFinalSnapshot: true }),
                  }),
                ),
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
        await retryWhile(
          'delete',
          ['InvalidReplicationGroupStateFault', 'InvalidReplicationGroupState'],
          timing,
          timeouts.redis,
          async () => {
            await callOrMissing('elasticache:DeleteReplicationGroup', ['ReplicationGroupNotFoundFault'], () =>
              c.elasticache.send(
                new DeleteReplicationGroupCommand({ ReplicationGroupId: id, RetainPrimaryCluster: false }),
              ),
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
        await callOrMissing('sns:DeleteTopic', ['NotFoundException', 'NotFound'], () =>
          c.sns.send(new DeleteTopicCommand({ TopicArn: arn })),
        );
      },
    });
  }

  if (p.secrets.length) {
    steps.push({
      title: `Schedule ${p.secrets.length} secret(s) for deletion (${SECRET_RECOVERY_DAYS}-day recovery window)`,
      run: async (step) => {
        for (const name of p.secrets) {
          await callOrMissing('secretsmanager:DeleteSecret', ['ResourceNotFoundException'], () =>
            c.secrets.send(
              new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: SECRET_RECOVERY_DAYS }),
            ),
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
            ? pollUntil({
                what: `RDS instance ${db.id} to be deleted`,
                timing,
                timeoutMs: timeouts.database,
                check: async () =>
                  (
                    await callOrMissing(
                      'rds:DescribeDBInstances',
                      ['DBInstanceNotFoundFault', 'DBInstanceNotFound'],
                      () => c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.id })),
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
            ? pollUntil({
                what: `replication group ${p.redis.id} to be deleted`,
                timing,
                timeoutMs: timeouts.redis,
                check: async () =>
                  (
                    await callOrMissing(
                      'elasticache:DescribeReplicationGroups',
                      ['ReplicationGroupNotFoundFault'],
                      () =>
                        c.elasticache.send(
                          new DescribeReplicationGroupsCommand({ ReplicationGroupId: p.redis?.id }),
                        ),
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
          retryWhile(what, codes, timing, timeouts.inUse, fn, output);
        if (p.dbSubnetGroup) {
          const name = p.dbSubnetGroup;
          await inUse(name, ['InvalidDBSubnetGroupStateFault'], () =>
            callOrMissing('rds:DeleteDBSubnetGroup', ['DBSubnetGroupNotFoundFault'], () =>
              c.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name })),
            ),
          );
        }
        if (p.cacheSubnetGroup) {
          const name = p.cacheSubnetGroup;
          await inUse(name, ['CacheSubnetGroupInUse'], () =>
            callOrMissing('elasticache:DeleteCacheSubnetGroup', ['CacheSubnetGroupNotFoundFault'], () =>
              c.elasticache.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: name })),
            ),
          );
        }
        for (const name of p.cacheParameterGroups) {
          await inUse(name, ['InvalidCacheParameterGroupStateFault'], () =>
            callOrMissing(
              'elasticache:DeleteCacheParameterGroup',
              ['CacheParameterGroupNotFoundFault', 'CacheParameterGroupNotFound'],
              () =>
                c.elasticache.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: name })),
            ),
          );
        }
        // database and redis first: their rules reference the instances group.
        for (const g of p.securityGroups) {
          await inUse(g.name, ['DependencyViolation', 'InvalidGroup.InUse'], () =>
            callOrMissing(
              'ec2:DeleteSecurityGroup',
              ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'],
              () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: g.id })),
            ),
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
          await callOrMissing('iam:RemoveRoleFromInstanceProfile', NO_ENTITY, () =>
            c.iam.send(
              new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }),
            ),
          );
          await callOrMissing('iam:DeleteInstanceProfile', NO_ENTITY, () =>
            c.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })),
          );
        }
        if (p.instanceRole) {
          const inline = await callOrMissing('iam:ListRolePolicies', NO_ENTITY, () =>
            c.iam.send(new ListRolePoliciesCommand({ RoleName: name })),
          );
          for (const policy of inline?.PolicyNames ?? []) {
            await callOrMissing('iam:DeleteRolePolicy', NO_ENTITY, () =>
              c.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy })),
            );
          }
          const attached = await callOrMissing('iam:ListAttachedRolePolicies', NO_ENTITY, () =>
            c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })),
          );
          for (const policy of attached?.AttachedPolicies ?? []) {
            await callOrMissing('iam:DetachRolePolicy', NO_ENTITY, () =>
              c.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy.PolicyArn })),
            );
          }
          await callOrMissing('iam:DeleteRole', NO_ENTITY, () =>
            c.iam.send(new DeleteRoleCommand({ RoleName: name })),
          );
        }
      },
    });
  }

  if (p.repository) {
    const repo = p.repository;
    steps.push({
      title: `Delete ECR repository ${repo.name} and its ${repo.images} image(s)`,
      run: async () => {
        await callOrMissing('ecr:DeleteRepository', ['RepositoryNotFoundException'], () =>
          c.ecr.send(new DeleteRepositoryCommand({ repositoryName: repo.name, force: true })),
        );
      },
    });
  }
  return steps;
}
