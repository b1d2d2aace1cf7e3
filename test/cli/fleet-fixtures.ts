// A workspace of real services for the fleet tests: each made by lsvc init (in process, git on, no
// npm install) from a small template (test/fixtures/fleet-v1), which a test can then "release" as
// 2.0.0 (fleet-v2: a line added next to the log level, a new file, an upgrade step).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@jest/globals';
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  DescribeInstancesHealthCommand,
  type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AwsClientStub } from 'aws-sdk-client-mock';

import { initService } from '../../src/init/init-service.js';
import { FIXTURES, isolatedGitEnv, tempDir } from '../support/cli.js';
import {
  alarm,
  cacheCluster,
  database,
  environment,
  environmentHealth,
  instance,
  minutesAgo,
  named,
  replicationGroup,
} from './status-fixtures.js';

export interface FleetFixture {
  root: string;
  /** The team's template folder the services were made from. */
  tpl: string;
  env: NodeJS.ProcessEnv;
  dir: (service: string) => string;
  git: (service: string, ...args: string[]) => string;
  /** The template folder moves on to 2.0.0. */
  releaseV2: () => Promise<void>;
  edit: (service: string, file: string, from: string, to: string) => Promise<void>;
  cleanup: () => Promise<void>;
}

/** Services made under `root/<parent>/<name>` ("" for directly under root). */
export async function makeFleet(services: { name: string; parent?: string }[]): Promise<FleetFixture> {
  const root = await tempDir('lsvc-fleet-');
  const env = await isolatedGitEnv();
  const tpl = join(await tempDir('lsvc-fleet-tpl-'), 'team-template');
  await cp(join(FIXTURES, 'fleet-v1'), tpl, { recursive: true });
  const where = new Map<string, string>();
  for (const s of services) {
    const parent = join(root, s.parent ?? '');
    await mkdir(parent, { recursive: true });
    const dir = join(parent, s.name);
    where.set(s.name, dir);
    await initService({
      name: s.name,
      dir,
      templateDir: tpl,
      templateSource: tpl,
      given: {},
      git: true,
      install: false,
      lsvcVersion: '0.1.0',
      progress: { json: true },
      signal: new AbortController().signal,
      env: { ...process.env, ...env },
    });
  }
  const dir = (name: string) => {
    const d = where.get(name);
    if (!d) throw new Error(`no service ${name} in the fixture`);
    return d;
  };
  const git = (name: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
      cwd: dir(name),
      env: { ...process.env, ...env },
    })
      .toString()
      .trim();
  return {
    root,
    tpl,
    env,
    dir,
    git,
    releaseV2: async () => {
      await rm(tpl, { recursive: true });
      await cp(join(FIXTURES, 'fleet-v2'), tpl, { recursive: true });
    },
    edit: async (name, file, from, to) => {
      const path = join(dir(name), file);
      const text = await readFile(path, 'utf8');
      expect(text).toContain(from);
      await writeFile(path, text.replace(from, to));
    },
    cleanup: async () => {
      await Promise.all(
        [root, join(tpl, '..'), env.HOME ?? ''].map((d) => rm(d, { recursive: true, force: true })),
      );
    },
  };
}

// ---- AWS answers for the fleet (aws-sdk-client-mock) ----------------------------------------

const envOf = (input: { EnvironmentName?: string; EnvironmentNames?: string[] }) =>
  input.EnvironmentName ?? input.EnvironmentNames?.[0] ?? '';
const idOf = (id: string | undefined) => id ?? '';

export interface FleetAnswers {
  /** EB environments whose reads fail (ServiceUnavailable). */
  unreadable?: string[];
  /** EB environments whose http-5xx alarm is in ALARM. */
  alarmIn?: string[];
  /** DescribeEnvironmentHealth of billing-api-staging throttled this many times first. */
  throttleHealth?: number;
}

export interface FleetMocks {
  eb: AwsClientStub<ElasticBeanstalkClient>;
  cw: AwsClientStub<CloudWatchClient>;
  rds: AwsClientStub<RDSClient>;
  ec: AwsClientStub<ElastiCacheClient>;
}

/** Recorded answers for every environment of the fleet: healthy unless `over` says otherwise. */
export function answerFleet({ eb, cw, rds, ec }: FleetMocks, over: FleetAnswers = {}) {
  let throttles = over.throttleHealth ?? 0;
  eb.on(DescribeEnvironmentsCommand).callsFake((input: { EnvironmentNames?: string[] }) => {
    const name = envOf(input);
    if (over.unreadable?.includes(name)) throw named('ServiceUnavailableException', 'Service is unavailable');
    return {
      Environments: [
        environment({ EnvironmentName: name, ApplicationName: name.replace(/-(staging|production)$/, '') }),
      ],
    };
  });
  eb.on(DescribeEnvironmentHealthCommand).callsFake((input: { EnvironmentName?: string }) => {
    if (throttles > 0 && envOf(input) === 'billing-api-staging') {
      throttles--;
      throw named('Throttling', 'Rate exceeded');
    }
    if (over.unreadable?.includes(envOf(input)))
      throw named('ServiceUnavailableException', 'Service is unavailable');
    return environmentHealth({ EnvironmentName: envOf(input) });
  });
  eb.on(DescribeInstancesHealthCommand).resolves({ InstanceHealthList: [instance('i-0aaa1111bbbb2222c')] });
  eb.on(DescribeEventsCommand).callsFake(() => ({
    Events: [
      { EventDate: minutesAgo(170), Message: 'Environment update completed successfully.', Severity: 'INFO' },
      { EventDate: minutesAgo(180), Message: 'Environment update is starting.', Severity: 'INFO' },
    ],
  }));
  cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNamePrefix?: string }) => {
    const env = (input.AlarmNamePrefix ?? '').replace(/-$/, '');
    const firing = over.alarmIn?.includes(env);
    return {
      MetricAlarms: ['http-5xx', 'p99-latency'].map((m) =>
        alarm(m, { AlarmName: `${env}-${m}`, StateValue: firing && m === 'http-5xx' ? 'ALARM' : 'OK' }),
      ),
    };
  });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => ({
    DBInstances: [database({ DBInstanceIdentifier: idOf(input.DBInstanceIdentifier) })],
  }));
  ec.on(DescribeReplicationGroupsCommand).callsFake((input: { ReplicationGroupId?: string }) => ({
    ReplicationGroups: [replicationGroup({ ReplicationGroupId: idOf(input.ReplicationGroupId) })],
  }));
  ec.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [cacheCluster()] });
}
