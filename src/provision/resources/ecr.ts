// ECR repository: scan on push, mutable tags (deploys also push `latest`), keep the last N images.
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';

import { samePolicy } from '../../aws/iam.js';
import { send, sendOrMissing } from '../../aws/call.js';
import { change } from '../diff.js';
import { serviceTags } from '../tags.js';
import type { ProvisionContext, Resource } from '../types.js';

export const KEEP_IMAGES = 30;

export function lifecyclePolicy(keep = KEEP_IMAGES) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${keep} images (lsvc)`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  };
}

export function ecrRepository(ctx: ProvisionContext): Resource {
  const name = ctx.names.repository;
  const ecr = ctx.clients.ecr;
  const policyText = JSON.stringify(lifecyclePolicy());
  const putLifecycle = () =>
    send(
      'ecr',
      ecr,
      new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: policyText }),
    );
  return {
    kind: 'ecr-repository',
    name,
    async inspect() {
      const found = await sendOrMissing(
        'ecr',
        ecr,
        new DescribeRepositoriesCommand({ repositoryNames: [name] }),
        ['RepositoryNotFoundException'],
      );
      const repo = found?.repositories?.[0];
      if (!repo) {
        return {
          action: 'create',
          details: ['scan on push', 'mutable tags', `lifecycle: keep the last ${KEEP_IMAGES} images`],
          apply: async () => {
            await send(
              'ecr',
              ecr,
              new CreateRepositoryCommand({
                repositoryName: name,
                imageScanningConfiguration: { scanOnPush: true },
                imageTagMutability: 'MUTABLE',
                tags: serviceTags(ctx),
              }),
            );
            await putLifecycle();
          },
        };
      }
      const lifecycle = await sendOrMissing(
        'ecr',
        ecr,
        new GetLifecyclePolicyCommand({ repositoryName: name }),
        ['LifecyclePolicyNotFoundException'],
      );
      const fixes: { detail: string; run: () => Promise<unknown> }[] = [];
      if (repo.imageScanningConfiguration?.scanOnPush !== true) {
        fixes.push({
          detail: change('scan on push', 'off', 'on'),
          run: () =>
            send(
              'ecr',
              ecr,
              new PutImageScanningConfigurationCommand({
                repositoryName: name,
                imageScanningConfiguration: { scanOnPush: true },
              }),
            ),
        });
      }
      if (repo.imageTagMutability !== 'MUTABLE') {
        fixes.push({
          detail: change('tag mutability', repo.imageTagMutability, 'MUTABLE'),
          run: () =>
            send(
              'ecr',
              ecr,
              new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'MUTABLE' }),
            ),
        });
      }
      const current = lifecycle?.lifecyclePolicyText
        ? (JSON.parse(lifecycle.lifecyclePolicyText) as unknown)
        : undefined;
      if (!current || !samePolicy(current, lifecyclePolicy())) {
        fixes.push({
          detail: `lifecycle: ${current ? 'differs' : 'none'} -> keep the last ${KEEP_IMAGES} images`,
          run: putLifecycle,
        });
      }
      if (!fixes.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: fixes.map((f) => f.detail),
        apply: async () => {
          for (const f of fixes) await f.run();
        },
      };
    },
  };
}
