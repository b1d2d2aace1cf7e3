// The provision command itself: output, --json shape, exit codes. In process against the fake
// account, and as the built binary for the cases that need no AWS at all.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';

import Provision from '../../commands/provision.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { mockPriceList } from '../support/pricing.js';
import {
  awsError,
  mockAccount,
  mutating,
  resetHistory,
  runCommand,
  serviceDir,
} from './provision-fake-aws.js';

const YML = `service: shop
region: eu-west-1
environments:
  staging:
    deploymentPolicy: AllAtOnce
  production:
    confirm: true
`;

const dirs: string[] = [];
const dir = async (yml = YML) => {
  const d = await serviceDir(yml);
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});
let prices: ReturnType<typeof mockPriceList> | undefined;
afterEach(() => {
  prices?.restore();
  prices = undefined;
});

describe('lsvc provision (in process, fake account)', () => {
  it('--dry-run prints the plan and its cost, changes nothing, and --json gives {environment, dryRun, resources, cost}', async () => {
    const { mocks } = mockAccount();
    prices = mockPriceList();
    const cwd = await dir();
    const human = await runCommand(Provision, ['--env', 'staging', '--dry-run'], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^Plan for shop-staging \(eu-west-1\): 29 to create, 0 to update, 0 unchanged$/m,
    );
    expect(human.stdout).toMatch(/^\+ create {5}ecr-repository +shop$/m);
    expect(human.stdout).toMatch(/^ {6}scan on push$/m);
    expect(human.stdout).toMatch(/^\+ create {5}eb-environment +shop-staging$/m);
    expect(human.stdout).toMatch(
      /^Dry run: nothing was changed \(29 to create, 0 to update, 0 unchanged\)\.$/m,
    );
    // The estimate comes after the plan (prices of the fixture's eu-west-1 products).
    expect(human.stdout).toMatch(
      /^Estimated monthly cost in eu-west-1 \(an estimate from on-demand prices effective 2026-11-01\):$/m,
    );
    expect(human.stdout).toMatch(/^ {2}total +\$63\.86 \/ month$/m);
    expect(mutating(mocks)).toEqual([]);

    const json = await runCommand(Provision, ['--env', 'staging', '--dry-run', '--json'], { cwd });
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      environment: string;
      dryRun: boolean;
      resources: unknown[];
      cost: { knownUsd: number; complete: boolean; lines: unknown[] };
    };
    expect(Object.keys(result).sort()).toEqual(['cost', 'dryRun', 'environment', 'resources', 'warnings']);
    expect(result.cost).toMatchObject({
      region: 'eu-west-1',
      knownUsd: 63.86,
      complete: true,
      pricesAsOf: '2026-11-01',
    });
    expect(result.cost.lines).toHaveLength(5);
    expect(result.environment).toBe('shop-staging');
    expect(result.dryRun).toBe(true);
    expect(result.resources[0]).toEqual({
      kind: 'ecr-repository',
      name: 'shop',
      action: 'create',
      details: ['scan on push', 'mutable tags', 'lifecycle: keep the last 30 images'],
    });
    expect(mutating(mocks)).toEqual([]);
  });

  it('creates, then says the environment is up to date on the second run', async () => {
    const { mocks, account } = mockAccount();
    // Settle at once: the command waits with its real 15 s interval.
    account.busyPolls = 0;
    const cwd = await dir();
    const first = await runCommand(Provision, ['--env', 'staging', '--json'], { cwd });

    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { dryRun: boolean; resources: { action: string }[] };
    expect(result.dryRun).toBe(false);
    expect(result.resources.every((r) => r.action === 'create')).toBe(true);
    expect(account.envs.get('shop-staging')?.status).toBe('Ready');

    resetHistory(mocks);
    const second = await runCommand(Provision, ['--env', 'staging'], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^Plan for shop-staging \(eu-west-1\): 0 to create, 0 to update, 29 unchanged$/m,
    );
    expect(second.stdout).toMatch(/^shop-staging is up to date: nothing to change\.$/m);
    expect(mutating(mocks)).toEqual([]);

    // Another environment of the same service shares the repository, application and service role.
    const production = await runCommand(Provision, ['--env', 'production', '--yes'], { cwd });
    expect(production.code).toBe(0);
    expect(production.stdout).toMatch(/^✔ Wait for RDS instance shop-production/m);
    expect(production.stdout).toMatch(/^Done: shop-production \(26 created, 0 updated, 3 unchanged\)\.$/m);
  });

  it('exits 5 naming the denied action, with a pointer to lsvc iam-policy', async () => {
    const { mocks } = mockAccount();
    mocks.ecr
      .on(CreateRepositoryCommand as never)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:CreateRepository',
        ),
      );
    const cwd = await dir();
    const r = await runCommand(Provision, ['--env', 'staging'], { cwd });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^Error: Access denied: ecr:CreateRepository is not allowed for these credentials\.$/m,
    );
    expect(r.stderr).toMatch(/^Hint: Grant ecr:CreateRepository \(see "lsvc iam-policy"/m);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('asks before changing an environment marked confirm: true, and changes nothing on no', async () => {
    const { mocks } = mockAccount();
    const cwd = await dir();
    const { Readable } = await import('node:stream');
    const stdin = Object.defineProperty(Readable.from(['n\n']), 'isTTY', { value: true });
    const saved = Object.getOwnPropertyDescriptor(process, 'stdin');
    Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
    try {
      const r = await runCommand(Provision, ['--env', 'production'], { cwd, env: { CI: undefined } });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Cancelled: nothing was changed\.$/m);
    } finally {
      if (saved) Object.defineProperty(process, 'stdin', saved);
    }
    expect(mutating(mocks)).toEqual([]);
  });
});

describe('lsvc provision (built binary, no AWS needed)', () => {
  it('exits 2 for an unknown environment, listing the ones there are', async () => {
    const cwd = await dir();
    const r = await runCli(['provision', '--env', 'stagign'], { cwd, env: { AWS_REGION: 'eu-west-1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/There is no environment "stagign" in lsvc\.yml; did you mean "staging"\?/);
  });

  it('exits 5 without a region', async () => {
    const cwd = await dir(YML.replace('region: eu-west-1\n', ''));
    const home = await tempDir('lsvc-home-');
    dirs.push(home);
    const r = await runCli(['provision', '--env', 'staging', '--dry-run'], { cwd, env: { HOME: home } });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^Error: No AWS region for environment "staging"\.$/m);
  });

  it('exits 5 without credentials, before changing anything', async () => {
    const cwd = await dir();
    const home = await tempDir('lsvc-home-');
    dirs.push(home);
    const r = await runCli(['provision', '--env', 'staging', '--dry-run'], {
      cwd,
      env: {
        HOME: home,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: `${home}/none`,
        AWS_SHARED_CREDENTIALS_FILE: `${home}/none`,
      },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^Error: AWS credentials are missing or invalid \(sts:GetCallerIdentity\)/m);
  });

  it('requires --env', async () => {
    const cwd = await dir();
    const r = await runCli(['provision'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Missing required flag env/);
  });
});
