import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { allowedKeysAt, findConfigFile, parseServiceConfig } from '../../src/config/load.js';
import { getEnvironment, loadServiceConfig, resolveConfig } from '../../src/config/resolve.js';
import { BUILTIN_DEFAULTS, serviceConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { removeDir, ROOT, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

const VALID = `service: billing-api
region: eu-west-1
defaults:
  instanceType: t3.small
  env:
    LOG_LEVEL: info
environments:
  staging:
  production:
    instanceType: t3.medium
    minInstances: 2
    maxInstances: 6
    deploymentPolicy: Immutable
    confirm: true
    database:
      instanceClass: db.t4g.small
      allocatedStorageGb: 50
    alarms:
      p99LatencyMs: 1500
    env:
      LOG_LEVEL: warn
      FEATURE_X: true
`;

/** The ConfigError that parsing `text` raises. */
function errorOf(text: string): ConfigError {
  try {
    parseServiceConfig(text, 'lsvc.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('lsvc.yml validation errors', () => {
  it('names file, line, column and key of an unknown key, with a did-you-mean and what is allowed', () => {
    const err = errorOf(`service: demo
environments:
  production:
    instanceTyp: t3.small
`);
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(
      'lsvc.yml:4:5: environments.production.instanceTyp: unknown key; did you mean "instanceType"?',
    );
    expect(err.hint).toMatch(
      /^Allowed here: region, profile, instanceType, minInstances, maxInstances, healthCheckPath,/,
    );
  });

  it('points at nested keys and top-level typos', () => {
    expect(errorOf('servce: demo\nenvironments: { staging: {} }\n').message).toMatch(
      /^lsvc.yml:1:1: servce: unknown key; did you mean "service"\?/,
    );
    expect(
      errorOf('service: demo\nenvironments:\n  staging:\n    database:\n      storage: 20\n').message,
    ).toBe('lsvc.yml:5:7: environments.staging.database.storage: unknown key');
  });

  it('says which values are allowed for an enum, with a did-you-mean', () => {
    const err = errorOf('service: demo\nenvironments:\n  production:\n    deploymentPolicy: Imutable\n');
    expect(err.message).toBe(
      'lsvc.yml:4:23: environments.production.deploymentPolicy: "Imutable" is not allowed; did you mean "Immutable"?',
    );
    expect(err.hint).toBe(
      'Allowed: AllAtOnce, Rolling, RollingWithAdditionalBatch, Immutable, TrafficSplitting.',
    );
  });

  it('reports wrong types and ranges at the value', () => {
    expect(errorOf('service: demo\nenvironments:\n  staging:\n    minInstances: two\n').message).toBe(
      'lsvc.yml:4:19: environments.staging.minInstances: must be a number, not "two"',
    );
    expect(
      errorOf('service: demo\nenvironments:\n  staging:\n    database: { allocatedStorageGb: 5 }\n').message,
    ).toBe('lsvc.yml:4:37: environments.staging.database.allocatedStorageGb: must be at least 20');
    expect(errorOf('service: demo\nenvironments:\n  staging:\n    instanceType: huge\n').message).toBe(
      'lsvc.yml:4:19: environments.staging.instanceType: must be an EC2 instance type such as t3.small',
    );
  });

  it('checks min <= max across defaults and environments', () => {
    const err = errorOf(
      'service: demo\ndefaults:\n  maxInstances: 2\nenvironments:\n  production:\n    minInstances: 3\n',
    );
    expect(err.message).toBe(
      'lsvc.yml:6:19: environments.production.minInstances: minInstances (3) must not be greater than maxInstances (2)',
    );
  });

  it('reports a missing required key and an invalid service name', () => {
    expect(errorOf('environments:\n  staging: {}\n').message).toBe(
      'lsvc.yml:1:1: service: is required (a string)',
    );
    expect(errorOf('service: Billing_API\nenvironments:\n  staging: {}\n').message).toMatch(
      /^lsvc.yml:1:10: service: is not a valid service name: use lowercase letters/,
    );
  });

  it('checks environment names, and that <service>-<env> fits Elastic Beanstalk', () => {
    expect(errorOf('service: demo\nenvironments:\n  Prod: {}\n').message).toMatch(
      /^lsvc.yml:3:3: environments.Prod: invalid name: use lowercase letters, digits and single hyphens/,
    );
    expect(errorOf(`service: ${'x'.repeat(29)}\nenvironments:\n  preproduction: {}\n`).message).toMatch(
      /environments.preproduction: ".*-preproduction" is longer than the 40 characters/,
    );
  });

  it('lists further problems as details, in file order', () => {
    const err = errorOf(
      'service: demo\nregion: mars\nenvironments:\n  staging:\n    confirm: maybe\n    colour: red\n',
    );
    expect(err.message).toBe('lsvc.yml:2:9: region: must be an AWS region such as eu-west-1');
    expect(err.details).toEqual([
      'lsvc.yml:5:14: environments.staging.confirm: must be a boolean, not "maybe"',
      'lsvc.yml:6:5: environments.staging.colour: unknown key',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(errorOf('service: demo\nenvironments:\n  staging: {\n').message).toMatch(
      /^lsvc.yml:\d+:\d+: YAML syntax error: /,
    );
    expect(errorOf('service: demo\nservice: other\nenvironments: {staging: {}}\n').message).toBe(
      'lsvc.yml:2:1: service: duplicate key (first at line 1)',
    );
    // Nested, in flow style, and the first duplicate in the file is the one reported.
    expect(
      errorOf(
        'service: demo\nenvironments:\n  staging: {a: 1}\n  prod: {env: {A: 1, B: 2, A: 3}}\n  staging: {}\n',
      ).message,
    ).toBe('lsvc.yml:4:28: environments.prod.env.A: duplicate key (first at line 4)');
    // 1 and "1" are different keys (as YAML has it); merge keys may repeat.
    expect(() =>
      parseServiceConfig(
        'service: demo\nx: &x {instanceType: t3.small}\ny: &y {confirm: true}\nenvironments:\n  staging:\n    <<: *x\n    <<: *y\n    env: {1: a, "1": b}\n',
      ),
    ).toThrow(/x: unknown key/);
    expect(errorOf('- just\n- a list\n').message).toBe(
      'lsvc.yml:1:1: must be a map of settings (service, region, environments, ...)',
    );
  });

  it('requires at least one environment', () => {
    expect(errorOf('service: demo\nenvironments: {}\n').message).toBe(
      'lsvc.yml:2:15: environments: must list at least one environment',
    );
  });

  it('knows the allowed keys at each level', () => {
    expect(allowedKeysAt(serviceConfigSchema, [])).toEqual([
      'service',
      'region',
      'profile',
      'defaults',
      'environments',
      'pipeline',
      'previews',
    ]);
    expect(allowedKeysAt(serviceConfigSchema, ['environments', 'x', 'redis'])).toEqual([
      'nodeType',
      'engineVersion',
    ]);
  });
});

describe('resolving lsvc.yml', () => {
  it('merges built-in defaults, then defaults:, then the environment', () => {
    const cfg = resolveConfig(parseServiceConfig(VALID), '/x/lsvc.yml');
    expect(cfg.environments.staging).toEqual({
      ...BUILTIN_DEFAULTS,
      name: 'staging',
      fullName: 'billing-api-staging',
      region: 'eu-west-1',
      profile: undefined,
      notifyEmail: undefined,
      env: { LOG_LEVEL: 'info' },
    });
    const prod = cfg.environments.production;
    expect(prod).toMatchObject({
      instanceType: 't3.medium',
      minInstances: 2,
      maxInstances: 6,
      confirm: true,
      healthCheckPath: '/readyz',
      database: { ...BUILTIN_DEFAULTS.database, instanceClass: 'db.t4g.small', allocatedStorageGb: 50 },
      alarms: { ...BUILTIN_DEFAULTS.alarms, p99LatencyMs: 1500 },
      env: { LOG_LEVEL: 'warn', FEATURE_X: 'true' },
    });
  });

  it('gives an unknown environment a usage error with a did-you-mean', () => {
    const cfg = resolveConfig(parseServiceConfig(VALID), '/x/lsvc.yml');
    expect(() => getEnvironment(cfg, 'prodution')).toThrow(
      'There is no environment "prodution" in lsvc.yml; did you mean "production"?',
    );
    try {
      getEnvironment(cfg, 'qa');
    } catch (error) {
      expect(error).toMatchObject({
        exitCode: 2,
        hint: expect.stringContaining('Environments: staging, production'),
      });
    }
    expect.assertions(2);
  });

  it('finds lsvc.yml by walking up from a subfolder, and fails (exit 3) outside a service', async () => {
    const root = await tempDir('lsvc-cfg-');
    cleanup.push(root);
    await writeFile(join(root, 'lsvc.yml'), VALID);
    const deep = join(root, 'src', 'http', 'routes');
    await mkdir(deep, { recursive: true });
    expect(await findConfigFile(deep)).toBe(join(root, 'lsvc.yml'));
    expect((await loadServiceConfig(deep)).service).toBe('billing-api');

    const outside = await tempDir('lsvc-nocfg-');
    cleanup.push(outside);
    await expect(loadServiceConfig(outside)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^No lsvc.yml found/),
    });
  });
});

describe("the template's lsvc.yml", () => {
  it('is valid, with staging and production, for postgres and (after init --db mysql) mysql', async () => {
    const text = await readFile(join(ROOT, 'service-template', 'lsvc.yml'), 'utf8');
    const pg = resolveConfig(parseServiceConfig(text), 'lsvc.yml');
    expect(Object.keys(pg.environments)).toEqual(['staging', 'production']);
    expect(pg.environments.production).toMatchObject({
      confirm: true,
      database: { engine: 'postgres', engineVersion: '15' },
    });
    const mysql = resolveConfig(
      parseServiceConfig(text.replace('engine: postgres', 'engine: mysql')),
      'lsvc.yml',
    );
    expect(mysql.environments.staging?.database).toMatchObject({ engine: 'mysql', engineVersion: '8.0' });
  });
});
