// The environment's CloudWatch alarms in ALARM (named <service>-<env>-<metric> by
// src/aws/names.ts). Read-only; the alarm definitions belong to provision (src/aws/alarms.ts).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { describeAlarmsByPrefix } from '../aws/alarms.js';

export interface FiringAlarm {
  name: string;
  reason: string;
  /** When it entered ALARM (ms since the epoch). */
  since: number;
}

export async function firingAlarms(cw: CloudWatchClient, prefix: string): Promise<FiringAlarm[]> {
  const alarms = await describeAlarmsByPrefix(cw, prefix, [], 'ALARM');
  return alarms
    .filter((a) => a.StateValue === 'ALARM' && a.AlarmName)
    .map((a) => ({
      name: a.AlarmName ?? '',
      reason: a.StateReason ?? '',
      since: a.StateUpdatedTimestamp?.getTime() ?? 0,
    }));
}

/**
 * The alarms that count against a deploy: those that went into ALARM after it started. One that
 * was already firing before (a queue backlog, say) is not this version's fault; it is reported
 * at the start, and counts again if it recovers and fires anew.
 */
export function newlyFiring(
  alarms: FiringAlarm[],
  startedAt: number,
  firingAtStart: Set<string>,
): FiringAlarm[] {
  return alarms.filter((a) => !firingAtStart.has(a.name) || a.since > startedAt);
}
