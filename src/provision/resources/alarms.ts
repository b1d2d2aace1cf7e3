// CloudWatch alarms from src/aws/alarms.ts: created or updated (PutMetricAlarm) when CloudWatch's
// copy differs from the definition.
import {
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';

import { alarmDefinitions, alarmDifferences, alarmNamePrefix } from '../../aws/alarms.js';
import { send } from '../../aws/call.js';
import { PENDING } from '../diff.js';
import { envTags } from '../tags.js';
import type { ProvisionContext, Resource } from '../types.js';

/** One resource per alarm; one DescribeAlarms (paged) for all of them. */
export function alarms(ctx: ProvisionContext): Resource[] {
  let existing: Promise<Map<string, MetricAlarm>> | undefined;
  const load = () =>
    (existing ??= (async () => {
      const found = new Map<string, MetricAlarm>();
      let token: string | undefined;
      do {
        const page = await send(
          'cloudwatch',
          ctx.clients.cloudwatch,
          new DescribeAlarmsCommand({
            AlarmNamePrefix: alarmNamePrefix(ctx.names),
            AlarmTypes: ['MetricAlarm'],
            NextToken: token,
          }),
        );
        for (const a of page.MetricAlarms ?? []) if (a.AlarmName) found.set(a.AlarmName, a);
        token = page.NextToken;
      } while (token);
      return found;
    })());
  const definition = (c: ProvisionContext, alarmName: string): PutMetricAlarmInput => {
    const def = alarmDefinitions({
      service: c.service,
      names: c.names,
      thresholds: c.environment.alarms,
      topicArn: c.known.topicArn,
    }).find((d) => d.AlarmName === alarmName);
    if (!def) throw new Error(`no alarm definition ${alarmName}`);
    return def;
  };
  const names = alarmDefinitions({
    service: ctx.service,
    names: ctx.names,
    thresholds: ctx.environment.alarms,
    topicArn: undefined,
  }).map((d) => d.AlarmName ?? '');
  return names.map((alarmName) => ({
    kind: 'alarm' as const,
    name: alarmName,
    async inspect(c: ProvisionContext) {
      const desired = definition(c, alarmName);
      const put = async (x: ProvisionContext) => {
        await send(
          'cloudwatch',
          x.clients.cloudwatch,
          new PutMetricAlarmCommand({ ...definition(x, alarmName), Tags: envTags(x) }),
        );
      };
      const actual = (await load()).get(alarmName);
      if (!actual) {
        return { action: 'create' as const, details: [summary(desired)], apply: put };
      }
      const diffs = alarmDifferences(actual, desired).map((d) =>
        c.known.topicArn === undefined && d.includes('Actions') ? `${d.split(':')[0] ?? d}: ${PENDING}` : d,
      );
      if (!diffs.length) return { action: 'unchanged' as const, details: [] };
      return { action: 'update' as const, details: diffs, apply: put };
    },
  }));
}

/** The definition's description without the "Managed by" note: "p99 latency above 2000 ms...". */
function summary(def: PutMetricAlarmInput): string {
  return (def.AlarmDescription ?? '').replace(/ Managed by lsvc provision.*$/, '');
}
