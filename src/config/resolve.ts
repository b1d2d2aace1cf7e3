import { ConfigError, UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { CONFIG_FILE, findConfigFile, readConfigFile } from './load.js';
import {
  BUILTIN_DEFAULTS,
  type BuiltinDefaults,
  ENGINE_VERSIONS,
  type EnvironmentSettings,
  type ResolvedConfig,
  type ResolvedEnvironment,
  type ServiceConfigInput,
} from './schema.js';

/** Built-in defaults, then `defaults:`, then the environment's own settings. */
export function resolveConfig(input: ServiceConfigInput, file: string): ResolvedConfig {
  const base = applySettings(BUILTIN_DEFAULTS, input.defaults);
  const environments: Record<string, ResolvedEnvironment> = {};
  for (const [name, own] of Object.entries(input.environments)) {
    const settings = applySettings(base, own ?? undefined);
    const version = own?.database?.engineVersion ?? input.defaults?.database?.engineVersion;
    settings.database = {
      ...settings.database,
      engineVersion: version ?? ENGINE_VERSIONS[settings.database.engine],
    };
    environments[name] = {
      name,
      fullName: `${input.service}-${name}`,
      region: own?.region ?? input.defaults?.region ?? input.region,
      profile: own?.profile ?? input.defaults?.profile ?? input.profile,
      notifyEmail: own?.notifyEmail ?? input.defaults?.notifyEmail,
      ecrRepository: own?.ecrRepository ?? input.defaults?.ecrRepository,
      ...settings,
    };
  }
  return {
    file,
    service: input.service,
    region: input.region,
    profile: input.profile,
    environments,
    ...(input.previews ? { previews: input.previews } : {}),
  };
}

function applySettings(base: BuiltinDefaults, over: EnvironmentSettings | undefined): BuiltinDefaults {
  if (!over) return base;
  const env = { ...base.env };
  for (const [k, v] of Object.entries(over.env ?? {})) env[k] = String(v);
  return {
    instanceType: over.instanceType ?? base.instanceType,
    minInstances: over.minInstances ?? base.minInstances,
    maxInstances: over.maxInstances ?? base.maxInstances,
    healthCheckPath: over.healthCheckPath ?? base.healthCheckPath,
    deploymentPolicy: over.deploymentPolicy ?? base.deploymentPolicy,
    confirm: over.confirm ?? base.confirm,
    database: { ...base.database, ...over.database },
    redis: { ...base.redis, ...over.redis },
    alarms: { ...base.alarms, ...over.alarms },
    env,
    // An environment's own list replaces the defaults' (as every other setting does).
    dependsOn: over.dependsOn ?? base.dependsOn,
    callers: over.callers ?? base.callers,
  };
}

/** The environment's ECR repository: `ecrRepository`, else the service name. */
export function ecrRepositoryName(config: Pick<ResolvedConfig, 'service'>, env: ResolvedEnvironment): string {
  return env.ecrRepository ?? config.service;
}

/** The environment called `name`, or a usage error (exit 2) that lists the ones there are. */
export function getEnvironment(config: ResolvedConfig, name: string): ResolvedEnvironment {
  // Own keys only: "constructor" or "__proto__" is not an environment.
  const env = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (env) return env;
  const names = Object.keys(config.environments);
  const guess = didYouMean(name, names);
  throw new UsageError(
    `There is no environment "${name}" in ${CONFIG_FILE}${guess ? `; did you mean "${guess}"?` : '.'}`,
    { hint: `Environments: ${names.join(', ')}. Add one under "environments:" in ${config.file}.` },
  );
}

/** Find lsvc.yml from `cwd` upwards, validate and resolve it; exit 3 when there is none. */
export async function loadServiceConfig(cwd = process.cwd()): Promise<ResolvedConfig> {
  const file = await findConfigFile(cwd);
  if (!file) {
    throw new ConfigError(`No ${CONFIG_FILE} found in ${cwd} or any folder above it.`, {
      hint: 'Run this inside a service made by "lsvc init <name>" (or create lsvc.yml there).',
    });
  }
  return resolveConfig(await readConfigFile(file, cwd), file);
}
