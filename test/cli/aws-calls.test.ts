// The one AWS call layer (src/aws/clients.ts, call.ts, errors.ts) over real sockets: a port
// nothing listens on, a server that accepts and never answers, a server that throttles from the
// first call. In process with clients from the factory, then through the built binary.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';

import { send, sendOrMissing } from '../../src/aws/call.js';
import { awsTimeouts, DeadlineError, makeClient, type AwsTimeouts } from '../../src/aws/clients.js';
import { AwsAnswerError, AwsCallError, classifyAwsError } from '../../src/aws/errors.js';
import { InterruptedError, toLsvcError, UsageError } from '../../src/errors.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import {
  closedPort,
  type FakeAws,
  hungServer,
  queryError,
  startFakeAws,
  throttled,
} from '../support/fake-aws.js';

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function eb(endpoint: string, timeouts?: AwsTimeouts, maxAttempts = 2): ElasticBeanstalkClient {
  return makeClient(
    ElasticBeanstalkClient,
    { region: REGION },
    { maxAttempts, ...(timeouts ? { timeouts } : {}), extra: { endpoint, credentials } },
  );
}

const describeEnvironments = (client: ElasticBeanstalkClient) =>
  send('elasticbeanstalk', client, new DescribeEnvironmentsCommand({ ApplicationName: 'demo' }));

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('clients from the factory, over real sockets', () => {
  it('a closed port: exit 5, one line naming the service, endpoint, region and action', async () => {
    const url = await closedPort();
    const error = await failure(describeEnvironments(eb(url)));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ kind: 'connectivity', exitCode: 5, name: 'AwsError' });
    expect(error.message).toBe(
      `Could not reach Elastic Beanstalk at ${url} (region ${REGION}) (elasticbeanstalk:DescribeEnvironments): connection refused, 2 attempts.`,
    );
    expect(error).toMatchObject({ hint: expect.stringMatching(/^Check the network, VPN or proxy/) });
    expect(error).not.toMatchObject({ hint: expect.stringMatching(/bug/i) });
  });

  it('a server that never answers: each attempt ends at the request timeout', async () => {
    const hung = await hungServer();
    try {
      const started = Date.now();
      const error = await failure(
        describeEnvironments(eb(hung.url, { connectMs: 1000, requestMs: 400, callMs: 10_000 })),
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error).toMatchObject({ kind: 'connectivity', exitCode: 5 });
      expect(error.message).toMatch(/: no answer within 0\.4 s, 2 attempts\.$/);
      expect(hung.connections()).toBe(2);
    } finally {
      await hung.close();
    }
  });

  it('a call is cut off after callMs, retries included', async () => {
    const hung = await hungServer();
    try {
      const started = Date.now();
      const error = await failure(
        describeEnvironments(eb(hung.url, { connectMs: 1000, requestMs: 60_000, callMs: 800 }, 6)),
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error.message).toMatch(/: no answer within 1 s, retries included\.$/);
    } finally {
      await hung.close();
    }
  });

  it('the deadline (deploy --timeout) cuts a call still open then: DeadlineError, exit 7', async () => {
    const hung = await hungServer();
    try {
      const client = makeClient(
        ElasticBeanstalkClient,
        { region: REGION },
        {
          maxAttempts: 1,
          timeouts: { connectMs: 1000, requestMs: 60_000, callMs: 60_000 },
          deadline: () => Date.now() + 300,
          notice: () => undefined,
          extra: { endpoint: hung.url, credentials },
        },
      );
      const started = Date.now();
      const error = await failure(describeEnvironments(client));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(DeadlineError);
      expect(error).toMatchObject({ exitCode: 7 });
      expect(error.message).toBe(
        `Timed out: Elastic Beanstalk at ${hung.url} had not answered DescribeEnvironments by the deadline (--timeout).`,
      );
    } finally {
      await hung.close();
    }
  });

  it('the first signal ends a read in flight at once; a change request gets its answer', async () => {
    const hung = await hungServer();
    try {
      const interrupt = new AbortController();
      const client = makeClient(
        ElasticBeanstalkClient,
        { region: REGION },
        {
          maxAttempts: 1,
          timeouts: { connectMs: 1000, requestMs: 1500, callMs: 60_000 },
          interrupt: interrupt.signal,
          extra: { endpoint: hung.url, credentials },
        },
      );
      const started = Date.now();
      const read = failure(describeEnvironments(client)).then((e) => ({ e, ms: Date.now() - started }));
      const change = failure(
        send(
          'elasticbeanstalk',
          client,
          new UpdateEnvironmentCommand({ EnvironmentName: 'demo-staging', VersionLabel: 'v2' }),
        ),
      ).then((e) => ({ e, ms: Date.now() - started }));
      setTimeout(() => {
        interrupt.abort();
      }, 200);
      const [r, c] = await Promise.all([read, change]);
      expect(r.e).toBeInstanceOf(InterruptedError);
      expect(r.ms).toBeLessThan(1000);
      // UpdateEnvironment ran to its own request timeout: lsvc learns whether it happened.
      expect(c.e).toMatchObject({ kind: 'connectivity' });
      expect(c.ms).toBeGreaterThanOrEqual(1400);
    } finally {
      await hung.close();
    }
  });

  describe('answers', () => {
    let fake: FakeAws;
    let answer: Parameters<typeof startFakeAws>[0] = throttled;
    beforeAll(async () => {
      fake = await startFakeAws((req) => answer(req));
    });
    afterAll(async () => {
      await fake.close();
    });

    it('throttling from the first call, past the retries: exit 5 saying so, not a bug', async () => {
      answer = throttled;
      const before = fake.calls.length;
      const error = await failure(describeEnvironments(eb(fake.url, undefined, 3)));
      expect(fake.calls.length - before).toBe(3);
      expect(error).toMatchObject({ kind: 'throttling', exitCode: 5 });
      expect(error.message).toBe(
        'AWS kept throttling elasticbeanstalk:DescribeEnvironments in eu-west-1 after 3 attempts (Throttling).',
      );
      expect(error).toMatchObject({ hint: expect.stringMatching(/try again in a minute/) });
    });

    it('any other AWS answer is quoted with the action (exit 1), not called a bug', async () => {
      answer = () => queryError('InvalidParameterValue', 'No Application named demo found.');
      const error = await failure(describeEnvironments(eb(fake.url)));
      expect(error).toBeInstanceOf(AwsAnswerError);
      expect(error).toMatchObject({ exitCode: 1, awsName: 'InvalidParameterValue' });
      expect(error.message).toBe(
        'AWS answered elasticbeanstalk:DescribeEnvironments with InvalidParameterValue: No Application named demo found.',
      );
      expect(error).not.toMatchObject({ hint: expect.stringMatching(/bug/i) });
    });

    it('sendOrMissing reads the named "not found" answers as undefined, and only those', async () => {
      answer = () => queryError('InvalidParameterValue', 'No Application named demo found.');
      const client = eb(fake.url);
      const command = new DescribeEnvironmentsCommand({ ApplicationName: 'demo' });
      await expect(
        sendOrMissing('elasticbeanstalk', client, command, ['InvalidParameterValue']),
      ).resolves.toBeUndefined();
      await expect(sendOrMissing('elasticbeanstalk', client, command, ['Other'])).rejects.toBeInstanceOf(
        AwsAnswerError,
      );
    });
  });
});

describe('classifyAwsError', () => {
  const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: 400 }, ...extra });

  it.each([
    ['CredentialsProviderError', 'credentials', /^AWS credentials are missing or invalid \(s3:PutObject\)/],
    ['ExpiredTokenException', 'credentials', /^AWS credentials are missing or invalid/],
    ['AccessDeniedException', 'permission', /^Access denied: s3:PutObject is not allowed/],
    ['InsufficientPrivilegesException', 'permission', /^Access denied: s3:PutObject is not allowed/],
  ])('%s -> %s (exit 5)', (name, kind, message) => {
    const error = classifyAwsError(sdkError(name), { action: 's3:PutObject' });
    expect(error).toMatchObject({ kind, exitCode: 5 });
    expect((error as Error).message).toMatch(message);
  });

  it('S3 HEAD without permission (a bare 403) is a permission problem', () => {
    const head = Object.assign(new Error('UnknownError'), {
      name: 'Forbidden',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(classifyAwsError(head, { action: 's3:GetObject' })).toMatchObject({ kind: 'permission' });
  });

  it('DNS failures and resets are connectivity', () => {
    for (const code of ['ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN']) {
      const error = Object.assign(new Error(`getaddrinfo ${code} example`), { code });
      expect(classifyAwsError(error, { action: 'ecr:DescribeRepositories' })).toMatchObject({
        kind: 'connectivity',
      });
    }
  });

  it('a hint given by the command replaces the generic one of an AWS refusal', () => {
    const first = classifyAwsError(sdkError('LimitExceededException'), { action: 'sns:CreateTopic' });
    const again = classifyAwsError(first, { hint: 'Run lsvc destroy again.' });
    expect(again).toMatchObject({
      message: 'AWS answered sns:CreateTopic with LimitExceededException: LimitExceededException happened',
      hint: 'Run lsvc destroy again.',
    });
  });

  it('what is not an AWS or network failure stays a bug', () => {
    const bug = new TypeError('x is undefined');
    expect(classifyAwsError(bug)).toBe(bug);
    expect(toLsvcError(classifyAwsError(bug)).hint).toMatch(/This is a bug in lsvc/);
  });
});

describe('LSVC_AWS_TIMEOUT', () => {
  it('sets the request timeout; the connect timeout is at most 5 s, a call at most 3 times it', () => {
    expect(awsTimeouts({})).toEqual({ connectMs: 5000, requestMs: 20_000, callMs: 60_000 });
    expect(awsTimeouts({ LSVC_AWS_TIMEOUT: '2s' })).toEqual({
      connectMs: 2000,
      requestMs: 2000,
      callMs: 6000,
    });
    expect(awsTimeouts({ LSVC_AWS_TIMEOUT: '1m' })).toMatchObject({ connectMs: 5000, requestMs: 60_000 });
    expect(() => awsTimeouts({ LSVC_AWS_TIMEOUT: 'soon' })).toThrow(UsageError);
  });
});

describe('through the built binary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('lsvc-aws-calls-');
    await writeFile(join(dir, 'lsvc.yml'), `service: faults\nregion: ${REGION}\nenvironments:\n  staging:\n`);
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  const lsvc = (args: string[], endpoint: string, extra: NodeJS.ProcessEnv = {}) =>
    runCli(args, {
      cwd: dir,
      timeoutMs: 30_000,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_MAX_ATTEMPTS: '2',
        ...extra,
      },
    });

  function expectOneLine(stderr: string, first: RegExp): void {
    const [line, hint, ...rest] = stderr.trimEnd().split('\n');
    expect(line).toMatch(first);
    expect(hint).toMatch(/^Hint: /);
    expect(rest).toEqual([]);
    expect(stderr).not.toMatch(/bug in lsvc/);
  }

  it.each([
    [['releases'], 'elasticbeanstalk:Describe(ApplicationVersions|Environments)'],
    [['logs', '--env', 'staging'], 'logs:DescribeLogGroups'],
    [['env', 'list', '--env', 'staging'], 'elasticbeanstalk:DescribeConfigurationSettings'],
  ])('%j against a closed port: exit 5, one line and a hint', async (args, action) => {
    const url = await closedPort();
    const r = await lsvc(args, url);
    expect(r.code).toBe(5);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^Error: Could not reach [A-Za-z ]+ at ${url} \\(region ${REGION}\\) \\(${action}\\): connection refused, 2 attempts\\.$`,
      ),
    );
    expect(r.stderr).toContain(`AWS_ENDPOINT_URL=${url}`);
  });

  it('a server that never answers: lsvc releases gives up after LSVC_AWS_TIMEOUT, exit 5', async () => {
    const hung = await hungServer();
    try {
      const started = Date.now();
      const r = await lsvc(['releases'], hung.url, { LSVC_AWS_TIMEOUT: '1s' });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(r.code).toBe(5);
      expectOneLine(
        r.stderr,
        /^Error: Could not reach Elastic Beanstalk at .*: no answer within 1 s, 2 attempts\.$/,
      );
    } finally {
      await hung.close();
    }
  });

  it('throttling from the first call: exit 5 saying AWS kept throttling, not a bug', async () => {
    const fake = await startFakeAws(throttled);
    try {
      const r = await lsvc(['releases'], fake.url);
      expect(r.code).toBe(5);
      expectOneLine(
        r.stderr,
        /^Error: AWS kept throttling elasticbeanstalk:Describe\w+ in eu-west-1 after 2 attempts \(Throttling\)\.$/,
      );
    } finally {
      await fake.close();
    }
  });
});
