// Elastic Beanstalk calls shared by deploy, rollback, releases (and readable by status / env):
// each is one API through send (call.ts: errors classified, naming the action) and returns plain
// SDK shapes. Polling loops live in src/deploy/, not here.
import {
  AbortEnvironmentUpdateCommand,
  type ApplicationVersionDescription,
  CreateApplicationVersionCommand,
  CreateStorageLocationCommand,
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  DescribeInstancesHealthCommand,
  type ElasticBeanstalkClient,
  type EnvironmentDescription,
  type EventDescription,
  type EnvironmentInfoDescription,
  RequestEnvironmentInfoCommand,
  RetrieveEnvironmentInfoCommand,
  type SingleInstanceHealth,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';

import { AwsError } from '../errors.js';
import { send } from './call.js';
import { errorName } from './errors.js';

export { isThrottling } from './errors.js';

export type { ApplicationVersionDescription, EnvironmentDescription, EventDescription, SingleInstanceHealth };

/** UpdateEnvironment / AbortEnvironmentUpdate while another operation runs. */
export function isInvalidState(error: unknown): boolean {
  const message = (error as { message?: string } | null)?.message ?? '';
  return errorName(error) === 'InvalidParameterValue' && /invalid state|must be ready/i.test(message);
}

/** Application version statuses arrive upper case on the wire, title case in the SDK's enum. */
export function versionStatus(v: ApplicationVersionDescription | undefined): string {
  return (v?.Status ?? '').toUpperCase();
}

export async function findEnvironment(
  eb: ElasticBeanstalkClient,
  application: string,
  environment: string,
): Promise<EnvironmentDescription | undefined> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new DescribeEnvironmentsCommand({
      ApplicationName: application,
      EnvironmentNames: [environment],
      IncludeDeleted: false,
    }),
  );
  // Filtered here too: the filters are only a hint to some emulators (moto answers every environment).
  return out.Environments?.find(
    (e) =>
      e.EnvironmentName === environment && e.ApplicationName === application && e.Status !== 'Terminated',
  );
}

/** Every live environment of an application. */
export async function listEnvironments(
  eb: ElasticBeanstalkClient,
  application: string,
): Promise<EnvironmentDescription[]> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new DescribeEnvironmentsCommand({ ApplicationName: application, IncludeDeleted: false }),
  );
  return (out.Environments ?? []).filter(
    (e) => e.ApplicationName === application && e.Status !== 'Terminated',
  );
}

export interface EventQuery {
  application: string;
  environment?: string;
  versionLabel?: string;
  since: Date;
}

/** Events since a time, oldest first (EB answers newest first; at most a few pages). */
export async function describeEvents(eb: ElasticBeanstalkClient, q: EventQuery): Promise<EventDescription[]> {
  const events: EventDescription[] = [];
  let token: string | undefined;
  for (let page = 0; page < 5; page++) {
    const out = await send(
      'elasticbeanstalk',
      eb,
      new DescribeEventsCommand({
        ApplicationName: q.application,
        ...(q.environment ? { EnvironmentName: q.environment } : {}),
        ...(q.versionLabel ? { VersionLabel: q.versionLabel } : {}),
        StartTime: q.since,
        MaxRecords: 100,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    events.push(...(out.Events ?? []));
    token = out.NextToken;
    if (!token) break;
  }
  // Newest first on the wire: reversed, events of the same second keep their real order.
  return events.reverse().sort((a, b) => (a.EventDate?.getTime() ?? 0) - (b.EventDate?.getTime() ?? 0));
}

export interface EnvironmentHealth {
  /** Green, Yellow, Red, Grey. */
  color: string | undefined;
  /** Ok, Info, Warning, Degraded, Severe, Pending, Unknown, NoData, Suspended. */
  healthStatus: string | undefined;
  /** Ready, Updating, Launching... */
  status: string | undefined;
  causes: string[];
}

/** Enhanced health of the environment; undefined when enhanced health reporting is off. */
export async function environmentHealth(
  eb: ElasticBeanstalkClient,
  environment: string,
): Promise<EnvironmentHealth | undefined> {
  try {
    const out = await send(
      'elasticbeanstalk',
      eb,
      new DescribeEnvironmentHealthCommand({
        EnvironmentName: environment,
        AttributeNames: ['Color', 'HealthStatus', 'Status', 'Causes'],
      }),
    );
    return {
      color: out.Color,
      healthStatus: out.HealthStatus,
      status: out.Status,
      causes: out.Causes ?? [],
    };
  } catch (error) {
    if (isEnhancedHealthOff(error)) return undefined;
    throw error;
  }
}

/** Per-instance enhanced health; undefined when enhanced health reporting is off. */
export async function instancesHealth(
  eb: ElasticBeanstalkClient,
  environment: string,
): Promise<SingleInstanceHealth[] | undefined> {
  try {
    const out = await send(
      'elasticbeanstalk',
      eb,
      new DescribeInstancesHealthCommand({
        EnvironmentName: environment,
        AttributeNames: ['HealthStatus', 'Color', 'Causes', 'Deployment'],
      }),
    );
    return out.InstanceHealthList ?? [];
  } catch (error) {
    if (isEnhancedHealthOff(error)) return undefined;
    throw error;
  }
}

function isEnhancedHealthOff(error: unknown): boolean {
  const message = (error as { message?: string } | null)?.message ?? '';
  return errorName(error) === 'InvalidRequestException' && /enhanced health/i.test(message);
}

/** Application versions, newest first (all of them, or the given labels). */
export async function describeVersions(
  eb: ElasticBeanstalkClient,
  application: string,
  labels?: string[],
): Promise<ApplicationVersionDescription[]> {
  const versions: ApplicationVersionDescription[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const out = await send(
      'elasticbeanstalk',
      eb,
      new DescribeApplicationVersionsCommand({
        ApplicationName: application,
        ...(labels ? { VersionLabels: labels } : { MaxRecords: 100 }),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    versions.push(...(out.ApplicationVersions ?? []));
    token = out.NextToken;
    if (!token || labels) break;
  }
  return versions.sort((a, b) => (b.DateCreated?.getTime() ?? 0) - (a.DateCreated?.getTime() ?? 0));
}

export async function findVersion(
  eb: ElasticBeanstalkClient,
  application: string,
  label: string,
): Promise<ApplicationVersionDescription | undefined> {
  const [found] = await describeVersions(eb, application, [label]);
  return found;
}

/** The account's Elastic Beanstalk bucket (elasticbeanstalk-<region>-<account>), made if absent. */
export async function storageBucket(eb: ElasticBeanstalkClient): Promise<string> {
  const out = await send('elasticbeanstalk', eb, new CreateStorageLocationCommand({}));
  if (!out.S3Bucket) throw new AwsError('Elastic Beanstalk returned no storage bucket.');
  return out.S3Bucket;
}

export interface NewVersion {
  application: string;
  label: string;
  description: string;
  bucket: string;
  key: string;
}

export async function createApplicationVersion(
  eb: ElasticBeanstalkClient,
  v: NewVersion,
): Promise<ApplicationVersionDescription | undefined> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new CreateApplicationVersionCommand({
      ApplicationName: v.application,
      VersionLabel: v.label,
      Description: v.description,
      SourceBundle: { S3Bucket: v.bucket, S3Key: v.key },
      // EB checks the bundle now (Processed / Failed) rather than at deploy time.
      Process: true,
    }),
  );
  return out.ApplicationVersion;
}

/**
 * Start deploying a version; the answer is the environment as EB saw it (Status Updating).
 * `properties` (environment variables such as the dependencies' <SERVICE>_URL) change in the same
 * update: the new version starts with them.
 */
export async function updateEnvironmentVersion(
  eb: ElasticBeanstalkClient,
  environment: string,
  label: string,
  properties: Record<string, string> = {},
): Promise<EnvironmentDescription> {
  const settings = Object.entries(properties).map(([OptionName, Value]) => ({
    Namespace: 'aws:elasticbeanstalk:application:environment',
    OptionName,
    Value,
  }));
  return send(
    'elasticbeanstalk',
    eb,
    new UpdateEnvironmentCommand({
      EnvironmentName: environment,
      VersionLabel: label,
      ...(settings.length ? { OptionSettings: settings } : {}),
    }),
  );
}

export async function abortEnvironmentUpdate(eb: ElasticBeanstalkClient, environment: string): Promise<void> {
  await send('elasticbeanstalk', eb, new AbortEnvironmentUpdateCommand({ EnvironmentName: environment }));
}

/** Ask every instance for the tail of its logs (uploaded to S3 in the background). */
export async function requestLogTail(eb: ElasticBeanstalkClient, environment: string): Promise<void> {
  await send(
    'elasticbeanstalk',
    eb,
    new RequestEnvironmentInfoCommand({ EnvironmentName: environment, InfoType: 'tail' }),
  );
}

/** The tails instances have uploaded so far: each Message is a presigned S3 URL. */
export async function retrieveLogTails(
  eb: ElasticBeanstalkClient,
  environment: string,
): Promise<EnvironmentInfoDescription[]> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new RetrieveEnvironmentInfoCommand({ EnvironmentName: environment, InfoType: 'tail' }),
  );
  return out.EnvironmentInfo ?? [];
}
