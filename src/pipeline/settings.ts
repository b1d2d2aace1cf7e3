// The `pipeline:` section of lsvc.yml, checked against the environments and completed with the
// defaults and command-line flags: which environments, in which order, where to stop for approval.
import { ecrRepositoryName } from '../config/resolve.js';
import type { PipelineSettings, ResolvedConfig } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';

export type PipelineProvider = 'codepipeline' | 'github';

export interface ResolvedPipeline {
  provider: PipelineProvider;
  /** Deployed in this order: the first after every build, the next ones after it. */
  environments: string[];
  /** A manual approval (CodePipeline) / required reviewers (GitHub) before this environment. */
  approvalBefore: string | undefined;
  branch: string;
  /** owner/name. */
  repository: string;
  sourceProvider: 'GitHub' | 'GitLab' | 'Bitbucket';
  connectionArn: string | undefined;
  region: string;
  /** ECR repository name, shared by the environments (the pipeline builds one image). */
  ecrRepository: string;
}

export interface PipelineFlags {
  env?: string[] | undefined;
  provider?: PipelineProvider | undefined;
}

const hintKeys =
  'Set it under "pipeline:" in lsvc.yml (provider, repository, connectionArn, branch, environments, approvalBefore).';

export function resolvePipeline(
  config: ResolvedConfig,
  section: PipelineSettings | undefined,
  flags: PipelineFlags,
  regionOverride?: string,
): ResolvedPipeline {
  const all = Object.keys(config.environments);
  const environments = flags.env?.length ? flags.env : (section?.environments ?? all);
  const fromFlags = Boolean(flags.env?.length);
  for (const name of environments) {
    if (config.environments[name]) continue;
    const message = `There is no environment "${name}" in lsvc.yml.`;
    const hint = `Environments: ${all.join(', ')}.`;
    throw fromFlags
      ? new UsageError(message, { hint })
      : new ConfigError(message, { hint: `${hint} ${hintKeys}` });
  }
  if (new Set(environments).size !== environments.length) {
    throw new UsageError(`An environment is listed twice: ${environments.join(', ')}.`, {
      hint: 'List each environment once, in the order releases reach them.',
    });
  }
  const approvalBefore = section?.approvalBefore;
  if (approvalBefore !== undefined && !environments.slice(1).includes(approvalBefore)) {
    throw new ConfigError(
      `pipeline.approvalBefore is "${approvalBefore}", which is not one of the pipeline's later environments (${environments.slice(1).join(', ') || 'none'}).`,
      { hint: 'Name an environment that comes after the first, e.g. approvalBefore: production.' },
    );
  }
  // Every name is known to exist (checked above).
  const envs = environments.flatMap((e) => config.environments[e] ?? []);
  const regions = new Set(envs.map((e) => regionOverride ?? e.region));
  const repos = new Set(envs.map((e) => ecrRepositoryName(config, e)));
  const region = [...regions][0];
  const ecrRepository = [...repos][0] ?? config.service;
  if (regions.size > 1 || repos.size > 1) {
    throw new ConfigError('The pipeline environments use different regions or ECR repositories.', {
      hint: 'One pipeline builds one image in one region: list environments that share region and ecrRepository.',
    });
  }
  if (!region) {
    throw new ConfigError(`No AWS region for environment "${environments[0] ?? ''}".`, {
      hint: 'Set region: in lsvc.yml, AWS_REGION, or pass --region.',
    });
  }
  const provider = flags.provider ?? section?.provider ?? 'codepipeline';
  const repository = section?.repository;
  if (!repository) {
    throw new ConfigError('lsvc.yml does not say which repository the pipeline builds.', {
      hint: 'Add "pipeline:" with "repository: owner/name" to lsvc.yml (and connectionArn: when you have a CodeConnections connection already).',
    });
  }
  return {
    provider,
    environments,
    approvalBefore,
    branch: section.branch ?? 'main',
    repository,
    sourceProvider: section.sourceProvider ?? 'GitHub',
    connectionArn: section.connectionArn,
    region,
    ecrRepository,
  };
}
