import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeInstancesHealthCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';

import Status from '../../commands/status.js';
import { resourceNames } from '../../src/aws/names.js';
import { collectEnvironmentStatus } from '../../src/status/collect.js';
import { fakeClock } from '../../src/clock.js';
import { renderReport } from '../../src/status/render.js';
import { watchStatus } from '../../src/status/run.js';
import type { StatusClients } from '../../src/status/sources.js';
import type { StatusReport } from '../../src/status/types.js';
import { makePaint } from '../../src/ui.js';
import { removeDir } from '../support/cli.js';
import {
  alarm,
  cacheCluster,
  database,
  environment,
  environmentHealth,
  instance,
  minutesAgo,
  named,
  NOW,
  replicationGroup,
  runCommand,
  SERVICE,
  serviceDir,
} from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const cw = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const ec = mockClient(ElastiCacheClient);

const clients = (): StatusClients => ({
  eb: new ElasticBeanstalkClient({ region: 'eu-west-1' }),
  cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
  rds: new RDSClient({ region: 'eu-west-1' }),
  elasticache: new ElastiCacheClient({ region: 'eu-west-1' }),
});

const target = (env = 'staging', exclude: string[] = []) => ({
  name: env,
  region: 'eu-west-1',
  names: resourceNames(SERVICE, env),
  excludeAlarmPrefixes: exclude,
});

/** Every source answers: a healthy environment with two instances, three OK alarms, DB, Redis. */
function healthy() {
  eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [environment()] });
  eb.on(DescribeEnvironmentHealthCommand).resolves(environmentHealth());
  eb.on(DescribeInstancesHealthCommand).resolves({
    InstanceHealthList: [instance('i-0aaa1111bbbb2222c'), instance('i-0ddd3333eeee4444f')],
    RefreshedAt: minutesAgo(0.1),
  });
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [alarm('5xx'), alarm('p99-latency'), alarm('unhealthy-hosts')],
  });
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'free', Values: [16.5 * 1024 ** 3, 16.6 * 1024 ** 3], StatusCode: 'Complete' }],
  });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database()] });
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [replicationGroup()] });
  ec.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [cacheCluster()] });
}

let dir: string;
beforeAll(async () => {
  dir = await serviceDir();
});
afterAll(async () => {
  await removeDir(dir);
});
beforeEach(() => {
  eb.reset();
  cw.reset();
  rds.reset();
  ec.reset();
});

const paint = makePaint(false);
const screen = (report: StatusReport) =>
  renderReport(report, { paint, now: NOW, timeZone: 'UTC' }).join('\n');
const collect = async (env = 'staging') => {
  const s = await collectEnvironmentStatus(clients(), target(env), { now: () => NOW });
  return { healthy: s.healthy, checkedAt: new Date(NOW).toISOString(), environments: [s] };
};

describe('lsvc status: one environment', () => {
  it('healthy: status, health, URL, version, instances, alarms, database and Redis; exit 0', async () => {
    healthy();
    const report = await collect();
    expect(report.healthy).toBe(true);
    expect(report.environments[0]?.problems).toEqual([]);
    const text = screen(report);
    expect(text).toContain('billing-api-staging (staging, eu-west-1)  healthy');
    expect(text).toMatch(/Status +Ready · Green \(Ok\)/);
    expect(text).toContain(
      'URL        http://billing-api-staging.eba-xyz12345.eu-west-1.elasticbeanstalk.com',
    );
    // The version's arrival on the instances (175 min ago), not the environment's last update.
    expect(text).toContain('Version    a1b2c3d4e5f6 · deployed 2026-11-28 09:05 (2 h ago)');
    expect(text).toContain('Traffic    12.5 req/s · p99 230 ms · 5xx 0.0% (last 10 s)');
    expect(text).toMatch(/ID +HEALTH +VERSION +REQ\/S +P99 +5XX/);
    expect(text).toMatch(/i-0aaa1111bbbb2222c +Ok +a1b2c3d4e5f6 +6\.2 +210 ms +0\.0%/);
    expect(text).toMatch(/Alarms +3\n/);
    expect(text).toMatch(/OK +billing-api-staging-5xx +since 2026-11-28 02:00 \(10 h ago\)/);
    expect(text).toContain('Database   available · postgres 15.7 · db.t4g.micro · 3.5 of 20 GB used');
    expect(text).toContain('Redis      available · redis 7.1.0 · cache.t4g.micro');
    expect(text).not.toContain('Problems');

    // Only read calls, each with what identifies this environment.
    expect(eb.commandCalls(DescribeEnvironmentHealthCommand)[0]?.args[0].input).toEqual({
      EnvironmentName: 'billing-api-staging',
      AttributeNames: ['All'],
    });
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNamePrefix: 'billing-api-staging-',
    });
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: 'billing-api-staging',
    });
  });

  it('degraded: prints the environment and instance causes; unhealthy', async () => {
    healthy();
    eb.on(DescribeEnvironmentsCommand).resolves({
      Environments: [environment({ Health: 'Red', HealthStatus: 'Severe' })],
    });
    eb.on(DescribeEnvironmentHealthCommand).resolves(
      environmentHealth({
        Color: 'Red',
        HealthStatus: 'Severe',
        Causes: [
          '50.0 % of the requests are failing with HTTP 5xx.',
          '1 out of 2 instances are impacted. See instance health for details.',
        ],
      }),
    );
    eb.on(DescribeInstancesHealthCommand).resolves({
      InstanceHealthList: [
        instance('i-0aaa1111bbbb2222c'),
        instance('i-0ddd3333eeee4444f', {
          Color: 'Red',
          HealthStatus: 'Severe',
          Causes: [
            '100.0 % of the requests are erroring with HTTP 4xx or 5xx.',
            'ELB health is failing or not available for all instances.',
          ],
          ApplicationMetrics: {
            Duration: 10,
            RequestCount: 60,
            StatusCodes: { Status2xx: 0, Status3xx: 0, Status4xx: 0, Status5xx: 60 },
            Latency: { P99: 2.1 },
          },
        }),
      ],
    });
    const report = await collect();
    expect(report.healthy).toBe(false);
    const env = report.environments[0];
    expect(env?.problems).toEqual(['health is Red / Severe']);
    const text = screen(report);
    expect(text).toContain('billing-api-staging (staging, eu-west-1)  unhealthy');
    expect(text).toMatch(/Status +Ready · Red \(Severe\)/);
    expect(text).toContain('Causes     50.0 % of the requests are failing with HTTP 5xx.');
    expect(text).toContain('           1 out of 2 instances are impacted. See instance health for details.');
    expect(text).toMatch(/i-0ddd3333eeee4444f +Severe +a1b2c3d4e5f6 +6\.0 +2\.1 s +100\.0%/);
    expect(text).toContain('      - ELB health is failing or not available for all instances.');
    expect(text).toContain('Problems   health is Red / Severe');
  });

  it('an alarm firing: its name, reason and since; unhealthy', async () => {
    healthy();
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        alarm('5xx', {
          StateValue: 'ALARM',
          StateReason:
            'Threshold Crossed: 2 out of the last 2 datapoints [12.5 (28/11/26 11:50:00), 9.1 (28/11/26 11:49:00)] were greater than the threshold (5.0).',
          StateUpdatedTimestamp: minutesAgo(8),
          StateTransitionedTimestamp: minutesAgo(12),
        }),
        alarm('p99-latency'),
      ],
    });
    const report = await collect();
    expect(report.healthy).toBe(false);
    expect(report.environments[0]?.alarms[0]).toEqual({
      name: 'billing-api-staging-5xx',
      state: 'ALARM',
      reason: expect.stringContaining('greater than the threshold (5.0)'),
      since: minutesAgo(12).toISOString(),
      metric: '5xx',
    });
    const text = screen(report);
    expect(text).toMatch(/Alarms +2, 1 in ALARM/);
    expect(text).toMatch(/ALARM +billing-api-staging-5xx +since 2026-11-28 11:48 \(12 min ago\)/);
    expect(text).toContain('- Threshold Crossed: 2 out of the last 2 datapoints');
    expect(text).toContain('Problems   alarm billing-api-staging-5xx is in ALARM');
  });

  it('leaves out alarms of a sibling environment that shares the name prefix (prod vs prod-eu)', async () => {
    healthy();
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        alarm('5xx', { AlarmName: 'billing-api-prod-5xx' }),
        alarm('5xx', { AlarmName: 'billing-api-prod-eu-5xx', StateValue: 'ALARM' }),
      ],
    });
    const s = await collectEnvironmentStatus(clients(), target('prod', ['billing-api-prod-eu-']), {
      now: () => NOW,
    });
    expect(s.alarms.map((a) => a.name)).toEqual(['billing-api-prod-5xx']);
  });

  it('database and Redis not available, and an environment still updating', async () => {
    healthy();
    eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [environment({ Status: 'Updating' })] });
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [database({ DBInstanceStatus: 'storage-full' })] });
    ec.on(DescribeReplicationGroupsCommand).rejects(
      named('ReplicationGroupNotFoundFault', 'ReplicationGroup billing-api-staging not found.'),
    );
    const report = await collect();
    expect(report.environments[0]?.problems).toEqual([
      'environment is Updating, not Ready',
      'database is storage-full',
      'Redis not found',
    ]);
    expect(screen(report)).toMatch(/Redis +not found/);
  });

  it('not provisioned: says how to provision; unhealthy', async () => {
    eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [] });
    eb.on(DescribeEnvironmentHealthCommand).rejects(
      named('InvalidRequestException', "No Environment found for EnvironmentName = 'billing-api-staging'."),
    );
    eb.on(DescribeInstancesHealthCommand).rejects(
      named('InvalidRequestException', "No Environment found for EnvironmentName = 'billing-api-staging'."),
    );
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(named('DBInstanceNotFoundFault', 'DBInstance billing-api-staging not found.'));
    ec.on(DescribeReplicationGroupsCommand).rejects(
      named('ReplicationGroupNotFoundFault', 'ReplicationGroup billing-api-staging not found.'),
    );
    ec.on(DescribeCacheClustersCommand).rejects(named('CacheClusterNotFoundFault', 'not found'));
    const report = await collect();
    const env = report.environments[0];
    expect(env).toMatchObject({
      provisioned: false,
      healthy: false,
      status: null,
      database: null,
      redis: null,
    });
    expect(env?.problems).toEqual(['not provisioned (run "lsvc provision --env staging")']);
    expect(screen(report)).toBe(
      'billing-api-staging (staging, eu-west-1)  unhealthy\n  not provisioned (run "lsvc provision --env staging")',
    );
  });

  it('basic health (enhanced off): a note, health from DescribeEnvironments', async () => {
    healthy();
    const off = named(
      'InvalidRequestException',
      'Enhanced health reporting is not enabled for this environment.',
    );
    eb.on(DescribeEnvironmentHealthCommand).rejects(off);
    eb.on(DescribeInstancesHealthCommand).rejects(off);
    const report = await collect();
    const env = report.environments[0];
    expect(env).toMatchObject({ healthy: true, health: 'Green', instances: [], traffic: null });
    expect(screen(report)).toContain('note: enhanced health reporting is off');
  });

  it('a source that fails for another reason is "unknown", which is not healthy', async () => {
    healthy();
    cw.on(DescribeAlarmsCommand).rejects(named('InternalFailure', 'We encountered an internal error.'));
    const report = await collect();
    expect(report.healthy).toBe(false);
    expect(report.environments[0]?.problems).toEqual([
      'could not read the alarms (cloudwatch:DescribeAlarms): InternalFailure: We encountered an internal error.',
    ]);
    expect(report.environments[0]?.unread).toEqual(['alarms']);
    // Unknown, not "none": the screen must not suggest that no alarm exists.
    expect(screen(report)).toMatch(/Alarms +unknown \(could not read: see Problems\)/);
  });

  it('access denied on any source is exit 5 naming the action', async () => {
    healthy();
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(
        named(
          'AccessDenied',
          'User: arn:aws:iam::123:user/ci is not authorized to perform: rds:DescribeDBInstances',
        ),
      );
    await expect(collect()).rejects.toMatchObject({
      exitCode: 5,
      message: 'Access denied: rds:DescribeDBInstances is not allowed for these credentials.',
    });
  });

  it('makes its calls in parallel: wall time close to the slowest call, not their sum', async () => {
    const slow =
      <T>(ms: number, value: T) =>
      async () => {
        await new Promise((r) => setTimeout(r, ms));
        return value;
      };
    eb.on(DescribeEnvironmentsCommand).callsFake(slow(150, { Environments: [environment()] }));
    eb.on(DescribeEnvironmentHealthCommand).callsFake(slow(250, environmentHealth()));
    eb.on(DescribeInstancesHealthCommand).callsFake(slow(300, { InstanceHealthList: [instance('i-1')] }));
    cw.on(DescribeAlarmsCommand).callsFake(slow(200, { MetricAlarms: [alarm('5xx')] }));
    cw.on(GetMetricDataCommand).callsFake(slow(100, { MetricDataResults: [] }));
    rds.on(DescribeDBInstancesCommand).callsFake(slow(280, { DBInstances: [database()] }));
    ec.on(DescribeReplicationGroupsCommand).callsFake(slow(220, { ReplicationGroups: [replicationGroup()] }));
    ec.on(DescribeCacheClustersCommand).callsFake(slow(120, { CacheClusters: [cacheCluster()] }));
    const started = performance.now();
    const report = await collect();
    const elapsed = performance.now() - started;
    expect(report.healthy).toBe(true);
    // Sequential would be 1620 ms; the slowest single call is 300 ms.
    expect(elapsed).toBeLessThan(300 * 1.5);
  });
});

describe('lsvc status --watch', () => {
  /** Real reports: healthy, healthy, then an alarm fires (twice), with a request rate that moves. */
  async function sequence(): Promise<StatusReport[]> {
    healthy();
    const a = await collect();
    eb.on(DescribeEnvironmentHealthCommand).resolves(
      environmentHealth({ ApplicationMetrics: { Duration: 10, RequestCount: 999 } }),
    );
    const b = await collect();
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('5xx', { StateValue: 'ALARM' })] });
    const c = await collect();
    const d = await collect();
    return [a, b, c, d];
  }

  async function watch(reports: StatusReport[], mode: { isTTY: boolean; json: boolean }) {
    let i = 0;
    const stop = new AbortController();
    const out: string[] = [];
    const clock = fakeClock(NOW);
    const last = await watchStatus({
      read: async () => {
        const r = reports[i] ?? reports[0];
        if (!r) throw new Error('no reports');
        i += 1;
        if (i === reports.length) stop.abort();
        return r;
      },
      render: (r) => [r.healthy ? 'healthy' : 'unhealthy'],
      write: (t) => out.push(t),
      ...mode,
      intervalMs: 10_000,
      clock,
      signal: stop.signal,
    });
    return { out, last, slept: clock.slept };
  }

  it('off a terminal: a new block only when a state changes (not the request rate)', async () => {
    const { out, last, slept } = await watch(await sequence(), { isTTY: false, json: false });
    const at = new Date(NOW).toISOString();
    expect(out).toEqual([`--- ${at}\nhealthy\n`, `\n--- ${at}\nunhealthy\n`]);
    expect(last?.healthy).toBe(false);
    expect(slept).toEqual([10_000, 10_000, 10_000]);
  });

  it('on a terminal: redraws in place every time', async () => {
    const { out } = await watch(await sequence(), { isTTY: true, json: false });
    // The fourth read ends with Ctrl-C (the signal aborts during it): nothing more is drawn.
    expect(out).toHaveLength(3);
    for (const frame of out) expect(frame.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(out[2]).toContain('unhealthy\n\nEvery 10 s · updated 12:00:00 UTC · Ctrl-C to stop');
  });

  it('with --json: one JSON line per change', async () => {
    const { out } = await watch(await sequence(), { isTTY: false, json: true });
    expect(out.map((line) => (JSON.parse(line) as StatusReport).healthy)).toEqual([true, false]);
  });
});

describe('lsvc status (the command)', () => {
  const run = (argv: string[], env: Record<string, string | undefined> = {}) =>
    runCommand(Status, argv, { cwd: dir, env: { AWS_REGION: 'eu-west-1', ...env } });

  it('exit 0 when healthy', async () => {
    healthy();
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('billing-api-staging (staging, eu-west-1)  healthy');
    expect(r.stderr).toBe('');
  });

  it('exit 6 when unhealthy, the screen printed and no error stack', async () => {
    healthy();
    eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [environment({ Status: 'Updating' })] });
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('Problems   environment is Updating, not Ready');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json: the documented shape, and still exit 6 when unhealthy', async () => {
    healthy();
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('5xx', { StateValue: 'ALARM' })] });
    const r = await run(['--env', 'staging', '--json']);
    expect(r.code).toBe(6);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & {
      environments: Record<string, unknown>[];
    };
    expect(json).toEqual({
      healthy: false,
      checkedAt: expect.any(String),
      environments: [expect.any(Object)],
    });
    const env = json.environments[0] ?? {};
    expect(Object.keys(env).sort()).toEqual(
      [
        'name',
        'fullName',
        'region',
        'provisioned',
        'status',
        'health',
        'healthStatus',
        'causes',
        'url',
        'version',
        'deployedAt',
        'traffic',
        'instances',
        'alarms',
        'database',
        'redis',
        'dependencies',
        'metrics',
        'healthy',
        'problems',
        'notes',
        'unread',
      ].sort(),
    );
    expect(env).toMatchObject({
      name: 'staging',
      fullName: 'billing-api-staging',
      provisioned: true,
      status: 'Ready',
      health: 'Green',
      healthStatus: 'Ok',
      causes: [],
      url: expect.stringMatching(/^http:\/\//),
      version: 'a1b2c3d4e5f6',
      deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      healthy: false,
    });
    const instance0 = (env.instances as Record<string, unknown>[])[0];
    expect(instance0).toMatchObject({
      id: 'i-0aaa1111bbbb2222c',
      health: 'Green',
      healthStatus: 'Ok',
      version: 'a1b2c3d4e5f6',
      requestsPerSecond: 6.2,
      p99Ms: 210,
      http5xxPercent: 0,
    });
    expect((env.alarms as unknown[])[0]).toMatchObject({ name: 'billing-api-staging-5xx', state: 'ALARM' });
    expect(env.database).toMatchObject({ status: 'available', engine: 'postgres', allocatedStorageGb: 20 });
    expect(env.redis).toMatchObject({
      status: 'available',
      engineVersion: '7.1.0',
      nodeType: 'cache.t4g.micro',
    });
    expect(typeof env.healthy).toBe('boolean');
  });

  it('every environment of lsvc.yml without --env, read in parallel', async () => {
    healthy();
    eb.on(DescribeEnvironmentsCommand).callsFake(async (input: { EnvironmentNames?: string[] }) => {
      const name = input.EnvironmentNames?.[0] ?? '';
      return name.endsWith('-production')
        ? { Environments: [] }
        : { Environments: [environment({ EnvironmentName: name })] };
    });
    const r = await run(['--json']);
    expect(r.code).toBe(6);
    const json = JSON.parse(r.stdout) as {
      healthy: boolean;
      environments: { name: string; healthy: boolean; provisioned: boolean }[];
    };
    expect(json.environments.map((e) => [e.name, e.provisioned])).toEqual([
      ['staging', true],
      ['production', false],
      ['prod', true],
      ['prod-eu', true],
    ]);
    expect(json.healthy).toBe(false);
    const asked = eb
      .commandCalls(DescribeEnvironmentsCommand)
      .map((c) => c.args[0].input.EnvironmentNames?.[0]);
    expect(asked.sort()).toEqual([
      'billing-api-prod',
      'billing-api-prod-eu',
      'billing-api-production',
      'billing-api-staging',
    ]);
    const human = await run([]);
    expect(human.stdout).toContain('1 of 4 environments unhealthy: production');
  });

  it('unknown environment: exit 2 with the list of environments', async () => {
    const r = await run(['--env', 'stagin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('There is no environment "stagin" in lsvc.yml; did you mean "staging"?');
    expect(r.stderr).toContain('Environments: staging, production, prod, prod-eu.');
    expect(eb.calls()).toHaveLength(0);
  });

  it('no region anywhere: exit 5 saying how to set one', async () => {
    const noRegion = await serviceDir('service: billing-api\nenvironments:\n  staging:\n');
    try {
      const r = await runCommand(Status, ['--env', 'staging'], {
        cwd: noRegion,
        env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
      });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('No AWS region for environment "staging".');
      expect(r.stderr).toContain('Hint: Set region: in lsvc.yml, AWS_REGION, or pass --region.');
    } finally {
      await removeDir(noRegion);
    }
  });

  it('access denied: exit 5 naming the action', async () => {
    healthy();
    eb.on(DescribeEnvironmentsCommand).rejects(
      named(
        'AccessDeniedException',
        'User is not authorized to perform: elasticbeanstalk:DescribeEnvironments',
      ),
    );
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      'Error: Access denied: elasticbeanstalk:DescribeEnvironments is not allowed for these credentials.',
    );
  });

  it('missing credentials: exit 5 with how to fix', async () => {
    healthy();
    const creds = named('CredentialsProviderError', 'Could not load credentials from any providers');
    eb.on(DescribeEnvironmentsCommand).rejects(creds);
    const r = await run(['--env', 'staging']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('AWS credentials are missing or invalid');
    expect(r.stderr).toContain('aws configure');
  });
});

describe('lsvc status: the dependencies (lsvc.yml dependsOn) with their health', () => {
  /** payments is Green, notes-api is not provisioned, search cannot be read. */
  function dependencies() {
    healthy();
    eb.on(DescribeEnvironmentsCommand, { EnvironmentNames: ['payments-staging'] }).resolves({
      Environments: [
        environment({
          EnvironmentName: 'payments-staging',
          ApplicationName: 'payments',
          Health: 'Yellow',
          HealthStatus: 'Warning',
          CNAME: 'payments-staging.eu-west-1.elasticbeanstalk.com',
        }),
      ],
    });
    eb.on(DescribeEnvironmentsCommand, { EnvironmentNames: ['notes-api-staging'] }).resolves({
      Environments: [],
    });
    eb.on(DescribeEnvironmentsCommand, { EnvironmentNames: ['search-staging'] }).rejects(
      named(
        'AccessDeniedException',
        'User is not authorized to perform: elasticbeanstalk:DescribeEnvironments',
      ),
    );
  }

  it('reads each dependency by its environment name; one that cannot be read says why', async () => {
    dependencies();
    const s = await collectEnvironmentStatus(
      clients(),
      { ...target(), dependsOn: ['payments', 'notes-api', 'search'] },
      { now: () => NOW },
    );
    expect(s.dependencies).toEqual([
      {
        service: 'payments',
        fullName: 'payments-staging',
        provisioned: true,
        status: 'Ready',
        health: 'Yellow',
        healthStatus: 'Warning',
        url: 'http://payments-staging.eu-west-1.elasticbeanstalk.com',
        problem: null,
      },
      {
        service: 'notes-api',
        fullName: 'notes-api-staging',
        provisioned: false,
        status: null,
        health: null,
        healthStatus: null,
        url: null,
        problem: `not provisioned in staging (run "lsvc provision --env staging" in notes-api's folder)`,
      },
      expect.objectContaining({
        service: 'search',
        provisioned: null,
        problem: expect.stringMatching(
          /^could not read search-staging: Access denied: elasticbeanstalk:DescribeEnvironments/,
        ),
      }),
    ]);
    // Their health is theirs: this environment stays healthy.
    expect(s.healthy).toBe(true);
    const text = screen({ healthy: s.healthy, checkedAt: new Date(NOW).toISOString(), environments: [s] });
    expect(text).toContain('  Depends on 3');
    expect(text).toMatch(
      /^ {4}payments {3}Ready Yellow \(Warning\) {2}http:\/\/payments-staging\.eu-west-1\.elasticbeanstalk\.com$/m,
    );
    expect(text).toMatch(
      /^ {4}notes-api {2}- {23}not provisioned in staging \(run "lsvc provision --env staging" in notes-api's folder\)$/m,
    );
    expect(text).toMatch(/^ {4}search {5}- {23}could not read search-staging: Access denied/m);
  });

  it('the command reads dependsOn from lsvc.yml; --json lists them', async () => {
    dependencies();
    const withDeps = await serviceDir(
      `service: ${SERVICE}\nregion: eu-west-1\ndefaults:\n  dependsOn: [payments, notes-api]\nenvironments:\n  staging:\n`,
    );
    try {
      const r = await runCommand(Status, ['--env', 'staging', '--json'], { cwd: withDeps });
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as StatusReport;
      expect(json.environments[0]?.dependencies.map((d) => [d.service, d.provisioned, d.health])).toEqual([
        ['payments', true, 'Yellow'],
        ['notes-api', false, null],
      ]);
    } finally {
      await removeDir(withDeps);
    }
  });
});
