// "Outcome of the last deploy" for a fleet row. From the release record every lsvc deploy and
// rollback writes (src/releases/: the outcome, the version, who) when the environment has one;
// else, for deploys made before records or without lsvc, from the environment's Elastic Beanstalk
// events of the last week: the newest event that ends (or starts) an update says how it went.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

import { send } from '../aws/call.js';
import { describeEvents, type EventDescription } from '../aws/eb.js';
import type { ReleaseOutcome, ReleaseRecord } from '../releases/record.js';
import { listReleaseRecords } from '../releases/store.js';

export type DeployOutcome =
  'deployed' | 'failed' | 'rolled-back' | 'aborted' | 'in-progress' | ReleaseOutcome;

export interface LastDeploy {
  outcome: DeployOutcome | (string & {});
  /** When it ended (or started, while in progress): ISO 8601. */
  at: string;
  /** The event it was read from, or what the record says ("deploy of v12 by alice"). */
  message: string;
  /** Where the outcome comes from. */
  source: 'release-record' | 'eb-events';
  /** From a release record: the version and who deployed it. */
  version?: string;
  by?: string;
}

// Newest first, the first match wins: EB's own wording for the end of an environment update.
const RULES: [RegExp, DeployOutcome][] = [
  [/abort/i, 'aborted'],
  [/roll(ed|ing)? ?back/i, 'rolled-back'],
  [/failed to deploy|update (?:failed|completed.*with errors)|deployment failed/i, 'failed'],
  [/update completed successfully|deployed to running ec2 instances/i, 'deployed'],
  [/environment update is starting|deploying new version/i, 'in-progress'],
];

/** The outcome the newest deploy event tells (pure: tests give it recorded events). */
export function outcomeOf(events: EventDescription[]): LastDeploy | null {
  const newestFirst = [...events].sort(
    (a, b) => (b.EventDate?.getTime() ?? 0) - (a.EventDate?.getTime() ?? 0),
  );
  for (const e of newestFirst) {
    const message = e.Message ?? '';
    const rule = RULES.find(([re]) => re.test(message));
    if (rule)
      return {
        outcome: rule[1],
        at: (e.EventDate ?? new Date(0)).toISOString(),
        message,
        source: 'eb-events',
      };
  }
  return null;
}

const WEEK_MS = 7 * 24 * 3600_000;

export function fromRecord(r: ReleaseRecord): LastDeploy {
  return {
    outcome: r.outcome,
    at: r.finishedAt ?? r.startedAt,
    message: `${r.kind} of ${r.version} by ${r.by}`,
    source: 'release-record',
    version: r.version,
    by: r.by,
  };
}

/** The clients a row is read with; without s3 and sts, only the events are read. */
export interface LastDeployClients {
  eb: ElasticBeanstalkClient;
  s3?: S3Client | undefined;
  sts?: STSClient | undefined;
}

export interface LastDeployWhere {
  application: string;
  /** The Elastic Beanstalk environment. */
  environment: string;
  /** The lsvc.yml service and environment names, where the records are kept. */
  service?: string;
  envName?: string;
}

// The records are in elasticbeanstalk-<region>-<account> (where deploy puts the bundles): the
// account is asked once per set of clients (a region and profile), not once per row.
// Exported: the dashboard reads the deploy markers from the same bucket.
const buckets = new WeakMap<object, Promise<string | undefined>>();

export function recordsBucket(sts: STSClient): Promise<string | undefined> {
  let bucket = buckets.get(sts);
  if (!bucket) {
    bucket = (async () => {
      const id = await send('sts', sts, new GetCallerIdentityCommand({}));
      const region = await sts.config.region();
      return id.Account ? `elasticbeanstalk-${region}-${id.Account}` : undefined;
    })();
    buckets.set(sts, bucket);
  }
  return bucket;
}

async function fromRecords(c: LastDeployClients, where: LastDeployWhere): Promise<LastDeploy | null> {
  if (!c.s3 || !c.sts || !where.service || !where.envName) return null;
  try {
    const bucket = await recordsBucket(c.sts);
    if (!bucket) return null;
    const [newest] = await listReleaseRecords(
      { s3: c.s3, bucket },
      { service: where.service, environment: where.envName },
      { limit: 1 },
    );
    return newest ? fromRecord(newest) : null;
  } catch {
    // Records unreadable (no permission for the bucket, say): the events still tell something.
    return null;
  }
}

export async function readLastDeploy(
  clients: LastDeployClients,
  where: LastDeployWhere,
  now: number,
): Promise<LastDeploy | null> {
  const recorded = await fromRecords(clients, where);
  if (recorded) return recorded;
  return outcomeOf(
    await describeEvents(clients.eb, {
      application: where.application,
      environment: where.environment,
      since: new Date(now - WEEK_MS),
    }),
  );
}
