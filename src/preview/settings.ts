// The preview environment's shape, from the base environment's live settings: the same instance
// profile, security groups (the ones the base's database and Redis admit), network, properties and
// secrets, so nothing is provisioned but the EB environment; then the cheapest shape that still
// runs the service: one instance, no load balancer, the smallest instance type of the base's
// architecture, no managed updates, logs deleted with it. Pure: tests assert on it.
import type { ConfigurationOptionSetting, Tag } from '@aws-sdk/client-elastic-beanstalk';

import { MANAGED_BY } from '../aws/names.js';
import { ConfigError } from '../errors.js';

export const ENV = 'aws:elasticbeanstalk:application:environment';
const SECRETS = 'aws:elasticbeanstalk:application:environmentsecrets';

/** Tags every preview carries: how list, down and prune know a preview from a real environment. */
export const TAG = {
  preview: 'lsvc:preview',
  branch: 'lsvc:branch',
  expires: 'lsvc:expires',
  /** What `list` prices the cost so far with. */
  instanceType: 'lsvc:instance-type',
} as const;

/** The default time to live of a preview (lsvc.yml `previews.ttl`, --ttl). */
export const DEFAULT_TTL = '7d';
/** The base environment a preview borrows from (lsvc.yml `previews.from`, --from-env). */
export const DEFAULT_BASE = 'staging';

/** Graviton families (t4g, m7g, c7gn...) run arm64 images: the preview keeps the base's architecture. */
export function isGraviton(instanceType: string): boolean {
  return /^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType);
}

/**
 * The smallest type that still runs the web and worker containers (1 GiB: the nano sizes' 0.5 GiB
 * is too little for Docker and two Node processes), of the base's architecture.
 */
export function smallestInstanceType(baseType: string | undefined): string {
  return baseType && isGraviton(baseType) ? 't4g.micro' : 't3.micro';
}

export interface PreviewShape {
  service: string;
  /** pr-12 */
  slug: string;
  /** demo-pr-12 */
  environment: string;
  /** The base's readiness route (lsvc.yml healthCheckPath): what EB checks on the one instance. */
  readinessPath: string;
  /** lsvc.yml previews.instanceType, else the smallest of the base's architecture. */
  instanceType?: string | undefined;
}

const value = (settings: ConfigurationOptionSetting[], namespace: string, name: string) =>
  settings.find((o) => o.Namespace === namespace && o.OptionName === name)?.Value;

/** The base's DATABASE_URL with the preview's database: .../shop -> .../shop_pr_12. */
export function previewDatabaseUrl(
  baseUrl: string,
  slug: string,
): { url: string; name: string; base: string } {
  const url = new URL(baseUrl);
  const base = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const name = `${base}_${slug.replace(/-/g, '_')}`;
  // Never the base's own database (the template refuses it too).
  if (!base || name === base)
    throw new ConfigError(`The preview database would be the base's own (${base}).`);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, base };
}

export function baseInstanceType(settings: ConfigurationOptionSetting[]): string | undefined {
  return (
    value(settings, 'aws:ec2:instances', 'InstanceTypes')?.split(',')[0]?.trim() ??
    value(settings, 'aws:autoscaling:launchconfiguration', 'InstanceType')
  );
}

/** The preview's option settings, from the base environment's. */
export function previewOptionSettings(
  base: ConfigurationOptionSetting[],
  shape: PreviewShape,
  baseEnvironment: string,
): ConfigurationOptionSetting[] {
  const baseUrl = value(base, ENV, 'DATABASE_URL');
  if (!baseUrl || !value(base, ENV, 'REDIS_URL')) {
    throw new ConfigError(`${baseEnvironment} has no DATABASE_URL or REDIS_URL: a preview borrows them.`, {
      hint: 'Run "lsvc provision" for the base environment first (or pick another with --from-env).',
    });
  }
  const db = previewDatabaseUrl(baseUrl, shape.slug);
  const copy = (namespace: string, name: string) => {
    const v = value(base, namespace, name);
    return v === undefined ? [] : [{ Namespace: namespace, OptionName: name, Value: v }];
  };
  const set = (Namespace: string, OptionName: string, Value: string) => ({ Namespace, OptionName, Value });
  const overrides: Record<string, string> = {
    DATABASE_URL: db.url,
    // Where the service creates its database from, at start (service-template/src/preview.ts).
    DATABASE_ADMIN_URL: baseUrl,
    DATABASE_CREATE: 'true',
    // Its own BullMQ keys on the base's Redis.
    QUEUE_PREFIX: shape.environment,
    LSVC_PREVIEW: shape.slug,
  };
  const properties = base
    .filter((o) => o.Namespace === ENV && o.OptionName && !(o.OptionName in overrides))
    .map((o) => set(ENV, o.OptionName ?? '', o.Value ?? ''));
  const secrets = base
    .filter((o) => o.Namespace === SECRETS && o.OptionName)
    .map((o) => set(SECRETS, o.OptionName ?? '', o.Value ?? ''));
  return [
    set('aws:elasticbeanstalk:environment', 'EnvironmentType', 'SingleInstance'),
    ...copy('aws:elasticbeanstalk:environment', 'ServiceRole'),
    ...copy('aws:autoscaling:launchconfiguration', 'IamInstanceProfile'),
    ...copy('aws:autoscaling:launchconfiguration', 'SecurityGroups'),
    set('aws:autoscaling:launchconfiguration', 'DisableIMDSv1', 'true'),
    ...copy('aws:ec2:vpc', 'VPCId'),
    ...copy('aws:ec2:vpc', 'Subnets'),
    ...copy('aws:ec2:vpc', 'AssociatePublicIpAddress'),
    set(
      'aws:ec2:instances',
      'InstanceTypes',
      shape.instanceType ?? smallestInstanceType(baseInstanceType(base)),
    ),
    // No load balancer: EB checks the readiness route on the instance itself.
    set('aws:elasticbeanstalk:application', 'Application Healthcheck URL', shape.readinessPath),
    set('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'enhanced'),
    // One instance: replace it in place; the deploy is health-gated all the same.
    set('aws:elasticbeanstalk:command', 'DeploymentPolicy', 'AllAtOnce'),
    set('aws:elasticbeanstalk:command', 'IgnoreHealthCheck', 'false'),
    set('aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs', 'true'),
    set('aws:elasticbeanstalk:cloudwatch:logs', 'DeleteOnTerminate', 'true'),
    set('aws:elasticbeanstalk:cloudwatch:logs', 'RetentionInDays', '7'),
    set('aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled', 'false'),
    ...[...properties, ...Object.entries(overrides).map(([k, v]) => set(ENV, k, v))].sort((a, b) =>
      a.OptionName.localeCompare(b.OptionName),
    ),
    ...secrets,
  ];
}

/** EB tag values: letters, digits, spaces and _.:/=+-@ (256 at most). */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '-').slice(0, 256);
}

export function previewTags(o: {
  service: string;
  slug: string;
  base: string;
  branch: string | undefined;
  expires: Date;
  instanceType?: string;
}): Tag[] {
  return [
    { Key: 'lsvc:service', Value: o.service },
    { Key: 'lsvc:environment', Value: o.slug },
    { Key: 'managed-by', Value: MANAGED_BY },
    { Key: TAG.preview, Value: o.base },
    ...(o.branch ? [{ Key: TAG.branch, Value: tagValue(o.branch) }] : []),
    { Key: TAG.expires, Value: o.expires.toISOString() },
    ...(o.instanceType ? [{ Key: TAG.instanceType, Value: tagValue(o.instanceType) }] : []),
  ];
}
