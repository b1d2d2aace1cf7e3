import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';

import Logs from '../../commands/logs.js';
import type { LogEvent } from '../../src/aws/logs.js';
import { formatEvent, parseLine } from '../../src/logs/format.js';
import { classifyGroup, selectGroups } from '../../src/logs/groups.js';
import { fetchWindow, followLogs, toFilterPattern } from '../../src/logs/read.js';
import { parseDuration, parseSince } from '../../src/logs/since.js';
import { fakeClock } from '../../src/clock.js';
import { makePaint } from '../../src/ui.js';
import { removeDir } from '../support/cli.js';
import { NOW, runCommand, serviceDir } from './status-fixtures.js';

const logs = mockClient(CloudWatchLogsClient);
beforeEach(() => {
  logs.reset();
});

const paint = makePaint(false);
const fmt = (message: string, timestamp = NOW) =>
  formatEvent({ timestamp, message }, { paint, timeZone: 'UTC' }).join('\n');

const PREFIX = '/aws/elasticbeanstalk/billing-api-staging';
const APP = `${PREFIX}/var/log/eb-docker/containers/eb-current-app/stdouterr.log`;
const ENGINE = `${PREFIX}/var/log/eb-engine.log`;
const NGINX = `${PREFIX}/var/log/nginx/access.log`;

const pino = (fields: Record<string, unknown>) =>
  JSON.stringify({
    level: 'info',
    time: '2026-11-28T11:58:01.250Z',
    service: 'billing-api',
    version: '1.4.0',
    process: 'web',
    ...fields,
  });

describe('log line formatting', () => {
  it('pino JSON: HH:MM:SS LEVEL [process] msg key=value, without the noise fields', () => {
    expect(
      fmt(pino({ reqId: 'r-3f9c2a', msg: 'request completed', res: { statusCode: 200 }, responseTime: 12 })),
    ).toBe('11:58:01 INFO  [web] request completed reqId=r-3f9c2a res={"statusCode":200} responseTime=12');
  });

  it('numeric pino levels and epoch times; strings with spaces quoted', () => {
    const line = JSON.stringify({
      level: 50,
      time: Date.UTC(2026, 10, 28, 9, 5, 7),
      pid: 7,
      hostname: 'ip-10-0-1-2',
      msg: 'job failed',
      queue: 'emails',
      reason: 'SMTP timed out',
    });
    expect(fmt(line)).toBe('09:05:07 ERROR job failed queue=emails reason="SMTP timed out"');
  });

  it("an error's stack goes below the line", () => {
    const line = pino({
      level: 'error',
      process: 'worker',
      msg: 'job failed',
      err: {
        type: 'TypeError',
        message: "Cannot read properties of undefined (reading 'id')",
        stack:
          "TypeError: Cannot read properties of undefined (reading 'id')\n    at handle (/app/dist/src/jobs/notes.js:12:7)\n    at process (/app/node_modules/bullmq/dist/esm/classes/worker.js:400:9)",
      },
    });
    expect(fmt(line).split('\n')).toEqual([
      `11:58:01 ERROR [worker] job failed err="TypeError: Cannot read properties of undefined (reading 'id')"`,
      '    at handle (/app/dist/src/jobs/notes.js:12:7)',
      '    at process (/app/node_modules/bullmq/dist/esm/classes/worker.js:400:9)',
    ]);
  });

  it('the docker compose prefix names the process', () => {
    expect(parseLine(`worker-1  | ${pino({ process: undefined, msg: 'x' })}`).process).toBe('worker');
    expect(parseLine('web_1     | plain text').process).toBe('web');
    expect(fmt(`web-1  | ${pino({ msg: 'listening', port: 3000 })}`)).toBe(
      '11:58:01 INFO  [web] listening port=3000',
    );
  });

  it('plain lines are printed as they are', () => {
    expect(fmt('docker-entrypoint: running migrations\n')).toBe('docker-entrypoint: running migrations');
    expect(fmt('{not json')).toBe('{not json');
    expect(fmt('2026/11/28 11:58:00.123 [INFO] Executing instruction: StartDockerCompose')).toBe(
      '2026/11/28 11:58:00.123 [INFO] Executing instruction: StartDockerCompose',
    );
  });

  it('colours by level when colour is on', () => {
    const coloured = formatEvent(
      { timestamp: NOW, message: pino({ level: 'error', msg: 'boom' }) },
      { paint: makePaint(true), timeZone: 'UTC' },
    )[0];
    expect(coloured).toContain('\x1b[31mERROR\x1b[39m');
  });
});

describe('--since', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['90 sec', 90_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseSince(text, NOW)).toBe(NOW - ms);
  });

  it('takes a date or date/time', () => {
    expect(parseSince('2026-11-28T10:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 28, 10));
    expect(parseSince('2026-11-27', NOW)).toBe(Date.UTC(2026, 10, 27));
  });

  it('refuses anything else with exit 2 and the accepted forms', () => {
    expect(() => parseSince('yesterday', NOW)).toThrow(
      expect.objectContaining({ exitCode: 2, hint: expect.stringContaining('1h30m') }),
    );
    expect(() => parseSince('10x', NOW)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseSince('2027-01-01', NOW)).toThrow(/in the future/);
  });
});

describe('--filter', () => {
  it('plain text becomes an exact phrase; patterns pass through', () => {
    expect(toFilterPattern('payment failed')).toBe('"payment failed"');
    expect(toFilterPattern('say "hi"')).toBe('"say \\"hi\\""');
    expect(toFilterPattern('{ $.level = "error" }')).toBe('{ $.level = "error" }');
    expect(toFilterPattern('?ERROR ?WARN')).toBe('?ERROR ?WARN');
    expect(toFilterPattern(undefined)).toBeUndefined();
  });
});

describe('log groups and --process', () => {
  const groups = [
    APP,
    ENGINE,
    NGINX,
    `${PREFIX}/var/log/eb-docker/containers/worker/jobs.log`,
    `${PREFIX}/var/log/eb-hooks.log`,
  ];

  it('classifies the groups EB streams for Docker on AL2023', () => {
    expect(classifyGroup(APP)).toEqual({ name: APP, kind: 'app', process: undefined });
    expect(classifyGroup(ENGINE).kind).toBe('platform');
    expect(classifyGroup(`${PREFIX}/var/log/eb-docker/containers/worker/jobs.log`).process).toBe('worker');
  });

  it('app groups by default; platform ones with --platform; --process drops the other process', () => {
    expect(selectGroups(groups, {}).map((g) => g.name)).toEqual([
      APP,
      `${PREFIX}/var/log/eb-docker/containers/worker/jobs.log`,
    ]);
    expect(selectGroups(groups, { platform: true })).toHaveLength(5);
    expect(selectGroups(groups, { process: 'web' }).map((g) => g.name)).toEqual([APP]);
    expect(selectGroups(groups, { process: 'worker' })).toHaveLength(2);
  });

  it('in the shared group, keeps the lines of the chosen process only', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        {
          eventId: '1',
          logStreamName: 'i-1',
          timestamp: NOW - 3000,
          message: `web-1     | ${pino({ msg: 'a' })}`,
        },
        {
          eventId: '2',
          logStreamName: 'i-1',
          timestamp: NOW - 2000,
          message: `worker-1  | ${pino({ process: 'worker', msg: 'b' })}`,
        },
        {
          eventId: '3',
          logStreamName: 'i-1',
          timestamp: NOW - 1000,
          message: pino({ process: 'worker', msg: 'c' }),
        },
        { eventId: '4', logStreamName: 'i-1', timestamp: NOW - 500, message: 'no process known' },
      ],
    });
    const client = new CloudWatchLogsClient({ region: 'eu-west-1' });
    const worker = await fetchWindow(client, {
      groups: selectGroups([APP], {}),
      startTime: NOW - 60_000,
      process: 'worker',
    });
    expect(worker.events.map((e) => e.eventId)).toEqual(['2', '3']);
    const all = await fetchWindow(client, { groups: selectGroups([APP], {}), startTime: NOW - 60_000 });
    expect(all.events).toHaveLength(4);
  });
});

describe('follow mode', () => {
  it('polls from the newest timestamp (minus an overlap) and prints each event once', async () => {
    const ev = (id: string, t: number) => ({
      eventId: id,
      logStreamName: 'i-1',
      timestamp: t,
      message: `m${id}`,
    });
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [ev('a', NOW - 5000), ev('b', NOW - 4000)] })
      // The next poll sees b again (overlap), plus a late event older than b, plus a new one.
      .resolvesOnce({
        events: [ev('b', NOW - 4000), ev('late', NOW - 4500), ev('c', NOW + 1000)],
        nextToken: 'p2',
      })
      .resolvesOnce({ events: [ev('d', NOW + 2000)] })
      .resolvesOnce({ events: [ev('c', NOW + 1000), ev('d', NOW + 2000)] })
      .resolves({ events: [] });
    const clock = fakeClock(NOW);
    const stop = new AbortController();
    const printed: LogEvent[][] = [];
    let polls = 0;
    clock.sleep = async (ms) => {
      clock.slept.push(ms);
      polls += 1;
      if (polls === 3) stop.abort();
    };
    await followLogs({
      logs: new CloudWatchLogsClient({ region: 'eu-west-1' }),
      query: { groups: selectGroups([APP], {}), startTime: NOW - 600_000 },
      clock,
      signal: stop.signal,
      intervalMs: 3000,
      overlapMs: 30_000,
      emit: (events) => printed.push(events),
    });
    expect(printed.map((batch) => batch.map((e) => e.eventId))).toEqual([
      ['a', 'b'],
      ['late', 'c', 'd'],
    ]);
    const starts = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.startTime);
    // First the whole window, then from the newest seen minus the 30 s overlap (never before --since).
    expect(starts).toEqual([NOW - 600_000, NOW - 34_000, NOW - 34_000, NOW - 28_000]);
    expect(logs.commandCalls(FilterLogEventsCommand)[2]?.args[0].input).toMatchObject({ nextToken: 'p2' });
    expect(clock.slept).toEqual([3000, 3000, 3000]);
  });
});

describe('lsvc logs (the command)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await serviceDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });
  const run = (argv: string[]) =>
    runCommand(Logs, argv, { cwd: dir, env: { AWS_REGION: 'eu-west-1', TZ: 'UTC' } });

  function twoLines() {
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [{ logGroupName: APP }, { logGroupName: ENGINE }],
    });
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        {
          eventId: '1',
          logStreamName: 'i-0aaa',
          timestamp: NOW,
          ingestionTime: NOW + 400,
          message: `web-1  | ${pino({ msg: 'request completed', reqId: 'r-1' })}`,
        },
        {
          eventId: '2',
          logStreamName: 'i-0aaa',
          timestamp: NOW + 1,
          ingestionTime: NOW + 400,
          message: 'worker-1  | docker-entrypoint: running migrations',
        },
      ],
    });
  }

  it('prints the app logs readably, filter pattern and start time sent to CloudWatch', async () => {
    twoLines();
    const r = await run(['--env', 'staging', '--since', '2h', '--filter', 'request completed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '11:58:01 INFO  [web] request completed reqId=r-1\nworker-1  | docker-entrypoint: running migrations\n',
    );
    expect(logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input).toMatchObject({
      logGroupNamePrefix: `${PREFIX}/`,
    });
    const calls = logs.commandCalls(FilterLogEventsCommand);
    expect(calls.map((c) => c.args[0].input.logGroupName)).toEqual([APP]);
    expect(calls[0]?.args[0].input).toMatchObject({ filterPattern: '"request completed"' });
    const start = calls[0]?.args[0].input.startTime ?? 0;
    expect(Math.abs(Date.now() - 7_200_000 - start)).toBeLessThan(60_000);
  });

  it('--json prints the raw events, one per line', async () => {
    twoLines();
    const r = await run(['--env', 'staging', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEvent);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      logGroupName: APP,
      logStreamName: 'i-0aaa',
      eventId: '1',
      timestamp: NOW,
      ingestionTime: NOW + 400,
      message: expect.stringContaining('"msg":"request completed"'),
    });
  });

  it('no log groups: says why, exit 0', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`No CloudWatch log groups under ${PREFIX}/`);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it('bad input: unknown env and bad --since exit 2 before any call; --env is required', async () => {
    expect((await run(['--env', 'nope'])).code).toBe(2);
    const since = await run(['--env', 'staging', '--since', 'soon']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since "soon" is neither a duration nor a date.');
    expect((await run([])).code).toBe(2);
    expect(logs.calls()).toHaveLength(0);
  });

  it('access denied: exit 5 naming the action', async () => {
    logs.on(DescribeLogGroupsCommand).rejects(
      Object.assign(new Error('not authorized to perform: logs:DescribeLogGroups'), {
        name: 'AccessDeniedException',
      }),
    );
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('Access denied: logs:DescribeLogGroups is not allowed for these credentials.');
  });
});
