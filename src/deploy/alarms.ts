// The environment's CloudWatch alarms in ALARM (named <service>-<env>-<metric> by
// src/aws/names.ts). Read-only; the alarm definitions belong to provision (src/aws/alarms.ts).
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';

import { asAwsError } from '../aws/clients.js';

export interface FiringAlarm {
  name: string;
  reason: string;
  /** When it entered ALARM (ms since the epoch). */
  since: number;
}

export async function firingAlarms(cw: CloudWatchClient, prefix: string): Promise<FiringAlarm[]> {
  const found: FiringAlarm[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    let out;
    try {
      out = await cw.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: prefix,
          StateValue: 'ALARM',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          ...(token ? { NextToken: token } : {}),
        }),
      );
    } catch (error) {
      throw asAwsError(error, 'cloudwatch:DescribeAlarms');
    }
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      if (a.StateValue !== 'ALARM' || !a.AlarmName) continue;
      found.push({
        name: a.AlarmName,
        reason: a.StateReason ?? '',
        since: a.StateUpdatedTimestamp?.getTime() ?? 0,
      });
    }
    token = out.NextToken;
    if (!token) break;
  }
  return found;
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
