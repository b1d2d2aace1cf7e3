// An IAM role with one inline policy: created, or its trust and policy brought up to date.
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';

import { decodePolicyDocument, type PolicyDocument, samePolicy } from '../../aws/iam.js';
import { resourceTags } from '../../aws/names.js';
import { send, sendOrMissing } from '../../aws/call.js';
import { ROLE_POLICY_NAME, type ServiceTrust } from '../policies.js';
import type { PipelineContext, PipelineResource } from '../types.js';

const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];

export interface RoleSpec {
  name: string;
  description: string;
  /** Computed at inspect time: they name ARNs learned by earlier resources. */
  trust: () => ServiceTrust;
  policy: () => PolicyDocument;
}

export function roleArn(ctx: PipelineContext, name: string): string {
  const { partition, account } = ctx.known.scope;
  return `arn:${partition}:iam::${account}:role/${name}`;
}

export function pipelineRole(ctx: PipelineContext, spec: RoleSpec): PipelineResource {
  const iam = ctx.clients.iam;
  const { name } = spec;
  const putPolicy = (policy: PolicyDocument) =>
    send(
      'iam',
      iam,
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: ROLE_POLICY_NAME,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
  return {
    kind: 'iam-role',
    name,
    async inspect() {
      const trust = spec.trust();
      const policy = spec.policy();
      const role = await sendOrMissing('iam', iam, new GetRoleCommand({ RoleName: name }), NO_SUCH_ENTITY);
      if (!role) {
        return {
          action: 'create',
          details: [
            spec.description,
            `inline policy ${ROLE_POLICY_NAME}: ${policy.Statement.map((s) => s.Sid).join(', ')}`,
          ],
          apply: async () => {
            await send(
              'iam',
              iam,
              new CreateRoleCommand({
                RoleName: name,
                Description: `${spec.description} Managed by lsvc.`,
                AssumeRolePolicyDocument: JSON.stringify(trust),
                Tags: resourceTags(ctx.service, 'pipeline').filter((t) => t.Key !== 'lsvc:environment'),
              }),
            );
            await putPolicy(policy);
          },
        };
      }
      const current = await sendOrMissing(
        'iam',
        iam,
        new GetRolePolicyCommand({ RoleName: name, PolicyName: ROLE_POLICY_NAME }),
        NO_SUCH_ENTITY,
      );
      const trustDiffers =
        !role.Role?.AssumeRolePolicyDocument ||
        !samePolicy(decodePolicyDocument(role.Role.AssumeRolePolicyDocument), trust);
      const policyDiffers =
        !current?.PolicyDocument || !samePolicy(decodePolicyDocument(current.PolicyDocument), policy);
      if (!trustDiffers && !policyDiffers) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [
          ...(trustDiffers ? ['trust policy'] : []),
          ...(policyDiffers ? [`inline policy ${ROLE_POLICY_NAME}`] : []),
        ],
        apply: async () => {
          if (trustDiffers) {
            await send(
              'iam',
              iam,
              new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(trust) }),
            );
          }
          if (policyDiffers) await putPolicy(policy);
        },
      };
    },
  };
}
