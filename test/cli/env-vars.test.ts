import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  ElasticBeanstalkClient,
  RestartAppServerCommand,
  UpdateEnvironmentCommand,
  type ConfigurationOptionSetting,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import EnvList from '../../commands/env/list.js';
import EnvSet from '../../commands/env/set.js';
import EnvUnset from '../../commands/env/unset.js';
import { resourceTags } from '../../src/aws/names.js';
import { type EnvDeps, type EnvTarget, setVariables, unsetVariables } from '../../src/envvars/apply.js';
import { parseAssignments } from '../../src/envvars/parse.js';
import { secretReference } from '../../src/envvars/settings.js';
import type { Step } from '../../src/progress.js';
import { fakeClock } from '../../src/clock.js';
import { removeDir } from '../support/cli.js';
import { environment, named, NOW, runCommand, SERVICE, serviceDir } from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const sm = mockClient(SecretsManagerClient);
// env set takes the deploy lock (src/deploy/lock.ts): a free one here.
const ssm = mockClient(SSMClient);

const ENV_NS = 'aws:elasticbeanstalk:application:environment';
const SECRET_NS = 'aws:elasticbeanstalk:application:environmentsecrets';
const DB_SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lsvc/billing-api/staging/database-Xy12Ab';
const TOKEN_SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lsvc/billing-api/staging/WEBHOOK_TOKEN-Qw34Er';
const SECRET_VALUE = 'sk_live_51NzT0pSECRETVALUE';

function configuration(plain: Record<string, string>, secrets: Record<string, string> = {}) {
  const settings: ConfigurationOptionSetting[] = [
    { Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize', Value: '1' },
    ...Object.entries(plain).map(([k, v]) => ({ Namespace: ENV_NS, OptionName: k, Value: v })),
    ...Object.entries(secrets).map(([k, v]) => ({ Namespace: SECRET_NS, OptionName: k, Value: v })),
  ];
  eb.on(DescribeConfigurationSettingsCommand).resolves({
    ConfigurationSettings: [
      {
        ApplicationName: SERVICE,
        EnvironmentName: `${SERVICE}-staging`,
        DeploymentStatus: 'deployed',
        OptionSettings: settings,
      },
    ],
  });
}

/** DescribeEnvironments answers: these statuses in turn, then Ready. */
function statuses(...list: string[]) {
  let chain = eb.on(DescribeEnvironmentsCommand);
  for (const s of list) chain = chain.resolvesOnce({ Environments: [environment({ Status: s as 'Ready' })] });
  chain.resolves({ Environments: [environment({ Status: 'Ready' })] });
}

const target: EnvTarget = {
  service: SERVICE,
  envName: 'staging',
  application: SERVICE,
  environment: `${SERVICE}-staging`,
  tags: resourceTags(SERVICE, 'staging'),
};

function deps(over: Partial<EnvDeps> = {}) {
  const titles: string[] = [];
  const outputs: string[] = [];
  const clock = fakeClock(NOW);
  const d: EnvDeps = {
    eb: new ElasticBeanstalkClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    clock,
    runSteps: async (steps: Step[]) => {
      for (const s of steps) {
        const skipped = s.skip?.();
        if (skipped) {
          titles.push(`skip: ${s.title}`);
          continue;
        }
        let title = s.title;
        await s.run({
          title: (t) => (title = t),
          output: (l) => outputs.push(l),
          signal: new AbortController().signal,
        });
        titles.push(title);
      }
    },
    pollMs: 5000,
    timeoutMs: 60_000,
    ...over,
  };
  return { d, titles, outputs, clock };
}

const ebCalls = () => eb.calls().map((c) => c.args[0].constructor.name);

beforeEach(() => {
  eb.reset();
  sm.reset();
  ssm.reset();
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  eb.on(DescribeEventsCommand).resolves({ Events: [] });
});

describe('env list', () => {
  it('masks secrets: the secret name, never a value; plain values shown', async () => {
    configuration(
      { LOG_LEVEL: 'info', DATABASE_URL: 'postgres://app@db:5432/billing_api' },
      {
        DATABASE_PASSWORD: `${DB_SECRET}:password`,
        WEBHOOK_TOKEN: TOKEN_SECRET,
        LEGACY_KEY: 'arn:aws:ssm:eu-west-1:123456789012:parameter/billing/legacy-key',
      },
    );
    sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET_VALUE });
    const dir = await serviceDir();
    try {
      const r = await runCommand(EnvList, ['--env', 'staging'], {
        cwd: dir,
        env: { AWS_REGION: 'eu-west-1' },
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        [
          'DATABASE_PASSWORD  ****  (secret lsvc/billing-api/staging/database (key password))',
          'DATABASE_URL       postgres://app@db:5432/billing_api',
          'LEGACY_KEY         ****  (SSM parameter /billing/legacy-key)',
          'LOG_LEVEL          info',
          'WEBHOOK_TOKEN      ****  (secret lsvc/billing-api/staging/WEBHOOK_TOKEN)',
          '',
        ].join('\n'),
      );
      expect(r.stdout).not.toContain(SECRET_VALUE);
      // Secret values are never even read.
      expect(sm.calls()).toHaveLength(0);

      const json = await runCommand(EnvList, ['--env', 'staging', '--json'], {
        cwd: dir,
        env: { AWS_REGION: 'eu-west-1' },
      });
      const parsed = JSON.parse(json.stdout) as { environment: string; variables: Record<string, unknown>[] };
      expect(parsed.environment).toBe('billing-api-staging');
      expect(parsed.variables.find((v) => v.name === 'WEBHOOK_TOKEN')).toEqual({
        name: 'WEBHOOK_TOKEN',
        kind: 'secret',
        value: null,
        secret: {
          store: 'secretsmanager',
          name: 'lsvc/billing-api/staging/WEBHOOK_TOKEN',
          arn: TOKEN_SECRET,
        },
      });
      expect(parsed.variables.find((v) => v.name === 'LOG_LEVEL')).toMatchObject({
        kind: 'plain',
        value: 'info',
        secret: null,
      });
    } finally {
      await removeDir(dir);
    }
  });

  it('reads secret references of every kind', () => {
    expect(secretReference(`${DB_SECRET}:password`)).toMatchObject({
      name: 'lsvc/billing-api/staging/database',
      jsonKey: 'password',
    });
    expect(secretReference('arn:aws:ssm:eu-west-1:1:parameter/a/b')).toMatchObject({
      store: 'ssm',
      name: '/a/b',
    });
  });

  it('a missing environment: exit 3 with how to provision it', async () => {
    eb.on(DescribeConfigurationSettingsCommand).rejects(
      named('InvalidParameterValue', "No Environment found for EnvironmentName = 'billing-api-staging'."),
    );
    const dir = await serviceDir();
    try {
      const r = await runCommand(EnvList, ['--env', 'staging'], {
        cwd: dir,
        env: { AWS_REGION: 'eu-west-1' },
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('Run "lsvc provision --env staging" first');
    } finally {
      await removeDir(dir);
    }
  });
});

describe('env set', () => {
  it('plain: UpdateEnvironment with the option settings, then waits for Ready', async () => {
    configuration({ LOG_LEVEL: 'info' });
    statuses('Ready', 'Updating', 'Updating');
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const { d, titles, clock } = deps();
    const result = await setVariables(d, target, parseAssignments(['LOG_LEVEL=debug', 'FEATURE_X=a=b']), {
      secret: false,
    });
    expect(eb.commandCalls(UpdateEnvironmentCommand)[0]?.args[0].input).toEqual({
      ApplicationName: SERVICE,
      EnvironmentName: 'billing-api-staging',
      OptionSettings: [
        { Namespace: ENV_NS, OptionName: 'LOG_LEVEL', Value: 'debug' },
        { Namespace: ENV_NS, OptionName: 'FEATURE_X', Value: 'a=b' },
      ],
    });
    expect(titles).toEqual([
      'Wait until billing-api-staging is free',
      "Update billing-api-staging's environment variables",
      'Wait until billing-api-staging is Ready',
    ]);
    // Polled every 5 s until Ready (two Updating answers after the update).
    expect(clock.slept).toEqual([5000, 5000]);
    expect(result).toMatchObject({
      applied: 'update',
      set: [
        { name: 'LOG_LEVEL', kind: 'plain' },
        { name: 'FEATURE_X', kind: 'plain' },
      ],
    });
    expect(ebCalls()).toEqual([
      'DescribeConfigurationSettingsCommand',
      'DescribeEnvironmentsCommand',
      'UpdateEnvironmentCommand',
      'DescribeEnvironmentsCommand',
      'DescribeEnvironmentsCommand',
      'DescribeEnvironmentsCommand',
      'DescribeEventsCommand',
    ]);
  });

  it('the same value again changes nothing (no update)', async () => {
    configuration({ LOG_LEVEL: 'info' });
    const { d, titles } = deps();
    const result = await setVariables(d, target, parseAssignments(['LOG_LEVEL=info']), { secret: false });
    expect(result).toMatchObject({ applied: 'none', unchanged: ['LOG_LEVEL'] });
    expect(eb.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(titles.every((t) => t.startsWith('skip:'))).toBe(true);
  });

  it('waits for a busy environment before updating it', async () => {
    configuration({});
    statuses('Updating', 'Updating', 'Ready', 'Updating');
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const { d } = deps();
    await setVariables(d, target, parseAssignments(['A=1']), { secret: false });
    const order = ebCalls();
    const update = order.indexOf('UpdateEnvironmentCommand');
    expect(order.slice(1, update)).toEqual([
      'DescribeEnvironmentsCommand',
      'DescribeEnvironmentsCommand',
      'DescribeEnvironmentsCommand',
    ]);
  });

  it('--secret: CreateSecret (named, tagged), then maps it by ARN; the plain property goes; no value reaches EB', async () => {
    configuration({ STRIPE_KEY: 'old-plain-value', LOG_LEVEL: 'info' });
    statuses();
    sm.on(DescribeSecretCommand).rejects(
      named('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
    );
    const arn =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lsvc/billing-api/staging/STRIPE_KEY-Zx90Cv';
    sm.on(CreateSecretCommand).resolves({ ARN: arn, Name: 'lsvc/billing-api/staging/STRIPE_KEY' });
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const { d, outputs } = deps();
    const result = await setVariables(d, target, parseAssignments([`STRIPE_KEY=${SECRET_VALUE}`]), {
      secret: true,
    });

    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toEqual({
      Name: 'lsvc/billing-api/staging/STRIPE_KEY',
      SecretString: SECRET_VALUE,
      Description: 'STRIPE_KEY of billing-api-staging (lsvc env set --secret)',
      Tags: [...resourceTags(SERVICE, 'staging'), { Key: 'lsvc:variable', Value: 'STRIPE_KEY' }],
    });
    expect(eb.commandCalls(UpdateEnvironmentCommand)[0]?.args[0].input).toEqual({
      ApplicationName: SERVICE,
      EnvironmentName: 'billing-api-staging',
      OptionSettings: [{ Namespace: SECRET_NS, OptionName: 'STRIPE_KEY', Value: arn }],
      OptionsToRemove: [{ Namespace: ENV_NS, OptionName: 'STRIPE_KEY' }],
    });
    // The secret is stored before EB is told about it.
    const created = sm.commandCalls(CreateSecretCommand)[0];
    const updated = eb.commandCalls(UpdateEnvironmentCommand)[0];
    expect(created && updated && created.calledBefore(updated)).toBe(true);
    expect(JSON.stringify(eb.calls().map((c) => c.args[0].input))).not.toContain(SECRET_VALUE);
    expect(JSON.stringify([result, outputs])).not.toContain(SECRET_VALUE);
    expect(result.set).toEqual([
      { name: 'STRIPE_KEY', kind: 'secret', secret: 'lsvc/billing-api/staging/STRIPE_KEY' },
    ]);
  });

  it('--secret on an existing mapping: PutSecretValue, then a restart so the app reads it (no update)', async () => {
    configuration({}, { WEBHOOK_TOKEN: TOKEN_SECRET });
    statuses('Ready', 'Updating');
    sm.on(DescribeSecretCommand).resolves({
      ARN: TOKEN_SECRET,
      Name: 'lsvc/billing-api/staging/WEBHOOK_TOKEN',
    });
    sm.on(PutSecretValueCommand).resolves({ ARN: TOKEN_SECRET, VersionId: 'v2' });
    eb.on(RestartAppServerCommand).resolves({});
    const { d, titles } = deps();
    const result = await setVariables(d, target, parseAssignments(['WEBHOOK_TOKEN=new-token-value']), {
      secret: true,
    });
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'lsvc/billing-api/staging/WEBHOOK_TOKEN',
      SecretString: 'new-token-value',
    });
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(eb.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(eb.commandCalls(RestartAppServerCommand)[0]?.args[0].input).toEqual({
      EnvironmentName: 'billing-api-staging',
    });
    expect(result.applied).toBe('restart');
    expect(titles).toEqual([
      'Store the secret in Secrets Manager',
      'Wait until billing-api-staging is free',
      'Restart the app on billing-api-staging (it reads secret values at start)',
      'Wait until billing-api-staging is Ready',
    ]);
  });

  it('--secret restores a secret scheduled for deletion before putting the value', async () => {
    configuration({});
    statuses();
    sm.on(DescribeSecretCommand).resolves({ ARN: TOKEN_SECRET, DeletedDate: new Date(NOW - 86_400_000) });
    sm.on(RestoreSecretCommand).resolves({ ARN: TOKEN_SECRET });
    sm.on(PutSecretValueCommand).resolves({ ARN: TOKEN_SECRET });
    eb.on(UpdateEnvironmentCommand).resolves(environment());
    const { d } = deps();
    await setVariables(d, target, parseAssignments(['WEBHOOK_TOKEN=x']), { secret: true });
    const order = sm.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['DescribeSecretCommand', 'RestoreSecretCommand', 'PutSecretValueCommand']);
  });

  it('a failed update (EB error events): exit 6 with the events', async () => {
    configuration({});
    statuses('Ready', 'Updating');
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    eb.on(DescribeEventsCommand).resolves({
      Events: [
        { EventDate: new Date(NOW + 20_000), Severity: 'ERROR', Message: 'Failed to deploy configuration.' },
        {
          EventDate: new Date(NOW + 10_000),
          Severity: 'INFO',
          Message: 'Updating environment billing-api-staging configuration settings.',
        },
      ],
    });
    const { d } = deps();
    await expect(setVariables(d, target, parseAssignments(['A=1']), { secret: false })).rejects.toMatchObject(
      {
        exitCode: 6,
        message: 'Elastic Beanstalk reports that the update of billing-api-staging failed.',
        details: [expect.stringContaining('Failed to deploy configuration.')],
      },
    );
  });

  it('times out (exit 7) saying the update may still run', async () => {
    configuration({});
    eb.on(DescribeEnvironmentsCommand)
      .resolvesOnce({ Environments: [environment()] })
      .resolves({ Environments: [environment({ Status: 'Updating' })] });
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const { d } = deps({ timeoutMs: 30_000 });
    await expect(setVariables(d, target, parseAssignments(['A=1']), { secret: false })).rejects.toMatchObject(
      {
        exitCode: 7,
        hint: expect.stringContaining('lsvc status --env staging --watch'),
      },
    );
  });

  it('validates names and the 4096-byte limit before any change', async () => {
    expect(() => parseAssignments(['1BAD=x'])).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseAssignments(['A-B=x'])).toThrow(/not a valid environment variable name/);
    expect(() => parseAssignments(['A=1', 'A=2'])).toThrow(/given twice/);
    expect(() => parseAssignments(['A', 'B'])).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(parseAssignments(['TOKEN'], 'from-stdin')).toEqual([{ name: 'TOKEN', value: 'from-stdin' }]);
    configuration({ BIG: 'x'.repeat(4000) });
    const { d } = deps();
    await expect(
      setVariables(d, target, parseAssignments([`MORE=${'y'.repeat(200)}`]), { secret: false }),
    ).rejects.toMatchObject({
      exitCode: 2,
      hint: expect.stringContaining('--secret'),
    });
    expect(eb.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });
});

describe('env unset', () => {
  it('removes plain properties and secret mappings (OptionsToRemove), reports missing names, waits', async () => {
    configuration({ LOG_LEVEL: 'info' }, { WEBHOOK_TOKEN: TOKEN_SECRET });
    statuses('Ready', 'Updating');
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const { d } = deps();
    const result = await unsetVariables(d, target, ['LOG_LEVEL', 'WEBHOOK_TOKEN', 'NOPE'], { secret: false });
    expect(eb.commandCalls(UpdateEnvironmentCommand)[0]?.args[0].input).toEqual({
      ApplicationName: SERVICE,
      EnvironmentName: 'billing-api-staging',
      OptionsToRemove: [
        { Namespace: ENV_NS, OptionName: 'LOG_LEVEL' },
        { Namespace: SECRET_NS, OptionName: 'WEBHOOK_TOKEN' },
      ],
    });
    expect(result).toMatchObject({
      removed: ['LOG_LEVEL', 'WEBHOOK_TOKEN'],
      missing: ['NOPE'],
      applied: 'update',
    });
    // Without --secret the secret stays.
    expect(sm.calls()).toHaveLength(0);
  });

  it('--secret: deletes the secret lsvc made (7-day window) after the update; never a secret it did not make', async () => {
    configuration({}, { WEBHOOK_TOKEN: TOKEN_SECRET, DATABASE_PASSWORD: `${DB_SECRET}:password` });
    statuses();
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    sm.on(DescribeSecretCommand, { SecretId: 'lsvc/billing-api/staging/WEBHOOK_TOKEN' }).resolves({
      ARN: TOKEN_SECRET,
    });
    sm.on(DescribeSecretCommand, { SecretId: 'lsvc/billing-api/staging/DATABASE_PASSWORD' }).rejects(
      named('ResourceNotFoundException', 'not found'),
    );
    sm.on(DeleteSecretCommand).resolves({ DeletionDate: new Date(NOW + 7 * 86_400_000) });
    const { d } = deps();
    const result = await unsetVariables(d, target, ['WEBHOOK_TOKEN', 'DATABASE_PASSWORD'], { secret: true });
    const deletes = sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input);
    expect(deletes).toEqual([
      { SecretId: 'lsvc/billing-api/staging/WEBHOOK_TOKEN', RecoveryWindowInDays: 7 },
    ]);
    // Only once the environment no longer maps it (update done, Ready, events checked).
    const deleted = sm.commandCalls(DeleteSecretCommand)[0];
    const checked = eb.commandCalls(DescribeEventsCommand)[0];
    expect(deleted && checked?.calledBefore(deleted)).toBe(true);
    expect(result.secretsDeleted).toEqual([
      { name: 'lsvc/billing-api/staging/WEBHOOK_TOKEN', deletionDate: '2026-12-05T12:00:00.000Z' },
    ]);
    expect(result.notes).toEqual([
      'DATABASE_PASSWORD pointed to lsvc/billing-api/staging/database, which lsvc env set did not create: kept.',
    ]);
  });
});

describe('env set / unset (the commands)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await serviceDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });
  const run = (Cmd: typeof EnvSet | typeof EnvUnset, argv: string[]) =>
    runCommand(Cmd, argv, { cwd: dir, env: { AWS_REGION: 'eu-west-1', CI: '1' } });

  it('set --secret prints names, never the value', async () => {
    configuration({});
    statuses();
    sm.on(DescribeSecretCommand).rejects(named('ResourceNotFoundException', 'not found'));
    sm.on(CreateSecretCommand).resolves({ ARN: TOKEN_SECRET });
    eb.on(UpdateEnvironmentCommand).resolves(environment({ Status: 'Updating' }));
    const r = await run(EnvSet, ['--env', 'staging', '--secret', `WEBHOOK_TOKEN=${SECRET_VALUE}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('set      WEBHOOK_TOKEN (secret lsvc/billing-api/staging/WEBHOOK_TOKEN)');
    expect(r.stdout).toContain('billing-api-staging updated and Ready.');
    expect(r.stdout + r.stderr).not.toContain(SECRET_VALUE);
  }, 30_000);

  it('bad names: exit 2 before any AWS call', async () => {
    expect((await run(EnvSet, ['--env', 'staging', 'bad-name=1'])).code).toBe(2);
    expect((await run(EnvUnset, ['--env', 'staging', '9LIVES'])).code).toBe(2);
    expect((await run(EnvUnset, ['--env', 'staging'])).code).toBe(2);
    expect(eb.calls()).toHaveLength(0);
  });

  it('access denied on the update: exit 5 naming the action', async () => {
    configuration({});
    statuses();
    eb.on(UpdateEnvironmentCommand).rejects(
      named('AccessDenied', 'not authorized to perform: elasticbeanstalk:UpdateEnvironment'),
    );
    const r = await run(EnvSet, ['--env', 'staging', 'A=1']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      'Access denied: elasticbeanstalk:UpdateEnvironment is not allowed for these credentials.',
    );
  }, 30_000);
});
