// The github provider: the IAM OIDC identity provider for GitHub Actions (one per account), a
// deploy role this repository's deploy jobs may assume, and .github/workflows/deploy.yml.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';

import { ConfigError } from '../errors.js';
import { send } from '../aws/call.js';
import {
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_URL,
  githubDeployPolicy,
  githubTrust,
  STS_AUDIENCE,
} from './policies.js';
import { pipelineRole, roleArn } from './resources/roles.js';
import type { PipelineContext, PipelineResource } from './types.js';
import {
  PREVIEW_GITHUB_ENVIRONMENT,
  PREVIEW_WORKFLOW_PATH,
  previewWorkflowText,
  PRUNE_WORKFLOW_PATH,
  pruneWorkflowText,
  WORKFLOW_MARKER,
  WORKFLOW_PATH,
  workflowText,
} from './workflow.js';

// GitHub's certificate thumbprints: IAM no longer checks them for GitHub, but older APIs want one.
const THUMBPRINTS = ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'];

export function oidcProviderArn(ctx: PipelineContext): string {
  const { partition, account } = ctx.known.scope;
  return `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

export function oidcProvider(ctx: PipelineContext): PipelineResource {
  const iam = ctx.clients.iam;
  return {
    kind: 'oidc-provider',
    name: GITHUB_OIDC_HOST,
    async inspect() {
      const list = await send('iam', iam, new ListOpenIDConnectProvidersCommand({}));
      const arn = list.OpenIDConnectProviderList?.map((p) => p.Arn).find((a) =>
        a?.endsWith(`/${GITHUB_OIDC_HOST}`),
      );
      ctx.known.oidcProviderArn = arn ?? oidcProviderArn(ctx);
      if (!arn) {
        return {
          action: 'create',
          details: [`${GITHUB_OIDC_URL}, audience ${STS_AUDIENCE} (shared by the account's repositories)`],
          apply: async () => {
            const created = await send(
              'iam',
              iam,
              new CreateOpenIDConnectProviderCommand({
                Url: GITHUB_OIDC_URL,
                ClientIDList: [STS_AUDIENCE],
                ThumbprintList: THUMBPRINTS,
                Tags: [{ Key: 'managed-by', Value: 'lsvc' }],
              }),
            );
            ctx.known.oidcProviderArn = created.OpenIDConnectProviderArn ?? oidcProviderArn(ctx);
          },
        };
      }
      const provider = await send(
        'iam',
        iam,
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
      );
      if (provider.ClientIDList?.includes(STS_AUDIENCE)) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [`add audience ${STS_AUDIENCE}`],
        apply: async () => {
          await send(
            'iam',
            iam,
            new AddClientIDToOpenIDConnectProviderCommand({
              OpenIDConnectProviderArn: arn,
              ClientID: STS_AUDIENCE,
            }),
          );
        },
      };
    },
  };
}

/** Writes a workflow file; refuses to replace one that lsvc did not write. */
export function workflowFile(
  ctx: PipelineContext,
  relative: string,
  text: () => string,
  detail: string,
): PipelineResource {
  const path = join(ctx.root, relative);
  return {
    kind: 'workflow-file',
    name: relative,
    async inspect() {
      const wanted = text();
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === wanted) return { action: 'unchanged', details: [] };
      if (current !== undefined && !current.startsWith(WORKFLOW_MARKER)) {
        throw new ConfigError(`${relative} exists and was not written by lsvc: not replacing it.`, {
          hint: `Rename or remove it (it is yours), then run "lsvc pipeline init --provider github" again.`,
        });
      }
      return {
        action: current === undefined ? 'create' : 'update',
        details: [detail],
        apply: async () => {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, wanted);
        },
      };
    },
  };
}

/** The deploy workflow, and the preview ones when there is a base environment to borrow from. */
function workflowFiles(ctx: PipelineContext): PipelineResource[] {
  const roleArnValue = roleArn(ctx, ctx.names.githubRole);
  const base = ctx.settings.environments[0] ?? '';
  const preview = { service: ctx.service, region: ctx.region, roleArn: roleArnValue, base };
  return [
    workflowFile(
      ctx,
      WORKFLOW_PATH,
      () =>
        workflowText({
          service: ctx.service,
          region: ctx.region,
          roleArn: roleArnValue,
          branch: ctx.settings.branch,
          environments: ctx.settings.environments,
          approvalBefore: ctx.settings.approvalBefore,
        }),
      `deploy ${ctx.settings.environments.join(' -> ')} on push to ${ctx.settings.branch}`,
    ),
    workflowFile(
      ctx,
      PREVIEW_WORKFLOW_PATH,
      () => previewWorkflowText(preview),
      `a preview per pull request, from ${base} (lsvc preview up / down)`,
    ),
    workflowFile(ctx, PRUNE_WORKFLOW_PATH, () => pruneWorkflowText(preview), 'lsvc preview prune every day'),
  ];
}

export function githubResources(ctx: PipelineContext): PipelineResource[] {
  const repository = ctx.settings.repository;
  const approval = ctx.settings.approvalBefore;
  ctx.notes.push(
    approval
      ? `Give the GitHub environment "${approval}" required reviewers: https://github.com/${repository}/settings/environments (the deploy to ${approval} then waits for one of them).`
      : `Deploys run in the GitHub environments ${ctx.settings.environments.join(', ')}: add required reviewers at https://github.com/${repository}/settings/environments to gate one.`,
  );
  return [
    oidcProvider(ctx),
    pipelineRole(ctx, {
      name: ctx.names.githubRole,
      description: `Deploy role of ${ctx.service} for GitHub Actions in ${repository} (lsvc deploy).`,
      trust: () =>
        githubTrust(ctx.known.oidcProviderArn ?? oidcProviderArn(ctx), repository, [
          ...ctx.settings.environments,
          PREVIEW_GITHUB_ENVIRONMENT,
        ]),
      policy: () =>
        githubDeployPolicy(ctx.known.scope, ctx.service, ctx.settings.ecrRepository, ctx.dependsOn),
    }),
    ...workflowFiles(ctx),
  ];
}
