// lsvc.yml `dependsOn`: each service this environment calls, its URL read from what that
// service's own provision published (SSM /lsvc/<env>/<service>/url), as <SERVICE>_URL. Read
// before anything changes: a dependency that is not provisioned stops provision and deploy there.
import { ConfigError } from '../errors.js';
import { dependencyVariable, urlParameterName } from './names.js';
import { readParameters, type Ssm } from './parameters.js';

export interface ResolvedDependency {
  service: string;
  /** BILLING_API_URL */
  variable: string;
  url: string;
}

/** A published value is someone else's data: an http(s) URL or nothing. */
function usableUrl(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  return /^https?:$/.test(new URL(value).protocol) ? value : undefined;
}

export async function resolveDependencies(
  ssm: Ssm,
  target: { environment: string; region: string },
  dependsOn: string[],
): Promise<ResolvedDependency[]> {
  if (!dependsOn.length) return [];
  const names = dependsOn.map((service) => urlParameterName(target.environment, service));
  const found = await readParameters(ssm, names);
  const resolved: ResolvedDependency[] = [];
  const missing: string[] = [];
  for (const [i, service] of dependsOn.entries()) {
    const url = usableUrl(found.get(names[i] ?? ''));
    if (url) resolved.push({ service, variable: dependencyVariable(service), url });
    else missing.push(service);
  }
  const [first] = missing;
  if (first !== undefined) {
    const env = target.environment;
    const list = missing.join(', ');
    throw new ConfigError(
      `${missing.length === 1 ? 'A dependency is' : 'Dependencies are'} not provisioned in ${env}: ${list} (dependsOn in lsvc.yml).`,
      {
        details: missing.map(
          (s) => `${s}: no usable ${urlParameterName(env, s)} in SSM Parameter Store (${target.region})`,
        ),
        hint: `Run "lsvc provision --env ${env}" in ${first}'s folder first${missing.length > 1 ? ' (and the others)' : ''}, or remove it from dependsOn. Nothing was changed.`,
      },
    );
  }
  return resolved;
}

/** The dependencies as environment properties: { BILLING_API_URL: 'https://...' }. */
export function dependencyProperties(deps: ResolvedDependency[]): Record<string, string> {
  return Object.fromEntries(deps.map((d) => [d.variable, d.url]));
}

/** For a command: read the environment's dependencies through its own SSM client. */
export async function resolveEnvironmentDependencies(aws: {
  target: { region: string; profile?: string | undefined };
  environment: { name: string; dependsOn: string[] };
}): Promise<ResolvedDependency[]> {
  if (!aws.environment.dependsOn.length) return [];
  const { makeSsmClient } = await import('../aws/ssm.js');
  const ssm = await makeSsmClient(aws.target);
  try {
    return await resolveDependencies(
      ssm,
      { environment: aws.environment.name, region: aws.target.region },
      aws.environment.dependsOn,
    );
  } finally {
    ssm.destroy();
  }
}
