// lsvc preview up / down / prune against the scripted Elastic Beanstalk of the deploy tests
// (aws-sdk-client-mock, a VirtualClock): the preview is created single-instance from the base's
// live settings, deployed by the very deploy flow (health-gated, its own version label), tagged;
// down tears it down through the service (PREVIEW_TEARDOWN, Green = done) before terminating,
// deletes only its versions and records, and refuses an environment that is not a preview.
import {
  CreateEnvironmentCommand,
  DeleteApplicationVersionCommand,
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentsCommand,
  type EnvironmentDescription,
  ListTagsForResourceCommand,
  TerminateEnvironmentCommand,
  UpdateEnvironmentCommand,
  UpdateTagsForResourceCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';

import { LsvcError } from '../../src/errors.js';
import { previewDown } from '../../src/preview/down.js';
import { previewName } from '../../src/preview/names.js';
import { prunePreviews } from '../../src/preview/prune.js';
import { previewUp, type PreviewUpOptions } from '../../src/preview/up.js';
import { BUCKET, FakeEb, NAMES, recordedOutcomes, REPOSITORY_URI, SERVICE, TIMINGS } from './deploy-fakes.js';

const PREVIEW = previewName({ service: SERVICE, name: '12', environments: ['staging', 'production'] });
const ARN = (env: string) => `arn:aws:elasticbeanstalk:eu-west-1:123456789012:environment/${SERVICE}/${env}`;
const ENVNS = 'aws:elasticbeanstalk:application:environment';

/** The base's option settings as provision leaves them (abridged to what a preview reads). */
const BASE_SETTINGS = [
  { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'EnvironmentType', Value: 'LoadBalanced' },
  {
    Namespace: 'aws:elasticbeanstalk:environment',
    OptionName: 'ServiceRole',
    Value: 'arn:aws:iam::123456789012:role/demo-eb-service',
  },
  {
    Namespace: 'aws:autoscaling:launchconfiguration',
    OptionName: 'IamInstanceProfile',
    Value: 'demo-staging-eb-instance',
  },
  { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'SecurityGroups', Value: 'sg-0instances' },
  { Namespace: 'aws:ec2:instances', OptionName: 'InstanceTypes', Value: 't3.small' },
  {
    Namespace: 'aws:elasticbeanstalk:environment:process:default',
    OptionName: 'HealthCheckPath',
    Value: '/readyz',
  },
  {
    Namespace: ENVNS,
    OptionName: 'DATABASE_URL',
    Value: 'postgres://app@demo-staging.abc.eu-west-1.rds.amazonaws.com:5432/demo',
  },
  { Namespace: ENVNS, OptionName: 'REDIS_URL', Value: 'rediss://demo-staging.abc.cache.amazonaws.com:6379' },
  { Namespace: ENVNS, OptionName: 'NODE_ENV', Value: 'production' },
  { Namespace: ENVNS, OptionName: 'LOG_LEVEL', Value: 'info' },
  {
    Namespace: 'aws:elasticbeanstalk:application:environmentsecrets',
    OptionName: 'DATABASE_PASSWORD',
    Value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lsvc/demo/staging/database-AbC:password::',
  },
];

/**
 * The deploy fake plus a second environment: the preview, absent until CreateEnvironment, then
 * Launching for a minute, then the fake's scripted state under its own name.
 */
function previewAccount(
  o: {
    exists?: boolean;
    tags?: Record<string, string>;
    settings?: { Namespace: string; OptionName: string; Value: string }[];
  } = {},
) {
  const fake = new FakeEb({ label: 'v1' });
  let createdAt: number | undefined = o.exists ? fake.clock.now() - 3_600_000 : undefined;
  let terminatedAt: number | undefined;
  const settings = new Map<string, { Namespace: string; OptionName: string; Value: string }[]>([
    [NAMES.environment, BASE_SETTINGS],
  ]);
  if (o.exists) {
    settings.set(
      PREVIEW.environment,
      o.settings ?? [
        { Namespace: ENVNS, OptionName: 'DATABASE_URL', Value: 'postgres://app@db:5432/demo_pr_12' },
      ],
    );
  }
  let teardownAt: number | undefined;
  const preview = (): EnvironmentDescription | undefined => {
    const now = fake.clock.now();
    if (createdAt === undefined || (terminatedAt !== undefined && now >= terminatedAt + 60_000))
      return undefined;
    const scripted = fake.environment();
    const launching = now < createdAt + 60_000;
    const tearing = teardownAt !== undefined && now < teardownAt + 30_000;
    return {
      ...scripted,
      EnvironmentName: PREVIEW.environment,
      EnvironmentArn: ARN(PREVIEW.environment),
      CNAME: `${PREVIEW.environment}.eu-west-1.elasticbeanstalk.com`,
      DateCreated: new Date(createdAt),
      ...(launching ? { Status: 'Launching', Health: 'Grey', VersionLabel: undefined } : {}),
      ...(tearing ? { Status: 'Updating', Health: 'Grey' } : {}),
      ...(terminatedAt !== undefined ? { Status: 'Terminating' } : {}),
    };
  };
  fake.ebMock.on(DescribeEnvironmentsCommand).callsFake((input: { EnvironmentNames?: string[] }) => {
    const all = [
      { ...fake.environment(), EnvironmentArn: ARN(NAMES.environment) },
      ...(preview() ? [preview()] : []),
    ];
    return {
      Environments: input.EnvironmentNames
        ? all.filter((e) => input.EnvironmentNames?.includes(e?.EnvironmentName ?? ''))
        : all,
    };
  });
  fake.ebMock.on(DescribeConfigurationSettingsCommand).callsFake((input: { EnvironmentName?: string }) => ({
    ConfigurationSettings: [{ OptionSettings: settings.get(input.EnvironmentName ?? '') ?? [] }],
  }));
  fake.ebMock.on(CreateEnvironmentCommand).callsFake((input: { OptionSettings?: [] }) => {
    createdAt = fake.clock.now();
    settings.set(PREVIEW.environment, input.OptionSettings ?? []);
    return { EnvironmentName: PREVIEW.environment, Status: 'Launching' };
  });
  const tags = o.tags ?? { 'lsvc:preview': 'staging', 'lsvc:expires': '2026-01-01T00:00:00.000Z' };
  fake.ebMock.on(ListTagsForResourceCommand).callsFake((input: { ResourceArn?: string }) => ({
    ResourceArn: input.ResourceArn,
    ResourceTags:
      input.ResourceArn === ARN(PREVIEW.environment)
        ? Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
        : [],
  }));
  fake.ebMock.on(UpdateTagsForResourceCommand).resolves({});
  fake.ebMock.on(TerminateEnvironmentCommand).callsFake(() => {
    terminatedAt = fake.clock.now();
    return { Status: 'Terminating' };
  });
  fake.ebMock.on(DeleteApplicationVersionCommand).resolves({});
  return {
    fake,
    teardownStarts() {
      // The teardown update: the fake's UpdateEnvironment (a label-less update) is scripted below.
      teardownAt = fake.clock.now();
    },
  };
}

function upOptions(over: Partial<PreviewUpOptions> = {}): PreviewUpOptions {
  return {
    service: SERVICE,
    region: 'eu-west-1',
    name: PREVIEW,
    base: 'staging',
    readinessPath: '/readyz',
    branch: 'feature/notes-search',
    expires: new Date('2026-12-15T00:00:00.000Z'),
    version: 'v2',
    description: 'preview pr-12 · git 0123456789abcdef0123456789abcdef01234567 · Ann · Search',
    repositoryUri: REPOSITORY_URI,
    dirty: false,
    rollback: true,
    detach: false,
    timings: TIMINGS,
    ...over,
  };
}

describe('lsvc preview up', () => {
  it('creates <service>-pr-12 single-instance from the base settings, deploys it health-gated, tags it and prints the URL', async () => {
    const { fake } = previewAccount();
    const result = await previewUp(fake.deps(), upOptions());

    const create = fake.ebMock.commandCalls(CreateEnvironmentCommand)[0]?.args[0].input;
    expect(create?.EnvironmentName).toBe('demo-pr-12');
    const option = (ns: string, name: string) =>
      create?.OptionSettings?.find((s) => s.Namespace === ns && s.OptionName === name)?.Value;
    expect(option('aws:elasticbeanstalk:environment', 'EnvironmentType')).toBe('SingleInstance');
    expect(option('aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBeUndefined();
    expect(option('aws:ec2:instances', 'InstanceTypes')).toBe('t3.micro');
    expect(option('aws:autoscaling:launchconfiguration', 'IamInstanceProfile')).toBe(
      'demo-staging-eb-instance',
    );
    expect(option('aws:autoscaling:launchconfiguration', 'SecurityGroups')).toBe('sg-0instances');
    expect(option('aws:elasticbeanstalk:application', 'Application Healthcheck URL')).toBe('/readyz');
    expect(option('aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(option('aws:elasticbeanstalk:command', 'IgnoreHealthCheck')).toBe('false');
    expect(option(ENVNS, 'DATABASE_URL')).toBe(
      'postgres://app@demo-staging.abc.eu-west-1.rds.amazonaws.com:5432/demo_pr_12',
    );
    expect(option(ENVNS, 'DATABASE_ADMIN_URL')).toBe(
      'postgres://app@demo-staging.abc.eu-west-1.rds.amazonaws.com:5432/demo',
    );
    expect(option(ENVNS, 'DATABASE_CREATE')).toBe('true');
    expect(option(ENVNS, 'QUEUE_PREFIX')).toBe('demo-pr-12');
    expect(option(ENVNS, 'REDIS_URL')).toBe('rediss://demo-staging.abc.cache.amazonaws.com:6379');
    expect(option(ENVNS, 'LOG_LEVEL')).toBe('info');
    expect(option('aws:elasticbeanstalk:application:environmentsecrets', 'DATABASE_PASSWORD')).toMatch(
      /secret:lsvc\/demo\/staging\/database/,
    );
    expect(create?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'lsvc:preview', Value: 'staging' },
        { Key: 'lsvc:branch', Value: 'feature/notes-search' },
        { Key: 'lsvc:expires', Value: '2026-12-15T00:00:00.000Z' },
        { Key: 'lsvc:environment', Value: 'pr-12' },
        // What preview list prices the cost so far with.
        { Key: 'lsvc:instance-type', Value: 't3.micro' },
      ]),
    );

    // The same deploy: its own version label, Green + bake, the release record of pr-12.
    expect(fake.updates.map((u) => u.label)).toEqual(['v2-pr-12']);
    expect(result.deploy.outcome).toBe('deployed');
    expect(result.deploy.version).toBe('v2-pr-12');
    expect(recordedOutcomes(fake.objects, 'pr-12')).toEqual(['v2-pr-12 deployed']);
    expect(recordedOutcomes(fake.objects, 'staging')).toEqual([]);
    expect(fake.ebMock).toHaveReceivedCommandWith(UpdateTagsForResourceCommand, {
      ResourceArn: ARN('demo-pr-12'),
    });
    expect(result).toMatchObject({
      preview: 'pr-12',
      created: true,
      url: 'http://demo-pr-12.eu-west-1.elasticbeanstalk.com',
      database: 'demo_pr_12',
      redisPrefix: 'demo-pr-12',
      instanceType: 't3.micro',
      cost: { text: 'cost: unknown (no price lookup yet)' },
    });
    const lines = fake.reporter.lines.join('\n');
    expect(lines).toContain('Preview pr-12: http://demo-pr-12.eu-west-1.elasticbeanstalk.com');
    expect(lines).toContain('cost: unknown');
  });

  it('a second up deploys the new version to the existing preview, and the cost hook fills the cost line', async () => {
    const { fake } = previewAccount({ exists: true });
    const result = await previewUp(
      fake.deps(),
      upOptions({
        version: 'v3',
        estimateCost: async (shape) => ({
          hourlyUsd: 0.0104,
          text: `about $0.0104/hour (${shape.instanceType})`,
        }),
      }),
    );
    expect(fake.ebMock).not.toHaveReceivedCommand(CreateEnvironmentCommand);
    expect(fake.updates.map((u) => u.label)).toEqual(['v3-pr-12']);
    expect(result.created).toBe(false);
    expect(result.cost.text).toBe('about $0.0104/hour (t3.micro)');
  });

  it('refuses to deploy over an environment of that name that is not a preview', async () => {
    const { fake } = previewAccount({ exists: true, tags: { 'lsvc:environment': 'pr-12' } });
    await expect(previewUp(fake.deps(), upOptions())).rejects.toThrow('is not a preview');
    expect(fake.updates).toEqual([]);
  });
});

describe('lsvc preview down', () => {
  function downDeps(fake: FakeEb) {
    const deps = fake.deps();
    return { eb: deps.eb, s3: deps.s3, clock: deps.clock, reporter: deps.reporter };
  }
  const downOptions = { service: SERVICE, name: PREVIEW, timeoutMs: 20 * 60_000, healthGraceMs: 60_000 };

  it('tears down through the service (PREVIEW_TEARDOWN, Green), then terminates and deletes only its versions and records', async () => {
    const account = previewAccount({ exists: true });
    const { fake } = account;
    fake.ebMock.on(UpdateEnvironmentCommand).callsFake(() => {
      account.teardownStarts();
      return {};
    });
    for (const label of ['v2-pr-12', 'v2-pr-12-0a1b2c3d', 'v2-pr-1', 'v2-pr-123', 'v2']) {
      fake.versions.set(label, {
        ApplicationName: SERVICE,
        VersionLabel: label,
        Status: 'PROCESSED' as never,
      });
    }
    fake.objects.set(`${BUCKET}/lsvc/releases/demo/pr-12/1-a.json`, {
      body: Buffer.from('{}'),
      metadata: {},
    });
    fake.objects.set(`${BUCKET}/lsvc/releases/demo/staging/1-b.json`, {
      body: Buffer.from('{}'),
      metadata: {},
    });
    fake.s3Mock.on(DeleteObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
      fake.objects.delete(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
      return {};
    });

    const result = await previewDown(downDeps(fake), downOptions);

    expect(fake.ebMock).toHaveReceivedCommandWith(UpdateEnvironmentCommand, {
      EnvironmentName: 'demo-pr-12',
      OptionSettings: [{ Namespace: ENVNS, OptionName: 'PREVIEW_TEARDOWN', Value: 'true' }],
    });
    const order = fake.ebMock.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(order.indexOf('TerminateEnvironmentCommand')).toBeGreaterThan(
      order.indexOf('UpdateEnvironmentCommand'),
    );
    expect(result).toMatchObject({ terminated: true, database: 'demo_pr_12', recordsDeleted: 1 });
    expect(result.versionsDeleted.sort()).toEqual(['v2-pr-12', 'v2-pr-12-0a1b2c3d']);
    expect([...fake.objects.keys()]).toContain(`${BUCKET}/lsvc/releases/demo/staging/1-b.json`);
    expect([...fake.objects.keys()]).not.toContain(`${BUCKET}/lsvc/releases/demo/pr-12/1-a.json`);
    expect(fake.ebMock).toHaveReceivedCommandWith(DeleteApplicationVersionCommand, {
      VersionLabel: 'v2-pr-12',
      DeleteSourceBundle: true,
    });
  });

  it('a teardown that stays Red keeps the environment and exits 6', async () => {
    const account = previewAccount({ exists: true });
    const { fake } = account;
    fake.ebMock.on(UpdateEnvironmentCommand).callsFake(() => {
      account.teardownStarts();
      fake.play([{ at: 0, status: 'Ready', health: 'Red', healthStatus: 'Severe' }]);
      return {};
    });
    const error = await previewDown(downDeps(fake), downOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LsvcError);
    expect((error as LsvcError).exitCode).toBe(6);
    expect((error as LsvcError).message).toContain('demo_pr_12 may still be there; the environment is kept');
    expect(fake.ebMock).not.toHaveReceivedCommand(TerminateEnvironmentCommand);
    expect(fake.ebMock).not.toHaveReceivedCommand(DeleteApplicationVersionCommand);
  });

  it('is idempotent: with the environment gone it only cleans up versions and records', async () => {
    const { fake } = previewAccount();
    const result = await previewDown(downDeps(fake), downOptions);
    expect(result).toMatchObject({
      terminated: false,
      database: undefined,
      versionsDeleted: [],
      recordsDeleted: 0,
    });
    expect(fake.ebMock).not.toHaveReceivedCommand(TerminateEnvironmentCommand);
    expect(fake.ebMock).not.toHaveReceivedCommand(UpdateEnvironmentCommand);
  });

  it('a second down after a torn-down preview (Green, PREVIEW_TEARDOWN set) terminates without another teardown', async () => {
    const { fake } = previewAccount({
      exists: true,
      settings: [
        { Namespace: ENVNS, OptionName: 'DATABASE_URL', Value: 'postgres://app@db:5432/demo_pr_12' },
        { Namespace: ENVNS, OptionName: 'PREVIEW_TEARDOWN', Value: 'true' },
      ],
    });
    const result = await previewDown(downDeps(fake), downOptions);
    expect(fake.ebMock).not.toHaveReceivedCommand(UpdateEnvironmentCommand);
    expect(fake.ebMock).toHaveReceivedCommandWith(TerminateEnvironmentCommand, {
      EnvironmentName: 'demo-pr-12',
    });
    expect(result.terminated).toBe(true);
    expect(fake.reporter.lines.join('\n')).toContain('has torn down already');
  });

  it('never touches an environment without the lsvc:preview tag', async () => {
    const { fake } = previewAccount({ exists: true, tags: {} });
    await expect(previewDown(downDeps(fake), downOptions)).rejects.toThrow('is not a preview');
    expect(fake.ebMock).not.toHaveReceivedCommand(TerminateEnvironmentCommand);
    expect(fake.ebMock).not.toHaveReceivedCommand(UpdateEnvironmentCommand);
  });
});

describe('lsvc preview prune', () => {
  it('removes only the expired preview (its lsvc:expires tag is past), and asks first', async () => {
    const account = previewAccount({
      exists: true,
      tags: { 'lsvc:preview': 'staging', 'lsvc:expires': '2000-01-01T00:00:00.000Z' },
    });
    const { fake } = account;
    fake.ebMock.on(UpdateEnvironmentCommand).callsFake(() => {
      account.teardownStarts();
      return {};
    });
    const asked: string[][] = [];
    const deps = fake.deps();
    const result = await prunePreviews(
      { eb: deps.eb, s3: deps.s3, clock: deps.clock, reporter: deps.reporter },
      {
        service: SERVICE,
        timeoutMs: 20 * 60_000,
        healthGraceMs: 60_000,
        confirm: async (chosen) => {
          asked.push(chosen.map((c) => c.preview.environment));
        },
      },
    );
    expect(asked).toEqual([['demo-pr-12']]);
    expect(result.removed.map((r) => r.environment)).toEqual(['demo-pr-12']);
    expect(fake.ebMock).toHaveReceivedCommandWith(TerminateEnvironmentCommand, {
      EnvironmentName: 'demo-pr-12',
    });
    // The base environment is listed too but is not a preview: never a candidate.
    expect(fake.ebMock).not.toHaveReceivedCommandWith(TerminateEnvironmentCommand, {
      EnvironmentName: 'demo-staging',
    });
  });

  it('leaves a preview that has not expired', async () => {
    const { fake } = previewAccount({
      exists: true,
      tags: { 'lsvc:preview': 'staging', 'lsvc:expires': '2999-01-01T00:00:00.000Z' },
    });
    const deps = fake.deps();
    const result = await prunePreviews(
      { eb: deps.eb, s3: deps.s3, clock: deps.clock, reporter: deps.reporter },
      {
        service: SERVICE,
        timeoutMs: 60_000,
        healthGraceMs: 60_000,
        confirm: () => Promise.reject(new Error('asked')),
      },
    );
    expect(result).toEqual({ removed: [], failed: [], kept: ['pr-12'] });
    expect(fake.ebMock).not.toHaveReceivedCommand(TerminateEnvironmentCommand);
  });
});
