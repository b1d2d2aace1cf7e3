// An environment's variables as Elastic Beanstalk holds them: plain properties
// (aws:elasticbeanstalk:application:environment) and secret references
// (aws:elasticbeanstalk:application:environmentsecrets: the value is a Secrets Manager or SSM ARN;
// EB fetches the secret onto the instances, so lsvc never reads a secret's value).
import {
  DescribeConfigurationSettingsCommand,
  type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';

import { send } from '../aws/call.js';
import { ConfigError } from '../errors.js';
import type { Paint } from '../ui.js';

export const ENV_NAMESPACE = 'aws:elasticbeanstalk:application:environment';
export const SECRETS_NAMESPACE = 'aws:elasticbeanstalk:application:environmentsecrets';

export interface Variables {
  plain: Map<string, string>;
  /** Variable name -> ARN of its secret or parameter. */
  secrets: Map<string, string>;
}

export function notProvisioned(envName: string, fullName: string): ConfigError {
  return new ConfigError(`The Elastic Beanstalk environment ${fullName} does not exist.`, {
    hint: `Run "lsvc provision --env ${envName}" first (and check --region / --profile).`,
  });
}

export async function readVariables(
  eb: ElasticBeanstalkClient,
  names: { application: string; environment: string; envName: string },
): Promise<Variables> {
  let out;
  try {
    out = await send(
      'elasticbeanstalk',
      eb,
      new DescribeConfigurationSettingsCommand({
        ApplicationName: names.application,
        EnvironmentName: names.environment,
      }),
    );
  } catch (error) {
    if (/No Environment found|does not exist/i.test((error as Error).message)) {
      throw notProvisioned(names.envName, names.environment);
    }
    throw error;
  }
  const vars: Variables = { plain: new Map(), secrets: new Map() };
  for (const o of out.ConfigurationSettings?.[0]?.OptionSettings ?? []) {
    if (!o.OptionName) continue;
    if (o.Namespace === ENV_NAMESPACE) vars.plain.set(o.OptionName, o.Value ?? '');
    if (o.Namespace === SECRETS_NAMESPACE) vars.secrets.set(o.OptionName, o.Value ?? '');
  }
  return vars;
}

export interface SecretReference {
  store: 'secretsmanager' | 'ssm' | 'unknown';
  /** The secret's name (without the 6-character suffix Secrets Manager adds), or the parameter's. */
  name: string;
  /** A top-level JSON key EB extracts from the secret (ARN:key), if any. */
  jsonKey: string | undefined;
  arn: string;
}

/** What an environmentsecrets value points to. */
export function secretReference(arn: string): SecretReference {
  const sm = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:([^:]+?)(-[A-Za-z0-9]{6})?(?::([^:]+))?$/.exec(
    arn,
  );
  if (sm) return { store: 'secretsmanager', name: sm[1] ?? arn, jsonKey: sm[3], arn };
  const ssm = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.+)$/.exec(arn);
  if (ssm) return { store: 'ssm', name: ssm[1] ?? arn, jsonKey: undefined, arn };
  return { store: 'unknown', name: arn, jsonKey: undefined, arn };
}

export interface VariableView {
  name: string;
  kind: 'plain' | 'secret';
  /** The plain value; null for a secret (never read). */
  value: string | null;
  secret: SecretReference | null;
}

export function variableViews(vars: Variables): VariableView[] {
  const views: VariableView[] = [
    ...[...vars.plain].map(([name, value]) => ({ name, kind: 'plain' as const, value, secret: null })),
    ...[...vars.secrets].map(([name, arn]) => ({
      name,
      kind: 'secret' as const,
      value: null,
      secret: secretReference(arn),
    })),
  ];
  return views.sort((a, b) => a.name.localeCompare(b.name));
}

export const MASK = '****';

export function renderVariables(views: VariableView[], paint: Paint): string[] {
  if (!views.length) return [paint.dim('No environment variables.')];
  const width = Math.max(...views.map((v) => v.name.length));
  return views.map((v) => {
    const name = v.name.padEnd(width);
    if (v.kind === 'plain') return `${name}  ${v.value ?? ''}`;
    const ref = v.secret;
    const where = ref
      ? `${ref.store === 'ssm' ? 'SSM parameter' : 'secret'} ${ref.name}${ref.jsonKey ? ` (key ${ref.jsonKey})` : ''}`
      : 'secret';
    return `${name}  ${paint.yellow(MASK)}  ${paint.dim(`(${where})`)}`;
  });
}
