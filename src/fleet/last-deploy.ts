// "Outcome of the last deploy" for a fleet row. Until deploys keep a durable release record, it is
// read from the environment's Elastic Beanstalk events of the last week: the newest event that ends
// (or starts) an update says how it went. This is the one place to point at the release record.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

import { describeEvents, type EventDescription } from '../aws/eb.js';

export type DeployOutcome = 'deployed' | 'failed' | 'rolled-back' | 'aborted' | 'in-progress';

export interface LastDeploy {
  outcome: DeployOutcome;
  /** When it ended (or started, while in progress): ISO 8601. */
  at: string;
  /** The event it was read from. */
  message: string;
  /** Where the outcome comes from. */
  source: 'eb-events';
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

export async function readLastDeploy(
  eb: ElasticBeanstalkClient,
  where: { application: string; environment: string },
  now: number,
): Promise<LastDeploy | null> {
  return outcomeOf(await describeEvents(eb, { ...where, since: new Date(now - WEEK_MS) }));
}
