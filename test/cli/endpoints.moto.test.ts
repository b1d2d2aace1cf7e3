// The endpoints through moto's SSM Parameter Store (the rest of the account is the fake of
// provision-fake-aws.ts, which moto cannot stand in for: Elastic Beanstalk settings, ElastiCache,
// alarms): provision publishes /lsvc/<env>/<service>/url and /openapi, a second run leaves them,
// a service with dependsOn gets <SERVICE>_URL in its environment, a missing dependency stops
// provision before any change, and destroy deletes the parameters.
// moto's state is shared by everyone: every run uses its own service names.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParametersCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';

import { resourceNames } from '../../src/aws/names.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { DestroyClients } from '../../src/destroy/clients.js';
import { destroy } from '../../src/destroy/run.js';
import { ConfigError } from '../../src/errors.js';
import { provision, type ProvisionResult } from '../../src/provision/run.js';
import type { PlanRow } from '../../src/provision/types.js';
import { makeUi } from '../../src/ui.js';
import { ensureMoto, MOTO_SDK, uniqueSuffix } from '../support/moto.js';
import {
  clients,
  fastTiming,
  FakeAccount,
  mockAccount,
  mutating,
  REGION,
  resetHistory,
} from './provision-fake-aws.js';

const stamp = uniqueSuffix();
const callee = `ep-bill-${stamp}`;
const caller = `ep-ord-${stamp}`;
const broken = `ep-brk-${stamp}`;
const ssm = new SSMClient(MOTO_SDK);
const { account, mocks } = mockAccount(new FakeAccount(), [
  'sts',
  'ecr',
  'eb',
  'iam',
  'sns',
  'ec2',
  'rds',
  'secrets',
  'elasticache',
  'cloudwatch',
]);

beforeAll(async () => {
  await ensureMoto();
}, 600_000);
afterAll(async () => {
  // Whatever a failed test left behind.
  const { DeleteParametersCommand } = await import('@aws-sdk/client-ssm');
  const names = [callee, caller, broken].flatMap((s) => [
    `/lsvc/staging/${s}/url`,
    `/lsvc/staging/${s}/openapi`,
  ]);
  await ssm.send(new DeleteParametersCommand({ Names: names.slice(0, 10) }));
  ssm.destroy();
});

const run = (service: string, dependsOn: string[] = []): Promise<ProvisionResult> => {
  const config = resolveConfig(
    { service, region: REGION, environments: { staging: { dependsOn, deploymentPolicy: 'AllAtOnce' } } },
    '/tmp/lsvc.yml',
  );
  const environment = config.environments.staging;
  if (!environment) throw new Error('staging');
  return provision(
    {
      service,
      environment,
      names: resourceNames(service, 'staging'),
      region: REGION,
      clients: { ...clients(), ssm },
      timing: fastTiming(),
    },
    {
      dryRun: false,
      progress: { json: true },
      onPlan: (rows) => {
        plans.push(rows.map((r) => ({ ...r })));
      },
    },
  );
};
/** The plan of each run, as printed before any change. */
const plans: PlanRow[][] = [];

const values = async (...names: string[]) => {
  const out = await ssm.send(new GetParametersCommand({ Names: names }));
  return Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name ?? '', p.Value ?? ''])) as Record<
    string,
    string
  >;
};

const cname = (service: string) => `${service}-staging.${REGION}.elasticbeanstalk.com`;

describe('endpoints in SSM Parameter Store (moto)', () => {
  it('provision publishes the URL and the OpenAPI URL, tagged; the plan shows them', async () => {
    const result = await run(callee);
    const endpoint = (r: PlanRow) => r.kind === 'ssm-parameter' && /\/(url|openapi)$/.test(r.name);
    const planned = plans.at(-1)?.filter(endpoint);
    expect(planned).toEqual([
      {
        kind: 'ssm-parameter',
        name: `/lsvc/staging/${callee}/url`,
        action: 'create',
        details: ['the environment URL, after the environment is created'],
      },
      {
        kind: 'ssm-parameter',
        name: `/lsvc/staging/${callee}/openapi`,
        action: 'create',
        details: ['the environment URL + /openapi.json, after the environment is created'],
      },
    ]);
    // The result says what was written.
    expect(result.resources.filter(endpoint).map((r) => r.details)).toEqual([
      [`http://${cname(callee)}`],
      [`http://${cname(callee)}/openapi.json`],
    ]);
    expect(await values(`/lsvc/staging/${callee}/url`, `/lsvc/staging/${callee}/openapi`)).toEqual({
      [`/lsvc/staging/${callee}/url`]: `http://${cname(callee)}`,
      [`/lsvc/staging/${callee}/openapi`]: `http://${cname(callee)}/openapi.json`,
    });
    const tags = await ssm.send(
      new ListTagsForResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: `/lsvc/staging/${callee}/url`,
      }),
    );
    expect(tags.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'lsvc:service', Value: callee },
        { Key: 'lsvc:environment', Value: 'staging' },
        { Key: 'managed-by', Value: 'lsvc' },
      ]),
    );
  });

  it('a second run leaves them unchanged; a 443 listener makes the URL https (an update)', async () => {
    const again = await run(callee);
    expect(again.resources.filter((r) => r.action !== 'unchanged')).toEqual([]);

    account.envs
      .get(`${callee}-staging`)
      ?.options.push(
        { Namespace: 'aws:elbv2:listener:443', OptionName: 'Protocol', Value: 'HTTPS' },
        { Namespace: 'aws:elbv2:listener:443', OptionName: 'SSLCertificateArns', Value: 'arn:aws:acm:x' },
      );
    const https = await run(callee);
    expect(https.resources.filter((r) => r.action !== 'unchanged')).toEqual([
      expect.objectContaining({
        name: `/lsvc/staging/${callee}/url`,
        action: 'update',
        details: [`value: http://${cname(callee)} -> https://${cname(callee)}`],
      }),
      expect.objectContaining({ name: `/lsvc/staging/${callee}/openapi`, action: 'update' }),
    ]);
    expect(await values(`/lsvc/staging/${callee}/url`)).toEqual({
      [`/lsvc/staging/${callee}/url`]: `https://${cname(callee)}`,
    });
  });

  it('a caller with dependsOn gets the callee URL as <NAME>_URL in its environment', async () => {
    const result = await run(caller, [callee]);
    const env = result.resources.find((r) => r.kind === 'eb-environment');
    const variable = `${callee.replace(/-/g, '_').toUpperCase()}_URL`;
    expect(env?.details).toContain(`env ${variable}: https://${cname(callee)} (dependsOn)`);
    const options = account.envs.get(`${caller}-staging`)?.options ?? [];
    expect(options).toContainEqual({
      Namespace: 'aws:elasticbeanstalk:application:environment',
      OptionName: variable,
      Value: `https://${cname(callee)}`,
    });
  });

  it('a dependency not provisioned: exit 3 naming it and the fix, before any change', async () => {
    resetHistory(mocks);
    const missing = `ep-none-${stamp}`;
    const error = await run(broken, [callee, missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(3);
    expect((error as ConfigError).message).toBe(
      `A dependency is not provisioned in staging: ${missing} (dependsOn in lsvc.yml).`,
    );
    expect((error as ConfigError).hint).toBe(
      `Run "lsvc provision --env staging" in ${missing}'s folder first, or remove it from dependsOn. Nothing was changed.`,
    );
    expect(mutating(mocks)).toEqual([]);
    expect(account.envs.has(`${broken}-staging`)).toBe(false);
    expect(await values(`/lsvc/staging/${broken}/url`, `/lsvc/staging/${broken}/openapi`)).toEqual({});
  });

  it('destroy deletes the endpoint parameters', async () => {
    // An account where nothing else of the environment is left: every describe answers empty.
    const empty = { send: async () => ({}) };
    const destroyClients = {
      ...Object.fromEntries(
        ['eb', 'cloudwatch', 'rds', 'elasticache', 'sns', 'secrets', 'ec2', 'iam', 'ecr'].map((k) => [
          k,
          empty,
        ]),
      ),
      ssm,
    } as unknown as DestroyClients;
    const out: string[] = [];
    const result = await destroy(
      {
        clients: destroyClients,
        timing: { clock: { now: () => 0, sleep: async () => undefined }, pollMs: 1 },
        runSteps: async (steps) => {
          for (const s of steps)
            await s.run({
              title: () => undefined,
              output: () => undefined,
              signal: new AbortController().signal,
            });
        },
        prompter: { mode: 'yes', confirm: async () => true, ask: async () => '' },
        ui: makeUi({
          color: false,
          verbose: false,
          json: false,
          stdout: { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream,
        }),
      },
      {
        service: callee,
        envName: 'staging',
        region: REGION,
        names: resourceNames(callee, 'staging'),
        excludeAlarmPrefixes: [],
        otherEnvironments: [],
        redisEngineVersion: '7.1',
      },
      { dryRun: false, yes: true, force: true, skipFinalSnapshot: true, purge: false },
    );
    expect(result.plan.endpoints).toEqual([`/lsvc/staging/${callee}/url`, `/lsvc/staging/${callee}/openapi`]);
    expect(result.deleted).toBe(true);
    expect(out.join('')).toContain(
      `SSM parameter(s) /lsvc/staging/${callee}/url, /lsvc/staging/${callee}/openapi (the endpoints callers read)`,
    );
    expect(await values(`/lsvc/staging/${callee}/url`, `/lsvc/staging/${callee}/openapi`)).toEqual({});
  });
});
