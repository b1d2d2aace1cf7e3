// The Elastic Beanstalk environment: Docker on Amazon Linux 2023, load balanced (ALB), enhanced
// health, the deployment policy and sizes from lsvc.yml, logs streamed to CloudWatch Logs,
// managed platform updates, notifications to the environment's topic, and the application's
// configuration: plain properties (NODE_ENV, DATABASE_URL without password, REDIS_URL, lsvc.yml
// `env`) and DATABASE_PASSWORD mapped from the Secrets Manager secret.
import {
  CreateEnvironmentCommand,
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  type EnvironmentDescription,
  ListAvailableSolutionStacksCommand,
  type ConfigurationOptionSetting,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';

import { ENHANCED_HEALTH_INSTANCE_METRICS, ENHANCED_HEALTH_METRICS } from '../../aws/alarms.js';
import { redisUrl } from '../../aws/elasticache.js';
import { databaseName, databaseUrl } from '../../aws/rds.js';
import { secretKeyReference } from '../../aws/secrets.js';
import { identityNames } from '../../identity/keys.js';
import { LsvcError } from '../../errors.js';
import type { StepContext } from '../../progress.js';
import { send } from '../../aws/call.js';
import { isErrorNamed } from '../../aws/errors.js';
import { change, PENDING } from '../diff.js';
import { envTags } from '../tags.js';
import { type Known, type ProvisionContext, type Resource, waitingIn } from '../types.js';
import { pollUntil } from '../../aws/poll.js';
import { environmentUrl } from '../../endpoints/names.js';

export const LOG_RETENTION_DAYS = 30;

type Comparison = 'exact' | 'name' | 'contains' | 'json-subset';

/** An option lsvc sets and keeps in line; anything else on the environment is left alone. */
export interface OwnedOption {
  Namespace: string;
  OptionName: string;
  Value: string;
  /** How the plan names it: "instance type", "env DATABASE_URL". */
  label: string;
  compare?: Comparison;
}

/** What the application needs from the other resources, or PENDING while they do not exist yet. */
export interface EnvironmentInputs {
  service: string;
  environment: ProvisionContext['environment'];
  names: ProvisionContext['names'];
  known: Pick<
    Known,
    'serviceRoleArn' | 'securityGroups' | 'topicArn' | 'secretArn' | 'database' | 'redis' | 'identity'
  >;
  /** <SERVICE>_URL of each lsvc.yml dependsOn (src/endpoints/dependencies.ts). */
  dependencies?: Record<string, string>;
}

const ENV = 'aws:elasticbeanstalk:application:environment';
const SECRETS = 'aws:elasticbeanstalk:application:environmentsecrets';

export function healthConfigDocument(): string {
  return JSON.stringify({
    Version: 1,
    CloudWatchMetrics: {
      Environment: Object.fromEntries(ENHANCED_HEALTH_METRICS.map((m) => [m, 60])),
      Instance: Object.fromEntries(ENHANCED_HEALTH_INSTANCE_METRICS.map((m) => [m, 60])),
    },
  });
}

/** The option settings of the environment, in a stable order. Pure: tests assert on it. */
export function environmentOptions({
  service,
  environment: e,
  names,
  known,
  dependencies = {},
}: EnvironmentInputs): OwnedOption[] {
  const opt = (
    Namespace: string,
    OptionName: string,
    Value: string,
    label: string,
    compare?: Comparison,
  ) => ({
    Namespace,
    OptionName,
    Value,
    label,
    ...(compare ? { compare } : {}),
  });
  const db = known.database?.host
    ? databaseUrl(e.database.engine, known.database.host, known.database.port ?? 0, databaseName(service))
    : PENDING;
  const redis = known.redis?.host ? redisUrl(known.redis.host, known.redis.port ?? 6379) : PENDING;
  const properties: Record<string, string> = {
    ...e.env,
    ...dependencies,
    NODE_ENV: 'production',
    DATABASE_URL: db,
    REDIS_URL: redis,
    ...identityProperties(service, e),
  };
  return [
    opt('aws:elasticbeanstalk:environment', 'EnvironmentType', 'LoadBalanced', 'environment type'),
    opt('aws:elasticbeanstalk:environment', 'LoadBalancerType', 'application', 'load balancer'),
    opt(
      'aws:elasticbeanstalk:environment',
      'ServiceRole',
      known.serviceRoleArn ?? PENDING,
      'service role',
      'name',
    ),
    opt(
      'aws:autoscaling:launchconfiguration',
      'IamInstanceProfile',
      names.instanceRole,
      'instance profile',
      'name',
    ),
    opt(
      'aws:autoscaling:launchconfiguration',
      'SecurityGroups',
      known.securityGroups.instances ?? PENDING,
      'security groups',
      'contains',
    ),
    opt('aws:autoscaling:launchconfiguration', 'DisableIMDSv1', 'true', 'IMDSv2 only'),
    opt('aws:ec2:instances', 'InstanceTypes', e.instanceType, 'instance type'),
    opt('aws:autoscaling:asg', 'MinSize', String(e.minInstances), 'min instances'),
    opt('aws:autoscaling:asg', 'MaxSize', String(e.maxInstances), 'max instances'),
    opt(
      'aws:elasticbeanstalk:environment:process:default',
      'HealthCheckPath',
      e.healthCheckPath,
      'health check path',
    ),
    opt('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'enhanced', 'health reporting'),
    opt(
      'aws:elasticbeanstalk:healthreporting:system',
      'ConfigDocument',
      healthConfigDocument(),
      'health metrics',
      'json-subset',
    ),
    opt('aws:elasticbeanstalk:command', 'DeploymentPolicy', e.deploymentPolicy, 'deployment policy'),
    // A deploy is gated on health (lsvc deploy refuses an environment that ignores it: src/deploy/guard.ts).
    opt('aws:elasticbeanstalk:command', 'IgnoreHealthCheck', 'false', 'health-gated deploys'),
    opt('aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs', 'true', 'log streaming'),
    opt('aws:elasticbeanstalk:cloudwatch:logs', 'DeleteOnTerminate', 'false', 'keep logs after terminate'),
    opt(
      'aws:elasticbeanstalk:cloudwatch:logs',
      'RetentionInDays',
      String(LOG_RETENTION_DAYS),
      'log retention days',
    ),
    opt(
      'aws:elasticbeanstalk:cloudwatch:logs:health',
      'HealthStreamingEnabled',
      'true',
      'health log streaming',
    ),
    opt(
      'aws:elasticbeanstalk:cloudwatch:logs:health',
      'RetentionInDays',
      String(LOG_RETENTION_DAYS),
      'health log retention days',
    ),
    opt('aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled', 'true', 'managed platform updates'),
    opt('aws:elasticbeanstalk:managedactions', 'PreferredStartTime', 'Sun:03:00', 'update window'),
    opt('aws:elasticbeanstalk:managedactions:platformupdate', 'UpdateLevel', 'minor', 'update level'),
    opt(
      'aws:elasticbeanstalk:sns:topics',
      'Notification Topic ARN',
      known.topicArn ?? PENDING,
      'notifications',
    ),
    ...Object.keys(properties)
      .sort()
      .map((key) => opt(ENV, key, properties[key] ?? '', `env ${key}`)),
    opt(
      SECRETS,
      'DATABASE_PASSWORD',
      known.secretArn ? secretKeyReference(known.secretArn, 'password') : PENDING,
      `secret DATABASE_PASSWORD (${names.databaseSecret})`,
    ),
    ...(['signingKey', 'jwks'] as const).map((key) =>
      opt(
        SECRETS,
        key === 'signingKey' ? 'LSVC_IDENTITY_KEY' : 'LSVC_IDENTITY_JWKS',
        known.identity?.arn ? secretKeyReference(known.identity.arn, key) : PENDING,
        `secret ${key === 'signingKey' ? 'LSVC_IDENTITY_KEY' : 'LSVC_IDENTITY_JWKS'} (${identityNames(service, e.name).secret})`,
      ),
    ),
  ];
}

/** An ALB listener on 443 configured (and not disabled): the environment is reached over https. */
export function listensOnHttps(options: ConfigurationOptionSetting[]): boolean {
  const listener = options.filter((o) => o.Namespace === 'aws:elbv2:listener:443');
  return (
    listener.length > 0 && !listener.some((o) => o.OptionName === 'ListenerEnabled' && o.Value === 'false')
  );
}

/**
 * What the service needs to sign its calls and check its callers': its name (the `iss` of its
 * tokens), the callers lsvc.yml allows (LSVC_CALLERS, JSON), and where each caller's public keys
 * are (LSVC_CALLER_JWKS_<NAME>: the caller's SSM parameter, read and refreshed by the service).
 */
export function identityProperties(
  service: string,
  e: EnvironmentInputs['environment'],
): Record<string, string> {
  const callers = Object.keys(e.callers).sort();
  return {
    LSVC_SERVICE_NAME: service,
    LSVC_CALLERS: JSON.stringify(Object.fromEntries(callers.map((name) => [name, e.callers[name]]))),
    ...Object.fromEntries(
      callers.map((name) => [callerJwksVariable(name), `ssm:${identityNames(name, e.name).jwksParameter}`]),
    ),
  };
}

/** `billing-api` -> LSVC_CALLER_JWKS_BILLING_API. */
export function callerJwksVariable(caller: string): string {
  return `LSVC_CALLER_JWKS_${caller.toUpperCase().replace(/-/g, '_')}`;
}

function lastSegment(value: string): string {
  return value.split('/').pop() ?? value;
}

function jsonSubset(actual: unknown, wanted: unknown): boolean {
  if (wanted && typeof wanted === 'object' && !Array.isArray(wanted)) {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(wanted).every(([k, v]) => jsonSubset((actual as Record<string, unknown>)[k], v));
  }
  return JSON.stringify(actual) === JSON.stringify(wanted);
}

/** Does the environment's value satisfy the option? */
export function optionSatisfied(option: OwnedOption, actual: string | undefined): boolean {
  if (option.Value === PENDING) return false;
  if (actual === undefined) return false;
  switch (option.compare ?? 'exact') {
    case 'name':
      return lastSegment(actual) === lastSegment(option.Value);
    case 'contains':
      return option.Value.split(',').every((v) =>
        actual
          .split(',')
          .map((s) => s.trim())
          .includes(v.trim()),
      );
    case 'json-subset':
      try {
        return jsonSubset(JSON.parse(actual) as unknown, JSON.parse(option.Value) as unknown);
      } catch {
        return false;
      }
    default:
      return (
        actual.trim().toLowerCase() === option.Value.trim().toLowerCase() ||
        actual
          .split(',')
          .map((s) => s.trim())
          .join(',') === option.Value
      );
  }
}

/** The owned options whose value differs on the environment, with a plan line each. */
export function optionDifferences(
  wanted: OwnedOption[],
  actual: ConfigurationOptionSetting[],
): { option: OwnedOption; detail: string }[] {
  const current = new Map(actual.map((o) => [`${o.Namespace ?? ''}|${o.OptionName ?? ''}`, o.Value]));
  return wanted
    .filter((o) => !optionSatisfied(o, current.get(`${o.Namespace}|${o.OptionName}`)))
    .map((option) => {
      const was = current.get(`${option.Namespace}|${option.OptionName}`);
      const shown = option.compare === 'json-subset' ? 'enhanced-health metrics' : option.Value;
      const before = option.compare === 'json-subset' && was ? 'other' : was;
      return { option, detail: change(option.label, before, shown) };
    });
}

const DOCKER_AL2023 = /^64bit Amazon Linux 2023 v(\d+)\.(\d+)\.(\d+) running Docker$/;

/** The newest "64bit Amazon Linux 2023 vX.Y.Z running Docker" solution stack. */
export function newestDockerStack(stacks: string[]): string | undefined {
  const versions = stacks
    .map((name) => ({ name, m: DOCKER_AL2023.exec(name) }))
    .filter((s): s is { name: string; m: RegExpExecArray } => s.m !== null)
    .map((s) => ({ name: s.name, v: [Number(s.m[1]), Number(s.m[2]), Number(s.m[3])] }));
  versions.sort(
    (a, b) => (b.v[0] ?? 0) - (a.v[0] ?? 0) || (b.v[1] ?? 0) - (a.v[1] ?? 0) || (b.v[2] ?? 0) - (a.v[2] ?? 0),
  );
  return versions[0]?.name;
}

async function resolvePlatform(ctx: ProvisionContext): Promise<string> {
  if (ctx.known.platform) return ctx.known.platform;
  const out = await send('elasticbeanstalk', ctx.clients.eb, new ListAvailableSolutionStacksCommand({}));
  const stack = newestDockerStack(out.SolutionStacks ?? []);
  if (!stack) {
    throw new LsvcError(
      `Elastic Beanstalk offers no "Docker on 64bit Amazon Linux 2023" platform in ${ctx.region}.`,
      {
        hint: 'Pick a region where it is available (--region or region: in lsvc.yml).',
      },
    );
  }
  ctx.known.platform = stack;
  return stack;
}

async function describeEnvironment(ctx: ProvisionContext): Promise<EnvironmentDescription | undefined> {
  const out = await send(
    'elasticbeanstalk',
    ctx.clients.eb,
    new DescribeEnvironmentsCommand({
      ApplicationName: ctx.names.application,
      EnvironmentNames: [ctx.names.environment],
      IncludeDeleted: false,
    }),
  );
  return out.Environments?.find(
    (e) => e.EnvironmentName === ctx.names.environment && e.Status !== 'Terminated',
  );
}

function statusLine(env: EnvironmentDescription | undefined): string {
  return env ? `status: ${env.Status ?? '?'}, health: ${env.Health ?? '?'}` : 'not visible yet';
}

/** The latest error events since `since`: the reason a create or update failed. */
async function failureEvents(ctx: ProvisionContext, since: Date): Promise<string[]> {
  try {
    const out = await send(
      'elasticbeanstalk',
      ctx.clients.eb,
      new DescribeEventsCommand({
        ApplicationName: ctx.names.application,
        EnvironmentName: ctx.names.environment,
        StartTime: since,
        Severity: 'ERROR',
        MaxRecords: 10,
      }),
    );
    return (out.Events ?? [])
      .map((e) => e.Message ?? '')
      .filter(Boolean)
      .slice(0, 5)
      .reverse();
  } catch {
    return [];
  }
}

/**
 * Wait until the environment is Ready. After an update, `Ready` may still be the old state for a
 * moment: then require a busy status first (or a few polls without one).
 */
async function waitReady(
  ctx: ProvisionContext,
  step: StepContext | undefined,
  since: Date,
  what: string,
  afterChange = false,
) {
  let sawBusy = !afterChange;
  let polls = 0;
  try {
    return await pollUntil({
      what,
      ...waitingIn(ctx.timing, step),
      timeoutMs: ctx.timing.timeoutMs.environment,
      check: async () => {
        const env = await describeEnvironment(ctx);
        polls++;
        if (env && env.Status !== 'Ready') sawBusy = true;
        return env;
      },
      done: (env) => env?.Status === 'Ready' && (sawBusy || polls >= 3),
      failed: (env) =>
        env === undefined || env.Status === 'Terminating' || env.Status === 'Terminated'
          ? `Elastic Beanstalk environment ${ctx.names.environment} is ${env?.Status ?? 'gone'}.`
          : undefined,
      describe: statusLine,
      hint: `Watch it with "lsvc status --env ${ctx.environment.name}".`,
    });
  } catch (error) {
    if (error instanceof LsvcError && !(error.exitCode === 7)) {
      const causes = await failureEvents(ctx, since);
      throw new LsvcError(error.message, { details: causes, hint: error.hint, cause: error });
    }
    throw error;
  }
}

function concrete(options: OwnedOption[]): ConfigurationOptionSetting[] {
  return options.map(({ Namespace, OptionName, Value }) => {
    if (Value === PENDING) throw new Error(`${Namespace} ${OptionName} is still unknown`);
    return { Namespace, OptionName, Value };
  });
}

/** IAM changes take a few seconds to reach Elastic Beanstalk: retry "instance profile/role not found". */
function isIamPropagation(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const message = (cause as { message?: string }).message ?? '';
  return (
    isErrorNamed(cause, ['InvalidParameterValue', 'InvalidParameterValueException']) &&
    /instance profile|role/i.test(message)
  );
}

export function ebEnvironment(ctx: ProvisionContext): Resource {
  const name = ctx.names.environment;
  const eb = ctx.clients.eb;
  const wanted = () => environmentOptions(ctx);
  return {
    kind: 'eb-environment',
    name,
    needsSettled: true,
    async inspect() {
      const env = await describeEnvironment(ctx);
      if (!env) {
        const platform = await resolvePlatform(ctx);
        return {
          action: 'create',
          details: [
            platform,
            `load balanced (ALB), ${ctx.environment.instanceType} x ${ctx.environment.minInstances}-${ctx.environment.maxInstances}, health check ${ctx.environment.healthCheckPath}`,
            `enhanced health, ${ctx.environment.deploymentPolicy} deployments, logs to CloudWatch (${LOG_RETENTION_DAYS} days)`,
            'DATABASE_PASSWORD from Secrets Manager; DATABASE_URL, REDIS_URL, NODE_ENV and lsvc.yml env as properties',
            ...Object.entries(ctx.dependencies).map(([k, v]) => `env ${k}: ${v} (dependsOn)`),
          ],
          apply: async (c, step) => {
            const since = new Date(c.timing.now());
            const request = new CreateEnvironmentCommand({
              ApplicationName: c.names.application,
              EnvironmentName: name,
              Description: `${c.service} ${c.environment.name} (managed by lsvc)`,
              SolutionStackName: await resolvePlatform(c),
              Tier: { Name: 'WebServer', Type: 'Standard' },
              OptionSettings: concrete(wanted()),
              Tags: envTags(c),
            });
            for (let attempt = 1; ; attempt++) {
              try {
                await send('elasticbeanstalk', eb, request);
                break;
              } catch (error) {
                if (attempt >= 6 || !isIamPropagation(error)) throw error;
                step.output('waiting for IAM to reach Elastic Beanstalk');
                await c.timing.sleep(c.timing.pollMs, step.signal);
              }
            }
            const ready = await waitReady(c, step, since, `environment ${name} to be Ready`);
            // Created without a 443 listener: plain http until one is configured.
            if (ready?.CNAME) c.known.environmentUrl = environmentUrl(ready.CNAME, false);
            if (ready?.Health && ready.Health !== 'Green') {
              c.warnings.push(
                `${name} is Ready with health ${ready.Health}: see "lsvc status --env ${c.environment.name}".`,
              );
            }
          },
        };
      }
      if (env.Status === 'Terminating') {
        throw new LsvcError(`The environment ${name} is terminating.`, {
          hint: 'Run lsvc provision again once it is gone.',
        });
      }
      const settings = await send(
        'elasticbeanstalk',
        eb,
        new DescribeConfigurationSettingsCommand({
          ApplicationName: ctx.names.application,
          EnvironmentName: name,
        }),
      );
      const current = settings.ConfigurationSettings?.[0]?.OptionSettings ?? [];
      if (env.CNAME) ctx.known.environmentUrl = environmentUrl(env.CNAME, listensOnHttps(current));
      const diffs = optionDifferences(wanted(), current);
      if (!diffs.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: diffs.map((d) => d.detail),
        apply: async (c, step) => {
          const current = await describeEnvironment(c);
          if (current?.Status !== 'Ready') {
            step.output(`busy (${statusLine(current)}): waiting for it to be Ready first`);
            await waitReady(
              c,
              step,
              new Date(c.timing.now()),
              `environment ${name} to finish its current update`,
            );
          }
          const since = new Date(c.timing.now());
          await send(
            'elasticbeanstalk',
            eb,
            new UpdateEnvironmentCommand({
              ApplicationName: c.names.application,
              EnvironmentName: name,
              OptionSettings: concrete(diffs.map((d) => d.option)),
            }),
          );
          await waitReady(c, step, since, `environment ${name} to apply the update`, true);
        },
      };
    },
  };
}
