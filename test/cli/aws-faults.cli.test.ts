// Deploys you can trust when AWS misbehaves, through the built binary over real sockets: an
// Elastic Beanstalk endpoint that accepts and never answers, a closed port, throttling from the
// first call, and SIGTERM / SIGINT / SIGHUP in the middle of an update (a fake EB over HTTP that
// records the AbortEnvironmentUpdate).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { type CliResult, removeDir, runCli, tempDir } from '../support/cli.js';
import { closedPort, hungServer, startFakeAws, throttled } from '../support/fake-aws.js';
import { type FakeEb, startFakeEb } from '../support/fake-eb.js';

const REGION = 'eu-west-1';
let dir: string;
beforeAll(async () => {
  dir = await tempDir('lsvc-aws-faults-');
  await writeFile(join(dir, 'lsvc.yml'), `service: demo\nregion: ${REGION}\nenvironments:\n  staging:\n`);
});
afterAll(async () => {
  await removeDir(dir);
});

const awsEnv = (endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '2',
  ...extra,
});

const lsvc = (args: string[], env: NodeJS.ProcessEnv, opts: Parameters<typeof runCli>[1] = {}) =>
  runCli(args, { cwd: dir, timeoutMs: 40_000, env, ...opts });

/** The error and its hint are the last two lines of stderr; nothing calls it a bug. */
function expectError(r: CliResult, first: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.at(-2)).toMatch(first);
  expect(lines.at(-1)).toMatch(/^Hint: /);
  expect(r.stderr).not.toMatch(/bug in lsvc|\n\s+at /);
}

const DEPLOY = ['deploy', '--env', 'staging', '--version', 'v1', '--bake', '0s'];

describe('a hung Elastic Beanstalk endpoint (accepts, never answers)', () => {
  it('deploy says it is waiting, ends at --timeout (exit 7); status gives up after LSVC_AWS_TIMEOUT (exit 5)', async () => {
    const hung = await hungServer();
    const fake = await startFakeEb({
      application: 'demo',
      environment: 'demo-staging',
      repository: 'demo',
      versions: ['v0'],
    });
    try {
      const started = Date.now();
      const timed = (p: Promise<CliResult>) => p.then((r) => ({ r, ms: Date.now() - started }));
      // In parallel: the test costs the longer of the two.
      const [deploy, status] = await Promise.all([
        timed(
          lsvc(
            [...DEPLOY, '--timeout', '15s'],
            awsEnv(fake.url, { AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: hung.url }),
          ),
        ),
        timed(lsvc(['status', '--env', 'staging'], awsEnv(hung.url, { LSVC_AWS_TIMEOUT: '1s' }))),
      ]);

      expect(deploy.r.code).toBe(7);
      expect(deploy.ms).toBeGreaterThanOrEqual(15_000);
      // The deadline runs from the command's start (node and oclif load first, slower on a busy host).
      expect(deploy.ms).toBeLessThan(22_000);
      expect(deploy.r.stderr).toContain(
        `Still waiting for Elastic Beanstalk at ${hung.url} (DescribeEnvironments): no answer for 10 s.`,
      );
      expectError(
        deploy.r,
        new RegExp(
          `^Error: Timed out: Elastic Beanstalk at ${hung.url} had not answered DescribeEnvironments by the deadline \\(--timeout\\)\\.$`,
        ),
      );
      // Nothing was changed: no call past the first one reached EB.
      expect(fake.ebCalls()).toEqual([]);

      expect(status.r.code).toBe(5);
      expect(status.ms).toBeLessThan(12_000);
      expect(status.r.stdout).toContain('could not read the environment: its state is unknown');
      expect(status.r.stdout).not.toContain('not provisioned');
      expectError(
        status.r,
        new RegExp(
          `^Error: Could not read environment staging \\(demo-staging\\): Could not reach Elastic Beanstalk at ${hung.url} \\(region ${REGION}\\) \\(elasticbeanstalk:DescribeEnvironments\\): no answer within 1 s, 2 attempts\\.$`,
        ),
      );
    } finally {
      await Promise.all([hung.close(), fake.close()]);
    }
  }, 40_000);
});

describe('a signal while a call hangs', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s acts at once (exit %d): nothing was changed, and it says so', async (signal, code) => {
    const hung = await hungServer();
    const fake = await startFakeEb({
      application: 'demo',
      environment: 'demo-staging',
      repository: 'demo',
      versions: ['v0'],
    });
    try {
      let sentAt = 0;
      const r = await lsvc(DEPLOY, awsEnv(fake.url, { AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: hung.url }), {
        onSpawn: (child) => {
          // Once lsvc has asked EB (the hung server) for the environment.
          const poll = setInterval(() => {
            if (hung.connections() === 0) return;
            clearInterval(poll);
            sentAt = Date.now();
            child.kill(signal);
          }, 50);
        },
      });
      expect(sentAt).toBeGreaterThan(0);
      expect(Date.now() - sentAt).toBeLessThan(5000);
      expect(r.code).toBe(code);
      expectError(r, /^Error: Interrupted before the update started: demo-staging was not changed\.$/);
    } finally {
      await Promise.all([hung.close(), fake.close()]);
    }
  });
});

describe('a refused connection, throttling from the first call: exit 5, not a bug', () => {
  it.each([
    // The deploy lock (SSM) is the first call of both.
    [DEPLOY, 'SSM', 'ssm:PutParameter'],
    [['rollback', '--env', 'staging'], 'SSM', 'ssm:PutParameter'],
  ])('%j against a closed port', async (args, service, action) => {
    const url = await closedPort();
    const r = await lsvc(args, awsEnv(url));
    expect(r.code).toBe(5);
    expectError(
      r,
      new RegExp(
        `^Error: Could not reach ${service} at ${url} \\(region ${REGION}\\) \\(${action}\\): connection refused, 2 attempts\\.$`,
      ),
    );
    expect(r.stderr).toContain(`AWS_ENDPOINT_URL=${url}`);
  });

  it('status against a closed port: "could not read", not "not provisioned"', async () => {
    const url = await closedPort();
    const r = await lsvc(['status', '--env', 'staging'], awsEnv(url));
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('could not read the environment');
    expect(r.stdout).not.toContain('not provisioned');
    expectError(
      r,
      new RegExp(
        `^Error: Could not read environment staging \\(demo-staging\\): Could not reach Elastic Beanstalk at ${url} \\(region ${REGION}\\) \\(elasticbeanstalk:DescribeEnvironments\\): connection refused, 2 attempts\\.$`,
      ),
    );
  });

  it('status --json against a closed port: the report, exit 5', async () => {
    const url = await closedPort();
    const r = await lsvc(['status', '--env', 'staging', '--json'], awsEnv(url));
    expect(r.code).toBe(5);
    const report = JSON.parse(r.stdout) as { environments: { problems: string[]; unread: string[] }[] };
    expect(report.environments[0]?.unread).toContain('environment');
    expect(report.environments[0]?.problems.join('\n')).not.toContain('not provisioned');
  });

  it.each([
    [DEPLOY, /^Error: AWS kept throttling ssm:PutParameter in eu-west-1 after 2 attempts/],
    [
      ['status', '--env', 'staging'],
      /^Error: Could not read environment staging \(demo-staging\): AWS kept throttling elasticbeanstalk:DescribeEnvironments in eu-west-1 after 2 attempts \(Throttling\)\.$/,
    ],
  ])('%j throttled from the first call', async (args, first) => {
    const fake = await startFakeAws(throttled);
    try {
      const r = await lsvc(args, awsEnv(fake.url));
      expect(r.code).toBe(5);
      expectError(r, first);
      expect(r.stderr).toMatch(/Hint: .*try again in a minute/);
    } finally {
      await fake.close();
    }
  });
});

describe('signals in the middle of an update: abort it, say where it stands, 128 + the signal', () => {
  let fake: FakeEb | undefined;
  afterAll(async () => {
    await fake?.close();
  });

  const ebCalls = () => fake?.ebCalls() ?? [];

  /** Run lsvc against a fresh fake and send `signal` once EB has received the update. */
  async function signalled(
    args: string[],
    signal: NodeJS.Signals,
    versions: string[],
    extra: NodeJS.ProcessEnv = {},
  ): Promise<CliResult> {
    await fake?.close();
    const eb = await startFakeEb({
      application: 'demo',
      environment: 'demo-staging',
      repository: 'demo',
      versions,
    });
    fake = eb;
    return lsvc(args, awsEnv(eb.url, extra), {
      onSpawn: (child) => {
        void eb.updateStarted.then(() => setTimeout(() => child.kill(signal), 300));
      },
    });
  }

  it('deploy, SIGTERM (CI cancels the job): AbortEnvironmentUpdate, exit 143', async () => {
    const r = await signalled(DEPLOY, 'SIGTERM', ['v0']);
    expect(ebCalls().filter((c) => c === 'AbortEnvironmentUpdate')).toHaveLength(1);
    expect(r.code).toBe(143);
    expect(r.stdout).toContain('SIGTERM received: aborting the update (nobody to ask).');
    // The release record says how it ended (written after the signal, on a call of its own).
    expect(fake?.releaseOutcomes()).toEqual(['v1 aborted']);
    // The deploy lock was taken, and removed on the way out.
    expect(fake?.calls.filter((c) => c.startsWith('ssm:'))).toEqual([
      'ssm:PutParameter',
      'ssm:GetParameter',
      'ssm:DeleteParameter',
    ]);
    expect(fake?.parameters.size).toBe(0);
    expectError(r, /^Error: Deploy interrupted: the update was aborted; demo-staging runs v0\.$/);
    // The abort came after the update, and lsvc waited for EB to settle before it left.
    const calls = ebCalls();
    expect(calls.indexOf('AbortEnvironmentUpdate')).toBeGreaterThan(calls.indexOf('UpdateEnvironment'));
    expect(calls.at(-1)).toBe('DescribeEnvironments');
  });

  it('rollback, Ctrl-C (SIGINT) in CI: AbortEnvironmentUpdate, exit 130', async () => {
    const r = await signalled(['rollback', '--env', 'staging', '--bake', '0s'], 'SIGINT', ['v1', 'v0'], {
      CI: '1',
    });
    expect(ebCalls().filter((c) => c === 'AbortEnvironmentUpdate')).toHaveLength(1);
    expect(r.code).toBe(130);
    expectError(r, /^Error: Rollback interrupted: the update was aborted; demo-staging runs v1\.$/);
  });

  it('env set, SIGHUP (the terminal went away): AbortEnvironmentUpdate, exit 129', async () => {
    const r = await signalled(['env', 'set', '--env', 'staging', 'GREETING=hello'], 'SIGHUP', ['v0']);
    expect(ebCalls().filter((c) => c === 'AbortEnvironmentUpdate')).toHaveLength(1);
    expect(r.code).toBe(129);
    expectError(
      r,
      /^Error: Interrupted: the update of demo-staging's variables was aborted \(Elastic Beanstalk restores the previous configuration\); demo-staging is Ready\.$/,
    );
  });
});
