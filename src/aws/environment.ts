// What every AWS command starts from: the service's lsvc.yml, the chosen environment with its
// settings, the AWS region/profile (flags > AWS_* variables > lsvc.yml) and the resource names.
import { getEnvironment, loadServiceConfig } from '../config/resolve.js';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/schema.js';
import { AwsError } from '../errors.js';
import { resourceNames, type ResourceNames } from './names.js';
import { resolveAwsTarget, type AwsTarget } from './target.js';

export interface AwsEnvironment {
  config: ResolvedConfig;
  environment: ResolvedEnvironment;
  target: AwsTarget & { region: string };
  names: ResourceNames;
}

export async function loadAwsEnvironment(
  envName: string,
  flags: { profile?: string | undefined; region?: string | undefined },
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<AwsEnvironment> {
  const config = await loadServiceConfig(options.cwd);
  const environment = getEnvironment(config, envName);
  const target = resolveAwsTarget({ flags, env: options.env ?? process.env, config: environment });
  if (!target.region) {
    throw new AwsError(`No AWS region for environment "${envName}".`, {
      hint: 'Set region: in lsvc.yml, AWS_REGION, or pass --region.',
    });
  }
  const settings = environment as ResolvedEnvironment & { ecrRepository?: string };
  return {
    config,
    environment,
    target: { ...target, region: target.region },
    names: resourceNames(config.service, environment.name, { ecrRepository: settings.ecrRepository }),
  };
}
