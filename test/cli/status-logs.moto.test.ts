// `lsvc logs` and `lsvc status` through the built binary against moto (../shared/testbed/aws-up):
// real SDK clients, real HTTP, AWS_ENDPOINT_URL. moto's state is shared: every run uses its own
// service name.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateApplicationCommand,
  CreateEnvironmentCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';

import type { StatusReport } from '../../src/status/types.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const AWS_ENV = MOTO_ENV;
const sdk = MOTO_SDK;
const service = `s-moto-${uniqueSuffix()}`;

let dir: string;
beforeAll(async () => {
  await ensureMoto();
  dir = await tempDir('lsvc-moto-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    `service: ${service}\nregion: us-east-1\nenvironments:\n  staging:\n  production:\n`,
  );
}, 600_000);
afterAll(async () => {
  await removeDir(dir);
});

const lsvc = (args: string[]) => runCli(args, { cwd: dir, env: AWS_ENV });

describe('lsvc logs against moto', () => {
  const group = `/aws/elasticbeanstalk/${service}-staging/var/log/eb-docker/containers/eb-current-app/stdouterr.log`;
  const now = Date.now();
  const web = JSON.stringify({
    level: 'info',
    time: new Date(now - 60_000).toISOString(),
    service,
    version: '1.0.0',
    process: 'web',
    reqId: 'r-42',
    msg: 'request completed',
    responseTime: 12,
  });
  const worker = JSON.stringify({
    level: 'error',
    time: new Date(now - 30_000).toISOString(),
    process: 'worker',
    msg: 'job failed',
    jobId: '7',
  });

  beforeAll(async () => {
    const logs = new CloudWatchLogsClient(sdk);
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(
      new CreateLogGroupCommand({
        logGroupName: `/aws/elasticbeanstalk/${service}-staging/var/log/eb-engine.log`,
      }),
    );
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'i-0abc123' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'i-0abc123',
        logEvents: [
          { timestamp: now - 60_000, message: `web-1     | ${web}` },
          { timestamp: now - 45_000, message: 'worker-1  | docker-entrypoint: running migrations' },
          { timestamp: now - 30_000, message: `worker-1  | ${worker}` },
        ],
      }),
    );
  });

  it('reads the events back, pino lines made readable, plain ones as they are', async () => {
    const r = await lsvc(['logs', '--env', 'staging', '--since', '10m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[web\] request completed reqId=r-42 responseTime=12$/);
    expect(lines[1]).toBe('worker-1  | docker-entrypoint: running migrations');
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d ERROR \[worker\] job failed jobId=7$/);
  });

  it('--process worker and --json: the raw worker events only', async () => {
    const r = await lsvc(['logs', '--env', 'staging', '--process', 'worker', '--json']);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { logGroupName: string; logStreamName: string; message: string });
    expect(events.map((e) => e.message)).toEqual([
      'worker-1  | docker-entrypoint: running migrations',
      `worker-1  | ${worker}`,
    ]);
    expect(events[0]).toMatchObject({ logGroupName: group, logStreamName: 'i-0abc123' });
  });

  it('--filter is sent to CloudWatch as a filter pattern', async () => {
    const r = await lsvc(['logs', '--env', 'staging', '--filter', 'job failed']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/ERROR \[worker\] job failed jobId=7$/),
    ]);
  });

  it('an environment without log groups says so (exit 0)', async () => {
    const r = await lsvc(['logs', '--env', 'production']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Check with "lsvc status --env production"; "lsvc provision" turns log streaming on.\n`,
    );
    expect(r.stderr).toContain(`No CloudWatch log groups under /aws/elasticbeanstalk/${service}-production/`);
  });
});

describe('lsvc status against moto', () => {
  it('an environment that is not provisioned: exit 6, the JSON says so', async () => {
    const r = await lsvc(['status', '--env', 'production', '--json']);
    expect(r.code).toBe(6);
    const report = JSON.parse(r.stdout) as StatusReport;
    expect(report.healthy).toBe(false);
    expect(report.environments[0]).toMatchObject({
      name: 'production',
      fullName: `${service}-production`,
      provisioned: false,
      status: null,
      healthy: false,
      problems: ['not provisioned (run "lsvc provision --env production")'],
      database: null,
    });
  });

  it('an environment moto created: what moto answers, and how status degrades for what it does not', async () => {
    const eb = new ElasticBeanstalkClient(sdk);
    await eb.send(new CreateApplicationCommand({ ApplicationName: service }));
    await eb.send(
      new CreateEnvironmentCommand({
        ApplicationName: service,
        EnvironmentName: `${service}-staging`,
        SolutionStackName: '64bit Amazon Linux 2023 v4.4.1 running Docker',
      }),
    );
    const r = await lsvc(['status', '--env', 'staging', '--json']);
    expect(r.code).toBe(6);
    const env = (JSON.parse(r.stdout) as StatusReport).environments[0];
    // moto: Ready, Grey / "No Data", no CNAME; no enhanced health, no CloudWatch alarms (its protocol
    // is older than the SDK's), no ElastiCache describe: those show as notes and problems.
    expect(env).toMatchObject({
      provisioned: true,
      status: 'Ready',
      health: 'Grey',
      url: null,
      healthy: false,
    });
    expect(env?.problems).toEqual([
      expect.stringMatching(/^could not read the alarms \(cloudwatch:DescribeAlarms\): /),
      expect.stringMatching(/^could not read Redis \(elasticache:DescribeReplicationGroups\): /),
      expect.stringMatching(/^health is Grey/),
      'database not found',
    ]);
    expect(env?.unread).toEqual(['alarms', 'redis']);
    expect(env?.notes).toEqual([
      expect.stringMatching(/^enhanced health unavailable \(elasticbeanstalk:DescribeEnvironmentHealth\): /),
      expect.stringMatching(/^instance health unavailable \(elasticbeanstalk:DescribeInstancesHealth\): /),
      // moto has no CloudWatch metrics either: the sparklines are left out, the rest still shows.
      expect.stringMatching(/^metrics unavailable \(cloudwatch:GetMetricData\): /),
    ]);

    const human = await lsvc(['status', '--env', 'staging']);
    expect(human.code).toBe(6);
    expect(human.stdout).toContain(`${service}-staging (staging, us-east-1)  unhealthy`);
    expect(human.stdout).toMatch(/Status +Ready · Grey/);
    expect(human.stdout).toMatch(/Database +not found/);
    expect(human.stdout).toMatch(/Alarms +unknown \(could not read: see Problems\)/);
    expect(human.stdout).toMatch(/Redis +unknown/);
  });
});
