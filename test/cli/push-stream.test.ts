// The push side without a Docker engine: the push stream (recorded from Engine 20.10 against the
// test bed's registry), failure classes, retries, and the ECR calls (aws-sdk-client-mock).
import { Readable } from 'node:stream';

import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  BatchGetImageCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import type Docker from 'dockerode';

import {
  configDigestOf,
  ecrLogin,
  findRemoteImage,
  findRepository,
  type EcrRepository,
} from '../../src/aws/ecr.js';
import { parseServiceConfig } from '../../src/config/load.js';
import { ecrRepositoryName, getEnvironment, resolveConfig } from '../../src/config/resolve.js';
import {
  classifyPushFailure,
  type PushNotice,
  pushImage,
  PushTracker,
  pushToEcr,
  registryHost,
} from '../../src/docker/push.js';

const DIGEST = 'sha256:01ee3b2819a8c40a5233c39edd21482c993e02ebe842682d4147b83864e41f1a';
const IMAGE_ID = 'sha256:565f2354dcafa1f453bfb559d94d124387722bf400cec6c853cb48f966f5b61f';

const PUSHED = [
  { status: 'The push refers to repository [127.0.0.1:5000/a-rec/x]' },
  { status: 'Preparing', progressDetail: {}, id: 'fe4606d3b633' },
  { status: 'Preparing', progressDetail: {}, id: '3c3e11168f14' },
  {
    status: 'Pushing',
    progressDetail: { current: 512, total: 3 },
    progress: '[=====>]     512B',
    id: 'fe4606d3b633',
  },
  {
    status: 'Pushing',
    progressDetail: { current: 2048, total: 3 },
    progress: '[=====>]  2.048kB',
    id: 'fe4606d3b633',
  },
  { status: 'Mounted from lsvc-buildspec-check', progressDetail: {}, id: '3c3e11168f14' },
  { status: 'Pushed', progressDetail: {}, id: 'fe4606d3b633' },
  { status: `t1: digest: ${DIGEST} size: 736` },
  { progressDetail: {}, aux: { Tag: 't1', Digest: DIGEST, Size: 736 } },
];
const EXISTED = [
  { status: 'The push refers to repository [127.0.0.1:5000/a-rec/x]' },
  { status: 'Preparing', progressDetail: {}, id: 'fe4606d3b633' },
  { status: 'Preparing', progressDetail: {}, id: '3c3e11168f14' },
  { status: 'Layer already exists', progressDetail: {}, id: '3c3e11168f14' },
  { status: 'Layer already exists', progressDetail: {}, id: 'fe4606d3b633' },
  { status: `t1: digest: ${DIGEST} size: 736` },
  { progressDetail: {}, aux: { Tag: 't1', Digest: DIGEST, Size: 736 } },
];
const UNAUTHORIZED = [
  { status: 'The push refers to repository [127.0.0.1:5000/a-rec/x]' },
  { status: 'Preparing', progressDetail: {}, id: 'fe4606d3b633' },
  {
    errorDetail: { message: 'unauthorized: authentication required' },
    error: 'unauthorized: authentication required',
  },
];
const transient = (message: string) => [
  { status: 'Preparing', progressDetail: {}, id: 'fe4606d3b633' },
  { status: 'Pushing', progressDetail: { current: 1000, total: 5000 }, id: 'fe4606d3b633' },
  { errorDetail: { message }, error: message },
];

describe('PushTracker', () => {
  it('counts pushed and existing (or mounted) layers, bytes sent and the digest', () => {
    const t = new PushTracker();
    const notices = PUSHED.flatMap((e) => t.push(e));
    expect(t.failure).toBeUndefined();
    expect(t.digest).toBe(DIGEST);
    expect(t.counts).toEqual({ pushed: 1, existed: 1, bytesPushed: 2048 });
    const states = notices.flatMap((n) => (n.type === 'layer' ? [n.layer.state] : []));
    expect(states).toEqual(['pushing', 'pushing', 'existed', 'pushed']);
  });

  it('a second push: every layer already exists, nothing sent', () => {
    const t = new PushTracker();
    EXISTED.forEach((e) => t.push(e));
    expect(t.counts).toEqual({ pushed: 0, existed: 2, bytesPushed: 0 });
  });

  it('keeps a layer pushed by an attempt that failed later as pushed', () => {
    const t = new PushTracker();
    PUSHED.slice(0, 7).forEach((e) => t.push(e));
    t.push({ errorDetail: { message: 'EOF' } });
    expect(t.failure).toBe('EOF');
    t.restart();
    EXISTED.forEach((e) => t.push(e));
    expect(t.failure).toBeUndefined();
    expect(t.counts).toEqual({ pushed: 1, existed: 1, bytesPushed: 2048 });
  });

  it('records an errorDetail as the failure', () => {
    const t = new PushTracker();
    UNAUTHORIZED.forEach((e) => t.push(e));
    expect(t.failure).toBe('unauthorized: authentication required');
  });
});

describe('classifyPushFailure', () => {
  it.each([
    ['unauthorized: authentication required', 'auth'],
    ['no basic auth credentials', 'auth'],
    ['denied: Your authorization token has expired. Reauthenticate and try again.', 'auth'],
    ['denied: User: arn:aws:iam::1:user/ci is not authorized to perform: ecr:InitiateLayerUpload', 'auth'],
    ['net/http: TLS handshake timeout', 'transient'],
    ['read tcp 10.0.0.2:5000: read: connection reset by peer', 'transient'],
    ['EOF', 'transient'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'transient'],
    ['toomanyrequests: Rate exceeded', 'transient'],
    ['blob upload unknown', 'transient'],
    [
      "tag invalid: The image tag 'x' already exists in the 'b' repository and cannot be overwritten because the repository is immutable.",
      'fatal',
    ],
    ['dial tcp: lookup 1.dkr.ecr.eu-west-1.amazonaws.com: no such host', 'fatal'],
    [`manifest blob unknown: ${DIGEST.replace('01ee', '4010')}`, 'fatal'],
  ])('%s -> %s', (message, kind) => {
    expect(classifyPushFailure(message)).toBe(kind);
  });
});

const AUTH = { username: 'AWS', password: 'pw', serveraddress: 'http://127.0.0.1:5000' };
const noSleep = async () => undefined;

/** A Docker client whose pushes answer with the given event sequences, one per attempt. */
function pushingDocker(attempts: unknown[][]) {
  const calls: { name: string; opts: Record<string, unknown> }[] = [];
  const tagged: { name: string; opts: Record<string, unknown> }[] = [];
  const docker = {
    getImage: (name: string) => ({
      push: async (opts: Record<string, unknown>) => {
        calls.push({ name, opts });
        const events = attempts[calls.length - 1] ?? [];
        return Readable.from(events.map((e) => `${JSON.stringify(e)}\r\n`));
      },
      tag: async (opts: Record<string, unknown>) => {
        tagged.push({ name, opts });
      },
      inspect: async () => ({ Id: IMAGE_ID }),
    }),
  };
  return { docker: docker as unknown as Docker, calls, tagged };
}

describe('pushImage (fake engine)', () => {
  it('pushes repository + tag with the login as authconfig', async () => {
    const { docker, calls } = pushingDocker([PUSHED]);
    const out = await pushImage(docker, { repository: '127.0.0.1:5000/x', tag: 't1', auth: AUTH });
    expect(calls).toEqual([{ name: '127.0.0.1:5000/x', opts: { tag: 't1', authconfig: AUTH } }]);
    expect(out).toEqual({
      digest: DIGEST,
      layers: { pushed: 1, existed: 1 },
      bytesPushed: 2048,
      attempts: 1,
    });
  });

  it('retries transient errors with back-off, then succeeds', async () => {
    const { docker, calls } = pushingDocker([
      transient('EOF'),
      transient('net/http: TLS handshake timeout'),
      EXISTED,
    ]);
    const notices: PushNotice[] = [];
    const waits: number[] = [];
    const out = await pushImage(docker, {
      repository: '127.0.0.1:5000/x',
      tag: 't1',
      auth: AUTH,
      onNotice: (n) => notices.push(n),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 4000]);
    expect(notices.filter((n) => n.type === 'retry')).toEqual([
      { type: 'retry', attempt: 1, delayMs: 2000, message: 'EOF' },
      { type: 'retry', attempt: 2, delayMs: 4000, message: 'net/http: TLS handshake timeout' },
    ]);
    expect(out.attempts).toBe(3);
  });

  it('gives up after two retries (exit 4, with the last message)', async () => {
    const { docker, calls } = pushingDocker([transient('EOF'), transient('EOF'), transient('EOF'), PUSHED]);
    await expect(
      pushImage(docker, { repository: 'r', tag: 't', auth: AUTH, sleep: noSleep }),
    ).rejects.toMatchObject({ exitCode: 4, message: 'The push of r:t failed (after 3 attempts): EOF' });
    expect(calls).toHaveLength(3);
  });

  it('does not retry a refused login: exit 5', async () => {
    const { docker, calls } = pushingDocker([UNAUTHORIZED, PUSHED]);
    await expect(
      pushImage(docker, { repository: 'r', tag: 't', auth: AUTH, sleep: noSleep }),
    ).rejects.toMatchObject({
      exitCode: 5,
      message: 'The registry refused the ECR login while pushing r:t: unauthorized: authentication required',
    });
    expect(calls).toHaveLength(1);
  });

  it('does not retry an immutable tag: exit 4 with what to do', async () => {
    const immutable =
      "tag invalid: The image tag 't' already exists in the 'r' repository and cannot be overwritten because the repository is immutable.";
    const { docker, calls } = pushingDocker([[{ errorDetail: { message: immutable } }]]);
    await expect(
      pushImage(docker, { repository: 'r', tag: 't', auth: AUTH, sleep: noSleep }),
    ).rejects.toMatchObject({ exitCode: 4, hint: expect.stringMatching(/immutable tags/) });
    expect(calls).toHaveLength(1);
  });

  it('fails (exit 4) when the stream ends without a digest', async () => {
    const { docker } = pushingDocker([EXISTED.slice(0, 5)]);
    await expect(pushImage(docker, { repository: 'r', tag: 't', auth: AUTH })).rejects.toMatchObject({
      exitCode: 4,
      message: 'The push of r:t ended without a digest.',
    });
  });
});

const ecr = mockClient(ECRClient);
beforeEach(() => {
  ecr.reset();
});
const client = () => new ECRClient({ region: 'us-east-1' });
const where = { environment: 'staging', region: 'us-east-1' };
const REPO: EcrRepository = {
  name: 'billing-api',
  uri: '127.0.0.1:5000/billing-api',
  registryId: '123456789012',
  tagMutability: 'MUTABLE',
};
const awsError = (name: string, message = name) =>
  Object.assign(new Error(message), { name, $fault: 'client' });

describe('ECR (aws-sdk-client-mock)', () => {
  it('finds the repository', async () => {
    ecr.on(DescribeRepositoriesCommand, { repositoryNames: ['billing-api'] }).resolves({
      repositories: [
        {
          repositoryName: 'billing-api',
          repositoryUri: '127.0.0.1:5000/billing-api',
          registryId: '123456789012',
          imageTagMutability: 'MUTABLE',
        },
      ],
    });
    expect(await findRepository(client(), 'billing-api', where)).toEqual(REPO);
  });

  it('a missing repository is a configuration error (exit 3) pointing to lsvc provision', async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .rejects(
        awsError('RepositoryNotFoundException', "The repository with name 'billing-api' does not exist"),
      );
    await expect(findRepository(client(), 'billing-api', where)).rejects.toMatchObject({
      exitCode: 3,
      message: 'The ECR repository "billing-api" of environment "staging" does not exist (region us-east-1).',
      hint: expect.stringContaining('Run "lsvc provision --env staging"'),
    });
  });

  it.each([
    ['AccessDeniedException', /^Access denied: ecr:DescribeRepositories/],
    ['UnrecognizedClientException', /^AWS credentials are missing or invalid/],
    ['ExpiredTokenException', /^AWS credentials are missing or invalid/],
  ])('%s is exit 5', async (name, message) => {
    ecr.on(DescribeRepositoriesCommand).rejects(awsError(name));
    await expect(findRepository(client(), 'billing-api', where)).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(message),
    });
  });

  it('a refused connection is exit 5 (connectivity), naming the action', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(new Error('connect ECONNREFUSED 127.0.0.1:4566'));
    await expect(findRepository(client(), 'billing-api', where)).rejects.toMatchObject({
      exitCode: 5,
      message: 'Could not reach ecr (ecr:DescribeRepositories): connection refused.',
    });
  });

  it('anything else is one clear line (exit 1), not "a bug in lsvc"', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(new Error('the socket said something odd'));
    await expect(findRepository(client(), 'billing-api', where)).rejects.toMatchObject({
      exitCode: 1,
      message: 'ECR request failed (ecr:DescribeRepositories): the socket said something odd',
    });
  });

  it('decodes the login from GetAuthorizationToken', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from('AWS:pa:ss').toString('base64'),
          proxyEndpoint: 'http://127.0.0.1:5000',
        },
      ],
    });
    expect(await ecrLogin(client())).toEqual({
      username: 'AWS',
      password: 'pa:ss',
      serveraddress: 'http://127.0.0.1:5000',
    });
  });

  it('finds the image under a tag with its config digest; none when ECR says ImageNotFound', async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: IMAGE_ID }, layers: [] });
    ecr
      .on(BatchGetImageCommand, { imageIds: [{ imageTag: 'there' }] })
      .resolves({
        images: [{ imageId: { imageTag: 'there', imageDigest: DIGEST }, imageManifest: manifest }],
      })
      .on(BatchGetImageCommand, { imageIds: [{ imageTag: 'missing' }] })
      .resolves({
        images: [],
        failures: [{ failureCode: 'ImageNotFound', imageId: { imageTag: 'missing' } }],
      });
    expect(await findRemoteImage(client(), REPO, 'there')).toEqual({
      digest: DIGEST,
      configDigest: IMAGE_ID,
    });
    expect(await findRemoteImage(client(), REPO, 'missing')).toBeUndefined();
  });

  it('cannot tell without ecr:BatchGetImage: pushes (no error)', async () => {
    ecr.on(BatchGetImageCommand).rejects(awsError('AccessDeniedException'));
    const debug: string[] = [];
    expect(await findRemoteImage(client(), REPO, 't', (l) => debug.push(l))).toBeUndefined();
    expect(debug[0]).toMatch(/cannot check ECR for t/);
  });

  it('reads config.digest of a manifest, not of an index or junk', () => {
    expect(configDigestOf(JSON.stringify({ config: { digest: 'sha256:a' } }))).toBe('sha256:a');
    expect(configDigestOf(JSON.stringify({ manifests: [] }))).toBeUndefined();
    expect(configDigestOf('not json')).toBeUndefined();
    expect(configDigestOf(undefined)).toBeUndefined();
  });
});

describe('pushToEcr (fake engine, mocked ECR)', () => {
  const image = { ref: 'billing-api:3f9c2a1b4d5e', id: IMAGE_ID };
  const login = () =>
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from('AWS:pw').toString('base64'),
          proxyEndpoint: 'http://127.0.0.1:5000',
        },
      ],
    });

  it('already in ECR (same config digest): no login, no tag, no push', async () => {
    const manifest = JSON.stringify({ config: { digest: IMAGE_ID } });
    ecr
      .on(BatchGetImageCommand)
      .resolves({ images: [{ imageId: { imageDigest: DIGEST }, imageManifest: manifest }] });
    login();
    const { docker, calls, tagged } = pushingDocker([PUSHED]);
    const result = await pushToEcr({
      docker,
      ecr: client(),
      repository: REPO,
      image,
      tag: '3f9c2a1b4d5e',
      progress: { json: true },
    });
    expect(result).toEqual({
      image: image.ref,
      repository: REPO.uri,
      tag: '3f9c2a1b4d5e',
      digest: DIGEST,
      pushed: false,
      layers: { pushed: 0, existed: 0 },
      bytesPushed: 0,
    });
    expect(calls).toEqual([]);
    expect(tagged).toEqual([]);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
  });

  it('not there: logs in, tags <uri>:<tag> and pushes it', async () => {
    ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });
    login();
    const { docker, calls, tagged } = pushingDocker([PUSHED]);
    const result = await pushToEcr({
      docker,
      ecr: client(),
      repository: REPO,
      image,
      tag: 't1',
      progress: { json: true },
    });
    expect(tagged).toEqual([{ name: image.ref, opts: { repo: REPO.uri, tag: 't1' } }]);
    expect(calls[0]?.opts).toMatchObject({ tag: 't1', authconfig: { username: 'AWS', password: 'pw' } });
    expect(result).toMatchObject({ pushed: true, digest: DIGEST, layers: { pushed: 1, existed: 1 } });
  });

  it('another image under the tag in an IMMUTABLE repository: exit 4 before pushing', async () => {
    const manifest = JSON.stringify({ config: { digest: 'sha256:other' } });
    ecr
      .on(BatchGetImageCommand)
      .resolves({ images: [{ imageId: { imageDigest: DIGEST }, imageManifest: manifest }] });
    const { docker, calls } = pushingDocker([PUSHED]);
    await expect(
      pushToEcr({
        docker,
        ecr: client(),
        repository: { ...REPO, tagMutability: 'IMMUTABLE' },
        image,
        tag: 't1',
        progress: { json: true },
      }),
    ).rejects.toMatchObject({ exitCode: 4, message: expect.stringMatching(/tags are immutable/) });
    expect(calls).toEqual([]);
  });

  it('names the registry host for the login step', () => {
    expect(registryHost('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/x')).toBe(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    expect(registryHost('127.0.0.1:5000/x')).toBe('127.0.0.1:5000');
  });
});

describe('ecrRepository in lsvc.yml', () => {
  const yml = (extra: string) =>
    `service: billing-api\nregion: eu-west-1\n${extra}environments:\n  staging:\n  production:\n    ecrRepository: team/billing-api-prod\n`;

  const repo = (text: string, env: string) => {
    const config = resolveConfig(parseServiceConfig(text), '/x/lsvc.yml');
    return ecrRepositoryName(config, getEnvironment(config, env));
  };

  it('defaults to the service name; defaults: and the environment override it', () => {
    expect(repo(yml(''), 'staging')).toBe('billing-api');
    expect(repo(yml(''), 'production')).toBe('team/billing-api-prod');
    expect(repo(yml('defaults:\n  ecrRepository: shared/api\n'), 'staging')).toBe('shared/api');
  });

  it('rejects a name ECR would refuse, and suggests the key for a typo', () => {
    expect(() => parseServiceConfig(yml('defaults:\n  ecrRepository: Billing_API\n'))).toThrow(
      /defaults\.ecrRepository: must be an ECR repository name/,
    );
    expect(() => parseServiceConfig(yml('defaults:\n  ecrRepo: x\n'))).toThrow(
      /did you mean "ecrRepository"\?/,
    );
  });
});
