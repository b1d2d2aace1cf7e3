// IAM: the Elastic Beanstalk service role (shared by the service's environments), and the
// environment's instance role (least-privilege inline policy) with its instance profile.
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';

import {
  decodePolicyDocument,
  INSTANCE_POLICY_NAME,
  instancePolicy,
  samePolicy,
  serviceRoleManagedPolicies,
  trustPolicy,
} from '../../aws/iam.js';
import { LsvcError } from '../../errors.js';
import { send, sendOrMissing } from '../../aws/call.js';
import { envTags, serviceTags } from '../tags.js';
import { type ProvisionContext, type Resource, waitingIn } from '../types.js';
import { pollUntil } from '../../aws/poll.js';

const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];

function roleArn(ctx: ProvisionContext, name: string): string {
  const { partition, account } = ctx.known.scope;
  return `arn:${partition}:iam::${account}:role/${name}`;
}

export function serviceRole(ctx: ProvisionContext): Resource {
  const name = ctx.names.serviceRole;
  const iam = ctx.clients.iam;
  const wanted = serviceRoleManagedPolicies(ctx.known.scope.partition);
  const attach = (arns: string[]) =>
    Promise.all(
      arns.map((arn) => send('iam', iam, new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }))),
    );
  return {
    kind: 'iam-role',
    name,
    async inspect() {
      const role = await sendOrMissing('iam', iam, new GetRoleCommand({ RoleName: name }), NO_SUCH_ENTITY);
      ctx.known.serviceRoleArn = role?.Role?.Arn ?? roleArn(ctx, name);
      if (!role) {
        return {
          action: 'create',
          details: [
            'Elastic Beanstalk service role',
            ...wanted.map((arn) => `managed policy ${arn.split('/').pop()}`),
          ],
          apply: async () => {
            const created = await send(
              'iam',
              iam,
              new CreateRoleCommand({
                RoleName: name,
                Description: `Elastic Beanstalk service role of ${ctx.service} (enhanced health, managed updates). Managed by lsvc.`,
                AssumeRolePolicyDocument: JSON.stringify(trustPolicy('elasticbeanstalk.amazonaws.com')),
                Tags: serviceTags(ctx),
              }),
            );
            ctx.known.serviceRoleArn = created.Role?.Arn ?? roleArn(ctx, name);
            await attach(wanted);
          },
        };
      }
      const attached = await send('iam', iam, new ListAttachedRolePoliciesCommand({ RoleName: name }));
      const have = new Set((attached.AttachedPolicies ?? []).map((p) => p.PolicyArn));
      const missing = wanted.filter((arn) => !have.has(arn));
      if (!missing.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: missing.map((arn) => `attach managed policy ${arn.split('/').pop()}`),
        apply: async () => {
          await attach(missing);
        },
      };
    },
  };
}

export function instanceRole(ctx: ProvisionContext): Resource {
  const name = ctx.names.instanceRole;
  const iam = ctx.clients.iam;
  const document = () => instancePolicy(ctx.known.scope, ctx.names, ctx.service, ctx.environment.name);
  const putPolicy = () =>
    send(
      'iam',
      iam,
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: INSTANCE_POLICY_NAME,
        PolicyDocument: JSON.stringify(document()),
      }),
    );
  return {
    kind: 'iam-role',
    name,
    async inspect() {
      const role = await sendOrMissing('iam', iam, new GetRoleCommand({ RoleName: name }), NO_SUCH_ENTITY);
      if (!role) {
        return {
          action: 'create',
          details: [
            'role of the EC2 instances',
            `inline policy ${INSTANCE_POLICY_NAME}: pull ${ctx.names.repository}, write ${ctx.names.logGroupPrefix}/*, read lsvc/${ctx.service}/${ctx.environment.name}/* secrets`,
          ],
          apply: async () => {
            await send(
              'iam',
              iam,
              new CreateRoleCommand({
                RoleName: name,
                Description: `EC2 instances of ${ctx.names.environment}. Managed by lsvc.`,
                AssumeRolePolicyDocument: JSON.stringify(trustPolicy('ec2.amazonaws.com')),
                Tags: envTags(ctx),
              }),
            );
            await putPolicy();
          },
        };
      }
      const inline = await sendOrMissing(
        'iam',
        iam,
        new GetRolePolicyCommand({ RoleName: name, PolicyName: INSTANCE_POLICY_NAME }),
        NO_SUCH_ENTITY,
      );
      const current = inline?.PolicyDocument ? decodePolicyDocument(inline.PolicyDocument) : undefined;
      if (current && samePolicy(current, document())) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [`inline policy ${INSTANCE_POLICY_NAME}: ${current ? "differs from lsvc's" : 'missing'}`],
        apply: async () => {
          await putPolicy();
        },
      };
    },
  };
}

export function instanceProfile(ctx: ProvisionContext): Resource {
  const name = ctx.names.instanceRole;
  const iam = ctx.clients.iam;
  const addRole = () =>
    send('iam', iam, new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  // IAM is eventually consistent: make sure the profile answers with its role before EB uses it.
  const settle = {
    title: `Wait for instance profile ${name}`,
    run: async (c: ProvisionContext) => {
      await pollUntil({
        what: `instance profile ${name}`,
        ...waitingIn(c.timing, undefined),
        timeoutMs: c.timing.timeoutMs.iam,
        check: () =>
          sendOrMissing(
            'iam',
            iam,
            new GetInstanceProfileCommand({ InstanceProfileName: name }),
            NO_SUCH_ENTITY,
          ),
        done: (p) => Boolean(p?.InstanceProfile?.Roles?.some((r) => r.RoleName === name)),
        describe: (p) => (p ? 'role not attached yet' : 'not visible yet'),
        hint: 'Check the instance profile in the IAM console.',
      });
      c.known.instanceProfileReady = true;
    },
  };
  return {
    kind: 'instance-profile',
    name,
    async inspect() {
      const profile = await sendOrMissing(
        'iam',
        iam,
        new GetInstanceProfileCommand({ InstanceProfileName: name }),
        NO_SUCH_ENTITY,
      );
      if (!profile) {
        return {
          action: 'create',
          details: [`holds role ${name}`],
          apply: async () => {
            await send(
              'iam',
              iam,
              new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: envTags(ctx) }),
            );
            await addRole();
          },
          settle,
        };
      }
      const roles = (profile.InstanceProfile?.Roles ?? []).map((r) => r.RoleName);
      if (roles.includes(name)) {
        ctx.known.instanceProfileReady = true;
        return { action: 'unchanged', details: [] };
      }
      if (roles.length) {
        const problem = `Instance profile ${name} holds role ${roles.join(', ')} instead of ${name}.`;
        return {
          action: 'update',
          details: [`holds role ${roles.join(', ')} instead of ${name}`],
          apply: async () => {
            throw new LsvcError(problem, {
              hint: `Remove that role from the profile (aws iam remove-role-from-instance-profile --instance-profile-name ${name} --role-name ${roles[0] ?? ''}), then run lsvc provision again.`,
            });
          },
        };
      }
      return {
        action: 'update',
        details: [`add role ${name}`],
        apply: async () => {
          await addRole();
        },
        settle,
      };
    },
  };
}
