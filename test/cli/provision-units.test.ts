// Pure parts of provision: the password, option diffing, platform choice, versions, policies.
import { describe, expect, it } from '@jest/globals';

import { instancePolicy, samePolicy, decodePolicyDocument, trustPolicy } from '../../src/aws/iam.js';
import { parameterGroupName, redisFamily } from '../../src/aws/elasticache.js';
import { resourceNames } from '../../src/aws/names.js';
import { databaseUrl, engineVersionSatisfies } from '../../src/aws/rds.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { change, differences, PENDING } from '../../src/provision/diff.js';
import { generatePassword, PASSWORD_ALPHABET, PASSWORD_LENGTH } from '../../src/provision/password.js';
import { countLine, renderPlan } from '../../src/provision/render.js';
import { wantsDeletionProtection } from '../../src/provision/resources/database.js';
import {
  environmentOptions,
  newestDockerStack,
  optionDifferences,
  optionSatisfied,
  type EnvironmentInputs,
} from '../../src/provision/resources/eb-environment.js';
import { makePaint } from '../../src/ui.js';
import { InterruptedError } from '../../src/errors.js';
import { pollUntil } from '../../src/aws/poll.js';
import { waitingIn } from '../../src/provision/types.js';

const config = resolveConfig(
  {
    service: 'shop',
    region: 'eu-west-1',
    environments: {
      staging: { env: { FEATURE_X: 'on' } },
      production: {},
      prod: { database: { deletionProtection: true } },
    },
  },
  '/x/lsvc.yml',
);
const staging = config.environments.staging;
if (!staging) throw new Error('staging');

describe('database password', () => {
  it('is long, from the RDS-safe alphabet, and different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(PASSWORD_LENGTH);
      expect(p).toMatch(/^[A-Za-z0-9._~-]+$/);
      // RDS refuses / " @ and spaces.
      expect(p).not.toMatch(/[/"@ ]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
    expect(PASSWORD_ALPHABET).not.toMatch(/[/"@ '`$\\]/);
  });

  it('uses every character of the alphabet (no modulo bias toward the first ones)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) for (const c of generatePassword()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(PASSWORD_ALPHABET.length);
    const expected = (400 * PASSWORD_LENGTH) / PASSWORD_ALPHABET.length;
    for (const n of counts.values()) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.35);
  });

  it('draws from the random source it is given', () => {
    expect(generatePassword(4, () => 0)).toBe('AAAA');
    expect(generatePassword(3, (max) => max - 1)).toBe('~~~');
  });
});

describe('plan diffing', () => {
  it('lists what differs, field by field', () => {
    expect(
      differences({ a: 1, b: 'x', c: ['p', 'q'] }, { a: 2, b: 'x', c: ['q', 'p'] }, { a: 'size' }),
    ).toEqual(['size: 1 -> 2']);
    expect(change('subnets', [], ['a', 'b'])).toBe('subnets: (none) -> a, b');
  });

  const inputs = (over: Partial<EnvironmentInputs['known']> = {}): EnvironmentInputs => ({
    service: 'shop',
    environment: staging,
    names: resourceNames('shop', 'staging'),
    known: {
      serviceRoleArn: 'arn:aws:iam::1:role/shop-eb-service',
      securityGroups: { instances: 'sg-1' },
      topicArn: 'arn:aws:sns:eu-west-1:1:shop-staging-alarms',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:lsvc/shop/staging/database-AbCdEf',
      database: { status: 'available', host: 'db.example', port: 5432 },
      redis: { status: 'available', host: 'redis.example', port: 6379 },
      identity: { arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:lsvc/shop/staging/identity-GhIjKl' },
      ...over,
    },
  });

  it('builds the environment options, with PENDING for what does not exist yet', () => {
    const options = environmentOptions(inputs());
    const value = (name: string) => options.find((o) => o.OptionName === name)?.Value;
    expect(value('DATABASE_URL')).toBe('postgres://app@db.example:5432/shop');
    expect(value('REDIS_URL')).toBe('rediss://redis.example:6379');
    expect(value('FEATURE_X')).toBe('on');
    expect(value('DATABASE_PASSWORD')).toBe(
      'arn:aws:secretsmanager:eu-west-1:1:secret:lsvc/shop/staging/database-AbCdEf:password',
    );
    expect(value('LSVC_IDENTITY_KEY')).toBe(
      'arn:aws:secretsmanager:eu-west-1:1:secret:lsvc/shop/staging/identity-GhIjKl:signingKey',
    );
    expect(value('LSVC_SERVICE_NAME')).toBe('shop');
    expect(value('LSVC_CALLERS')).toBe('{}');
    const pending = environmentOptions(
      inputs({ database: undefined, secretArn: undefined, topicArn: undefined, identity: undefined }),
    );
    const pendingNames = pending.filter((o) => o.Value === PENDING).map((o) => o.OptionName);
    expect(pendingNames.sort()).toEqual([
      'DATABASE_PASSWORD',
      'DATABASE_URL',
      'LSVC_IDENTITY_JWKS',
      'LSVC_IDENTITY_KEY',
      'Notification Topic ARN',
    ]);
  });

  it('compares the way Elastic Beanstalk reports values', () => {
    const opt = { Namespace: 'n', OptionName: 'o', label: 'l' };
    expect(optionSatisfied({ ...opt, Value: 'sg-1', compare: 'contains' }, 'awseb-e-1-stack-SG,sg-1')).toBe(
      true,
    );
    expect(optionSatisfied({ ...opt, Value: 'sg-2', compare: 'contains' }, 'awseb-e-1-stack-SG,sg-1')).toBe(
      false,
    );
    expect(optionSatisfied({ ...opt, Value: 'arn:aws:iam::1:role/r', compare: 'name' }, 'r')).toBe(true);
    expect(optionSatisfied({ ...opt, Value: 'TRUE' }, 'true')).toBe(true);
    expect(
      optionSatisfied(
        { ...opt, Value: '{"a":{"b":1}}', compare: 'json-subset' },
        '{"Rules":{},"a":{"b":1,"c":2}}',
      ),
    ).toBe(true);
    expect(optionSatisfied({ ...opt, Value: '{"a":{"b":1}}', compare: 'json-subset' }, '{"a":{"b":2}}')).toBe(
      false,
    );
    expect(optionSatisfied({ ...opt, Value: PENDING }, PENDING)).toBe(false);
    expect(optionSatisfied({ ...opt, Value: 'x' }, undefined)).toBe(false);
  });

  it('reports only the owned options that differ, and leaves others alone', () => {
    const wanted = environmentOptions(inputs());
    const actual = wanted.map((o) => ({ Namespace: o.Namespace, OptionName: o.OptionName, Value: o.Value }));
    expect(optionDifferences(wanted, actual)).toEqual([]);
    const changed = actual
      .map((o) => (o.OptionName === 'MaxSize' ? { ...o, Value: '9' } : o))
      .filter((o) => o.OptionName !== 'FEATURE_X')
      .concat([
        {
          Namespace: 'aws:elasticbeanstalk:application:environment',
          OptionName: 'SET_BY_LSVC_ENV',
          Value: 'kept',
        },
      ]);
    expect(optionDifferences(wanted, changed).map((d) => d.detail)).toEqual([
      'max instances: 9 -> 2',
      'env FEATURE_X: (none) -> on',
    ]);
  });
});

describe('platform, versions, names', () => {
  it('picks the newest Docker on Amazon Linux 2023, comparing versions as numbers', () => {
    expect(
      newestDockerStack([
        '64bit Amazon Linux 2023 v4.9.1 running Docker',
        '64bit Amazon Linux 2023 v4.10.0 running Docker',
        '64bit Amazon Linux 2023 v4.10.0 running ECS',
        '64bit Amazon Linux 2 v4.12.0 running Docker',
        '64bit Amazon Linux 2023 v6.0.0 running Node.js 22',
      ]),
    ).toBe('64bit Amazon Linux 2023 v4.10.0 running Docker');
    expect(
      newestDockerStack(['64bit Amazon Linux 2018.03 v2.12.16 running Docker 18.06.1-ce']),
    ).toBeUndefined();
  });

  it('accepts the engine version AWS runs when it satisfies lsvc.yml', () => {
    expect(engineVersionSatisfies('15.7', '15')).toBe(true);
    expect(engineVersionSatisfies('15.7', '15.4')).toBe(true);
    expect(engineVersionSatisfies('15.3', '15.4')).toBe(false);
    expect(engineVersionSatisfies('16.1', '15')).toBe(false);
    expect(engineVersionSatisfies('8.0.39', '8.0')).toBe(true);
    expect(engineVersionSatisfies('7.1.0', '7.1')).toBe(true);
  });

  it('names Redis parameter group families and groups', () => {
    expect(redisFamily('7.1')).toBe('redis7');
    expect(redisFamily('6.2')).toBe('redis6.x');
    expect(redisFamily('5.0.6')).toBe('redis5.0');
    expect(parameterGroupName('shop-staging', '6.2')).toBe('shop-staging-redis6-x');
  });

  it('builds database URLs without the password', () => {
    expect(databaseUrl('mysql', 'h', 3306, 'shop')).toBe('mysql://app@h:3306/shop');
  });

  it('protects production databases from deletion even when lsvc.yml does not say so', () => {
    const env = (name: string) => {
      const e = config.environments[name];
      if (!e) throw new Error(name);
      return { environment: e };
    };
    expect(wantsDeletionProtection(env('staging'))).toBe(false);
    expect(wantsDeletionProtection(env('production'))).toBe(true);
    expect(wantsDeletionProtection(env('prod'))).toBe(true);
  });
});

describe('IAM documents', () => {
  const names = resourceNames('shop', 'staging');
  const scope = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

  it("grants the instances this environment's secrets, logs and image only", () => {
    const doc = instancePolicy(scope, names, 'shop', 'staging');
    const resources = doc.Statement.flatMap((s) => [s.Resource].flat());
    expect(resources).toContain('arn:aws:ecr:eu-west-1:123456789012:repository/shop');
    expect(resources).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:lsvc/shop/staging/*');
    expect(resources).toContain(
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/elasticbeanstalk/shop-staging/*',
    );
    expect(resources.filter((r) => r === '*')).toHaveLength(1); // ecr:GetAuthorizationToken has no resource
    expect(JSON.stringify(doc)).not.toMatch(/production/);
  });

  it('compares policies as IAM returns them (URL-encoded, reordered)', () => {
    const doc = instancePolicy(scope, names, 'shop', 'staging');
    const reordered = {
      Statement: [...doc.Statement].map((s) => ({ ...s, Action: [...s.Action].reverse() })),
      Version: doc.Version,
    };
    expect(samePolicy(decodePolicyDocument(encodeURIComponent(JSON.stringify(reordered))), doc)).toBe(true);
    expect(
      samePolicy(doc, instancePolicy(scope, resourceNames('shop', 'production'), 'shop', 'production')),
    ).toBe(false);
    expect(trustPolicy('elasticbeanstalk.amazonaws.com').Statement[0]?.Condition).toEqual({
      StringEquals: { 'sts:ExternalId': 'elasticbeanstalk' },
    });
  });
});

describe('plan rendering', () => {
  it('marks creates, updates and unchanged, with details under changes', () => {
    const rows = [
      { kind: 'ecr-repository' as const, name: 'shop', action: 'unchanged' as const, details: [] },
      {
        kind: 'eb-environment' as const,
        name: 'shop-staging',
        action: 'update' as const,
        details: ['instance type: t3.small -> t3.large'],
      },
      {
        kind: 'alarm' as const,
        name: 'shop-staging-db-cpu',
        action: 'create' as const,
        details: ['Database CPU above 80%'],
      },
    ];
    expect(renderPlan(rows, 'shop-staging', 'eu-west-1', makePaint(false))).toEqual([
      'Plan for shop-staging (eu-west-1): 1 to create, 1 to update, 1 unchanged',
      '= unchanged  ecr-repository  shop',
      '~ update     eb-environment  shop-staging',
      '      instance type: t3.small -> t3.large',
      '+ create     alarm           shop-staging-db-cpu',
      '      Database CPU above 80%',
    ]);
    expect(countLine([])).toBe('0 to create, 0 to update, 0 unchanged');
  });
});

describe('waiting', () => {
  const timing = () => {
    let now = 0;
    return {
      sleep: async (ms: number) => {
        now += ms;
      },
      now: () => now,
      pollMs: 10_000,
      timeoutMs: { database: 60_000, redis: 60_000, environment: 60_000, iam: 60_000 },
    };
  };
  const step = (signal = new AbortController().signal) => {
    const lines: string[] = [];
    return { lines, ctx: { title: () => undefined, output: (l: string) => void lines.push(l), signal } };
  };

  it('polls until done, reporting status and elapsed time', async () => {
    const states = ['creating', 'creating', 'available'];
    const s = step();
    const result = await pollUntil({
      what: 'x',
      ...waitingIn(timing(), s.ctx),
      timeoutMs: 60_000,
      check: async () => states.shift() ?? 'gone',
      done: (v) => v === 'available',
      describe: (v) => `status: ${v}`,
      hint: 'h',
    });
    expect(result).toBe('available');
    expect(s.lines).toEqual(['status: creating (0s)', 'status: creating (10s)', 'status: available (20s)']);
  });

  it('stops on a failed state with the hint', async () => {
    const error = await pollUntil({
      what: 'x',
      ...waitingIn(timing(), undefined),
      timeoutMs: 60_000,
      check: async () => 'create-failed',
      done: () => false,
      failed: (v) => (v === 'create-failed' ? 'Redis failed to create.' : undefined),
      describe: (v) => v,
      hint: 'Look at the console.',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: 'Redis failed to create.',
      hint: 'Look at the console.',
      exitCode: 1,
    });
  });

  it('Ctrl-C stops waiting (exit 130) and says AWS goes on', async () => {
    const abort = new AbortController();
    const s = step(abort.signal);
    const error = await pollUntil({
      what: 'RDS instance shop-staging',
      ...waitingIn(timing(), s.ctx),
      timeoutMs: 60_000,
      check: async () => {
        abort.abort();
        return 'creating';
      },
      done: () => false,
      describe: (v) => v,
      hint: 'h',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error).toMatchObject({
      message: 'Stopped waiting for RDS instance shop-staging.',
      exitCode: 130,
      hint: 'AWS goes on with it; run "lsvc provision" again to pick up where it stopped.',
    });
  });
});
