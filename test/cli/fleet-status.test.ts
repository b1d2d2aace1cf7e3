// `lsvc fleet status` over a workspace of real services (lsvc init), AWS through client mocks that
// answer per environment: healthy ones, one in ALARM, one unreadable, throttling on the way.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

import FleetStatusCommand from '../../commands/fleet/status.js';
import { fakeClock } from '../../src/clock.js';
import { fleetClients } from '../../src/fleet/clients.js';
import { collectFleetStatus, type FleetStatus } from '../../src/fleet/status.js';
import { templateReader } from '../../src/fleet/templates.js';
import { loadWorkspace } from '../../src/fleet/workspace.js';
import { renderFleetStatus } from '../../src/fleet/render-status.js';
import { makePaint } from '../../src/ui.js';
import { answerFleet, type FleetAnswers, type FleetFixture, makeFleet } from './fleet-fixtures.js';
import { named, NOW, runCommand } from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const cw = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const ec = mockClient(ElastiCacheClient);
// The release records (S3, in the account's Elastic Beanstalk bucket): none unless a test adds some.
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

let fleet: FleetFixture;
beforeAll(async () => {
  fleet = await makeFleet([
    { name: 'billing-api' },
    { name: 'orders' },
    { name: 'search', parent: 'platform' },
  ]);
});
afterAll(async () => {
  await fleet.cleanup();
});

/** Every environment healthy; `over` changes answers per EB environment name (fleet-fixtures.ts). */
const answers = (over: FleetAnswers = {}) => {
  answerFleet({ eb, cw, rds, ec }, over);
};

beforeEach(() => {
  for (const m of [eb, cw, rds, ec, s3, sts]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
});

async function collect(env?: string): Promise<{ fleet: FleetStatus; calls: number; throttled: number }> {
  const ws = await loadWorkspace(fleet.root);
  const clients = fleetClients({ clock: fakeClock(NOW) });
  const result = await collectFleetStatus(ws, clients.clientsFor, {
    env,
    flags: {},
    processEnv: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    now: () => NOW,
    templates: templateReader({ builtinDir: '/nonexistent' }),
  });
  return { fleet: result, calls: clients.calls(), throttled: clients.throttled() };
}

const screen = (f: FleetStatus, width = 160) =>
  renderFleetStatus(f, { paint: makePaint(false), now: NOW, width, charset: 'ascii' }).join('\n');

describe('collectFleetStatus', () => {
  it('a row per service x environment, every one read; throttling retried, calls counted', async () => {
    answers({ throttleHealth: 2 });
    const { fleet: f, calls, throttled } = await collect();
    expect(f.rows.map((r) => [r.service, r.environment, r.read, r.status?.healthy])).toEqual([
      ['billing-api', 'staging', 'ok', true],
      ['billing-api', 'production', 'ok', true],
      ['orders', 'staging', 'ok', true],
      ['orders', 'production', 'ok', true],
      ['search', 'staging', 'ok', true],
      ['search', 'production', 'ok', true],
    ]);
    expect(f.healthy).toBe(true);
    expect(throttled).toBe(2);
    // 6 environments x (3 EB describes + records list + events + alarms + metrics + RDS + 2 ElastiCache)
    // + the account once (the records' bucket) + 2 retries.
    expect(calls).toBe(6 * 10 + 1 + 2);
    // No release records: the outcome is read from the events.
    expect(f.rows[0]?.lastDeploy).toMatchObject({ outcome: 'deployed', source: 'eb-events' });
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'elasticbeanstalk-eu-west-1-123456789012',
      Prefix: 'lsvc/releases/billing-api/staging/',
      MaxKeys: 1,
    });
    // One set of clients for the one region and profile: one pool saw every call.
    expect(f.services.map((s) => [s.path, s.template?.version, s.template?.upgradeAvailable])).toEqual([
      ['billing-api', '1.0.0', false],
      ['orders', '1.0.0', false],
      ['platform/search', '1.0.0', false],
    ]);
  });

  it('the last deploy comes from the release record when there is one (outcome, version, who)', async () => {
    answers({});
    const key = 'lsvc/releases/orders/production/0001-x.json';
    s3.on(ListObjectsV2Command, { Prefix: 'lsvc/releases/orders/production/' }).resolves({
      Contents: [{ Key: key }],
    });
    const record = {
      schema: 1,
      id: 'x',
      service: 'orders',
      environment: 'production',
      kind: 'deploy',
      version: 'v13',
      previousVersion: 'v12',
      outcome: 'rolled-back',
      startedAt: new Date(NOW - 50 * 60_000).toISOString(),
      finishedAt: new Date(NOW - 40 * 60_000).toISOString(),
      by: 'alice',
      rolledBackTo: 'v12',
    };
    s3.on(GetObjectCommand, { Key: key }).resolves({
      Body: { transformToString: async () => JSON.stringify(record) } as never,
    });
    const { fleet: f } = await collect('production');
    const orders = f.rows.find((r) => r.service === 'orders');
    expect(orders?.lastDeploy).toEqual({
      outcome: 'rolled-back',
      at: record.finishedAt,
      message: 'deploy of v13 by alice',
      source: 'release-record',
      version: 'v13',
      by: 'alice',
    });
    // The others have no record: their events say.
    expect(f.rows.find((r) => r.service === 'billing-api')?.lastDeploy?.source).toBe('eb-events');
    expect(screen(f)).toMatch(
      /\norders +production +Green +a1b2c3d4e5f6 +2 h +rolled-back v13 40 min ago +ok/,
    );
  });

  it('one unreadable environment keeps its error in its row; the others still read', async () => {
    answers({ unreadable: ['orders-production'], alarmIn: ['search-staging'] });
    const { fleet: f } = await collect();
    const orders = f.rows.find((r) => r.service === 'orders' && r.environment === 'production');
    expect(orders).toMatchObject({ read: 'failed' });
    expect(orders?.error).toMatch(
      /could not read the Elastic Beanstalk environment .*Service is unavailable/,
    );
    expect(f.rows.filter((r) => r.read === 'ok')).toHaveLength(5);
    expect(f.healthy).toBe(false);
    const text = screen(f);
    expect(text).toMatch(/\norders +production +unknown +- +- +deployed 2 h ago/);
    expect(text).toMatch(/\n {2}- could not read the Elastic Beanstalk environment/);
    expect(text).toMatch(
      /\nsearch +staging +Green +a1b2c3d4e5f6 +2 h +deployed 2 h ago +1: http-5xx +available +available +1\.0\.0\n {2}- alarm search-staging-http-5xx is in ALARM/,
    );
    expect(text).toContain(
      '3 services, 6 environments: 1 unhealthy (search/staging), 1 could not be read (orders/production).',
    );
  });

  it('says "upgrade available" when the template source moved on', async () => {
    answers();
    // The later tests do not look at the template.
    await fleet.releaseV2();
    const { fleet: f } = await collect('staging');
    expect(f.rows.map((r) => r.environment)).toEqual(['staging', 'staging', 'staging']);
    expect(f.services[0]?.template).toMatchObject({
      version: '1.0.0',
      latest: '2.0.0',
      upgradeAvailable: true,
    });
    const text = screen(f);
    expect(text).toMatch(/\nbilling-api +staging +Green .* 1\.0\.0 -> 2\.0\.0\n/);
    expect(text).toContain(
      '3 services behind the template (billing-api, orders, search): run lsvc fleet upgrade.',
    );
  });
});

describe('lsvc fleet status (the command)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCommand(FleetStatusCommand, args, { cwd: fleet.root, env: { ...fleet.env, COLUMNS: '200', ...env } });

  it('exit 6 when one row is unhealthy; --json is the collected object', async () => {
    answers({ alarmIn: ['orders-staging'] });
    const r = await run(['--env', 'staging', '--json']);
    expect(r.code).toBe(6);
    const f = JSON.parse(r.stdout) as FleetStatus;
    expect(f.rows).toHaveLength(3);
    expect(f.rows[1]?.status?.alarms.find((a) => a.state === 'ALARM')?.name).toBe('orders-staging-http-5xx');
    expect(f.rows[0]?.status?.metrics?.series.map((s) => s.key)).toEqual([
      'requestsPerMinute',
      'http5xxPercent',
      'p99LatencyMs',
      'cpuPercent',
      'queueBacklog',
    ]);
  });

  it('exit 5 when no row could be read, each with its error; exit 0 when all are healthy', async () => {
    answers();
    eb.on(DescribeEnvironmentsCommand).rejects(named('AccessDeniedException', 'not authorized'));
    const denied = await run(['--env', 'production']);
    expect(denied.code).toBe(5);
    expect(denied.stdout).toMatch(
      /\n {2}- Access denied: elasticbeanstalk:DescribeEnvironments is not allowed/,
    );
    expect(denied.stdout).toContain('3 could not be read');

    eb.reset();
    answers();
    const ok = await run(['--env', 'production']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('3 services, 3 environments: all healthy.');
  });

  it('--watch --json: one JSON line, then SIGTERM ends the watch at once with the health exit code', async () => {
    answers({ alarmIn: ['orders-staging'] });
    const started = Date.now();
    // Once the first round has been read, stop the watch as a CI runner would.
    const stopper = setInterval(() => {
      if (eb.commandCalls(DescribeEnvironmentsCommand).length >= 3) {
        clearInterval(stopper);
        setTimeout(() => process.emit('SIGTERM'), 200);
      }
    }, 20);
    const r = await run(['--env', 'staging', '--json', '--watch', '--interval', '60']);
    clearInterval(stopper);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(6);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as FleetStatus).rows).toHaveLength(3);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('an unknown --env is a usage error naming the ones there are (exit 2)', async () => {
    const r = await run(['--env', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Error: No service of the workspace has an environment "prod"; did you mean "production"?',
    );
  });
});
