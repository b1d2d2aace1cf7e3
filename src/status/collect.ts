// One environment's status from every source at once: the describes are independent, so they run
// in parallel and the wall time is that of the slowest call (bench/aws-status.mjs measures it).
import type { ResourceNames } from '../aws/names.js';
import { classifyAwsError } from '../aws/errors.js';
import { evaluate } from './evaluate.js';
import {
  databaseStatus,
  errorMessage,
  instanceStatus,
  isEnhancedHealthOff,
  readAlarms,
  readDatabase,
  readEnvironment,
  readEnvironmentHealth,
  readInstancesHealth,
  readRedis,
  settle,
  type Settled,
  type StatusClients,
  trafficOf,
} from './sources.js';
import { lastMinutes, type MetricRange, readMetrics } from './metrics.js';
import type { DependencyStatus, EnvironmentStatus, StatusReport } from './types.js';

export interface StatusTarget {
  /** The name in lsvc.yml. */
  name: string;
  region: string;
  names: ResourceNames;
  /** Alarm name prefixes of other environments that extend this one's (`prod-eu-` for `prod`). */
  excludeAlarmPrefixes: string[];
  /** lsvc.yml dependsOn: their environments of the same name are read too. */
  dependsOn?: string[];
}

/** The CNAME as a URL; EB (and moto) send "" rather than nothing for an unknown one. */
function urlOf(env: { CNAME?: string | undefined; EndpointURL?: string | undefined } | null): string | null {
  if (env?.CNAME) return `http://${env.CNAME}`;
  return env?.EndpointURL && env.EndpointURL !== '' ? env.EndpointURL : null;
}

export interface CollectOptions {
  now: () => number;
  /** The metrics' time range and period (default: the last hour, one point a minute). */
  metricRange?: MetricRange;
}

/** Alarm prefix of an environment, and those of its siblings that start with it. */
export function alarmPrefixes(
  service: string,
  env: string,
  allEnvs: string[],
): { prefix: string; exclude: string[] } {
  const prefix = `${service}-${env}-`;
  const exclude = allEnvs
    .filter((other) => other !== env)
    .map((other) => `${service}-${other}-`)
    .filter((p) => p.startsWith(prefix));
  return { prefix, exclude };
}

export async function collectEnvironmentStatus(
  clients: StatusClients,
  target: StatusTarget,
  opts: CollectOptions,
): Promise<EnvironmentStatus> {
  const { names } = target;
  const prefix = names.alarm('');
  const [env, health, instances, alarms, database, metrics, redis, dependencies] = await Promise.all([
    settle('elasticbeanstalk:DescribeEnvironments', () =>
      readEnvironment(clients.eb, names.application, names.environment),
    ),
    settle('elasticbeanstalk:DescribeEnvironmentHealth', () =>
      readEnvironmentHealth(clients.eb, names.environment),
    ),
    settle('elasticbeanstalk:DescribeInstancesHealth', () =>
      readInstancesHealth(clients.eb, names.environment),
    ),
    settle('cloudwatch:DescribeAlarms', () =>
      readAlarms(clients.cloudwatch, prefix, target.excludeAlarmPrefixes),
    ),
    settle('rds:DescribeDBInstances', () => readDatabase(clients.rds, names.database)),
    // Metrics (and the database's free storage) are good to see, never a reason to fail.
    settle('cloudwatch:GetMetricData', () =>
      readMetrics(
        clients.cloudwatch,
        { service: names.application, names },
        opts.metricRange ?? lastMinutes(opts.now()),
      ),
    ).catch((error: unknown) => ({ ok: false as const, error, action: 'cloudwatch:GetMetricData' })),
    settle('elasticache:DescribeReplicationGroups', () => readRedis(clients.elasticache, names.redis)),
    readDependencies(clients, target),
  ]);

  const problems: string[] = [];
  const notes: string[] = [];
  // The action once: AWS call errors already name it in their message.
  const failure = (action: string, error: unknown) => {
    const message = errorMessage(error);
    return message.includes(action) ? `: ${message}` : ` (${action}): ${message}`;
  };
  const value = <T>(s: Settled<T>, what: string): T | null => {
    if (s.ok) return s.value;
    problems.push(`could not read ${what}${failure(s.action, s.error)}`);
    return null;
  };
  /** For the enhanced-health calls: "off" is a note, not a problem (basic health still tells). */
  const enhanced = <T>(s: Settled<T>, what: string): T | null => {
    if (s.ok) return s.value;
    if (isEnhancedHealthOff(s.error)) {
      if (!notes.some((n) => n.startsWith('enhanced health'))) {
        notes.push('enhanced health reporting is off: no causes, metrics or instance details');
      }
      return null;
    }
    notes.push(`${what} unavailable${failure(s.action, s.error)}`);
    return null;
  };

  const description = value(env, 'the Elastic Beanstalk environment');
  const provisioned = description !== null;
  const healthOut = provisioned ? enhanced(health, 'enhanced health') : null;
  const instanceList = provisioned ? (enhanced(instances, 'instance health') ?? []) : [];
  const instanceStatuses = instanceList.map(instanceStatus).sort((a, b) => a.id.localeCompare(b.id));
  const db = value(database, 'the database');
  if (!metrics.ok) notes.push(`metrics unavailable${failure(metrics.action, metrics.error)}`);
  const series = metrics.ok ? metrics.value : null;
  const version = description?.VersionLabel ?? null;
  // When the running version reached the instances; the environment's last update otherwise.
  const deployTimes = instanceStatuses
    .flatMap((i) => (i.version === version && i.deployedAt ? [i.deployedAt] : []))
    .sort();

  const status: EnvironmentStatus = {
    name: target.name,
    fullName: names.environment,
    region: target.region,
    provisioned,
    status: description?.Status ?? null,
    health: healthOut?.Color ?? description?.Health ?? null,
    healthStatus: healthOut?.HealthStatus ?? description?.HealthStatus ?? null,
    causes: healthOut?.Causes ?? [],
    url: urlOf(description),
    version,
    deployedAt: deployTimes.at(-1) ?? description?.DateUpdated?.toISOString() ?? null,
    traffic: healthOut?.ApplicationMetrics ? trafficOf(healthOut.ApplicationMetrics) : null,
    instances: instanceStatuses,
    alarms: value(alarms, 'the alarms') ?? [],
    database: db ? databaseStatus(db, series?.freeStorageGb ?? null) : null,
    redis: value(redis, 'Redis'),
    dependencies,
    metrics: provisioned ? series : null,
    healthy: false,
    problems,
    notes,
    unread: [
      ...(env.ok ? [] : ['environment']),
      ...(alarms.ok ? [] : ['alarms']),
      ...(database.ok ? [] : ['database']),
      ...(redis.ok ? [] : ['redis']),
    ],
  };
  const evaluated = evaluate(status, { databaseRead: database.ok, redisRead: redis.ok });
  if (!env.ok) READ_FAILURES.set(evaluated, env.error);
  return evaluated;
}

/** Each dependency's environment of the same name (naming convention: <service>-<env>). */
async function readDependencies(clients: StatusClients, target: StatusTarget): Promise<DependencyStatus[]> {
  return Promise.all(
    (target.dependsOn ?? []).map(async (service): Promise<DependencyStatus> => {
      const fullName = `${service}-${target.name}`;
      // Unlike this environment's own sources, nothing about a dependency stops the command.
      const read = await readEnvironment(clients.eb, service, fullName).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({
          ok: false as const,
          error: classifyAwsError(error, { action: 'elasticbeanstalk:DescribeEnvironments' }),
        }),
      );
      if (!read.ok) {
        const message = errorMessage(read.error);
        return {
          service,
          fullName,
          provisioned: null,
          status: null,
          health: null,
          healthStatus: null,
          url: null,
          problem: `could not read ${fullName}: ${message}`,
        };
      }
      const env = read.value;
      return {
        service,
        fullName,
        provisioned: env !== null,
        status: env?.Status ?? null,
        health: env?.Health ?? null,
        healthStatus: env?.HealthStatus ?? null,
        url: urlOf(env),
        problem: env
          ? null
          : `not provisioned in ${target.name} (run "lsvc provision --env ${target.name}" in ${service}'s folder)`,
      };
    }),
  );
}

// Why an environment could not be read, kept beside (not in) the report: the JSON stays as it is.
const READ_FAILURES = new WeakMap<EnvironmentStatus, unknown>();

/** The error of an environment that could not be read (DescribeEnvironments failed), if it was not. */
export function readFailure(s: EnvironmentStatus): unknown {
  return READ_FAILURES.get(s);
}

/** Several environments, also in parallel (each with its own clients: regions may differ). */
export async function collectReport(
  targets: { clients: StatusClients; target: StatusTarget }[],
  opts: CollectOptions,
): Promise<StatusReport> {
  const environments = await Promise.all(
    targets.map(({ clients, target }) => collectEnvironmentStatus(clients, target, opts)),
  );
  return {
    healthy: environments.every((e) => e.healthy),
    checkedAt: new Date(opts.now()).toISOString(),
    environments,
  };
}
