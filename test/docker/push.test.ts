// lsvc push, in process, against the real engine and the test bed's registry (127.0.0.1:5000,
// basic auth with ECR's login shape). ECR's answers come from aws-sdk-client-mock, shaped like
// the real ones; BatchGetImage reads the registry itself, so "already in ECR" is the registry's truth.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BatchGetImageCommand,
  type BatchGetImageCommandInput,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import type Docker from 'dockerode';

import { findRepository, type EcrRepository } from '../../src/aws/ecr.js';
import { type PushNotice, pushImage, pushToEcr, requireLocalImage } from '../../src/docker/push.js';
import { removeDir, tempDir } from '../support/cli.js';

const exec = promisify(execFile);
const runId = randomBytes(3).toString('hex');
const LABEL = `lsvc.test-run=${runId}`;
const REGISTRY = '127.0.0.1:5000';
const PASSWORD = readFileSync('/etc/testbed/registry.password', 'utf8').trim();
const repositoryName = `lsvc-test-${runId}/app`;
const local = `lsvcp-${runId}:t1`;
const MINUTE = 60_000;

const ecr = mockClient(ECRClient);
const client = () => new ECRClient({ region: 'us-east-1' });
let docker: Docker;
let imageId = '';
const cleanup: string[] = [];

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, {
    timeout: 5 * MINUTE,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

const basic = (password = PASSWORD) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** GET /v2/<name>/manifests/<tag>: body and digest, or undefined (404). */
async function registryManifest(name: string, tag: string) {
  const res = await fetch(`http://${REGISTRY}/v2/${name}/manifests/${tag}`, {
    headers: { authorization: basic(), accept: MANIFEST_V2 },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`registry answered ${res.status}`);
  return { body: await res.text(), digest: res.headers.get('docker-content-digest') ?? '' };
}

async function registryTags(name: string): Promise<string[]> {
  const res = await fetch(`http://${REGISTRY}/v2/${name}/tags/list`, { headers: { authorization: basic() } });
  if (res.status === 404) return [];
  return ((await res.json()) as { tags: string[] | null }).tags ?? [];
}

/** ECR as the SDK answers it, pointing at the test bed's registry. */
function realisticEcr(): void {
  ecr.reset();
  ecr.on(DescribeRepositoriesCommand).resolves({
    repositories: [
      {
        repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${repositoryName}`,
        registryId: '123456789012',
        repositoryName,
        repositoryUri: `${REGISTRY}/${repositoryName}`,
        imageTagMutability: 'MUTABLE',
      },
    ],
  });
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${PASSWORD}`).toString('base64'),
        expiresAt: new Date(Date.now() + 12 * 3600_000),
        proxyEndpoint: `http://${REGISTRY}`,
      },
    ],
  });
  ecr.on(BatchGetImageCommand).callsFake(async (input: BatchGetImageCommandInput) => {
    const tag = input.imageIds?.[0]?.imageTag ?? '';
    const found = await registryManifest(input.repositoryName ?? '', tag);
    if (!found) {
      return {
        images: [],
        failures: [
          {
            imageId: { imageTag: tag },
            failureCode: 'ImageNotFound',
            failureReason: 'Requested image not found',
          },
        ],
      };
    }
    return {
      images: [
        {
          registryId: '123456789012',
          repositoryName: input.repositoryName,
          imageId: { imageTag: tag, imageDigest: found.digest },
          imageManifest: found.body,
          imageManifestMediaType: MANIFEST_V2,
        },
      ],
      failures: [],
    };
  });
}

beforeAll(async () => {
  const { default: Dockerode } = await import('dockerode');
  docker = new Dockerode();
  const ctx = await tempDir('lsvc-push-ctx-');
  cleanup.push(ctx);
  await mkdir(ctx, { recursive: true });
  // A layer of its own (the run id), so the first push has something to send.
  await writeFile(
    join(ctx, 'Dockerfile'),
    `FROM debian:bookworm-slim\nLABEL ${LABEL}\nRUN echo ${runId} > /run-id\n`,
  );
  await cli('build', '-q', '-t', local, ctx);
  imageId = await cli('image', 'inspect', '--format', '{{.Id}}', local);
}, 10 * MINUTE);

beforeEach(() => {
  realisticEcr();
});

afterAll(async () => {
  ecr.restore();
  try {
    for (const tag of await registryTags(repositoryName)) {
      const found = await registryManifest(repositoryName, tag);
      if (found) {
        await fetch(`http://${REGISTRY}/v2/${repositoryName}/manifests/${found.digest}`, {
          method: 'DELETE',
          headers: { authorization: basic() },
        });
      }
    }
    expect(await registryTags(repositoryName)).toEqual([]);
    const images = (await cli('images', '-q', '--filter', `label=${LABEL}`)).split('\n').filter(Boolean);
    if (images.length) await cli('rmi', '-f', ...new Set(images));
    expect(await cli('images', '-q', '--filter', `label=${LABEL}`)).toBe('');
    expect(await cli('ps', '-aq', '--filter', `label=${LABEL}`)).toBe('');
  } finally {
    await Promise.all(cleanup.map(removeDir));
  }
}, 5 * MINUTE);

async function repository(): Promise<EcrRepository> {
  return findRepository(client(), repositoryName, { environment: 'staging', region: 'us-east-1' });
}

describe('pushing to the test bed registry with an ECR login', () => {
  it(
    'the first push sends the layers; the registry then lists the tag under that digest',
    async () => {
      const repo = await repository();
      expect(repo.uri).toBe(`${REGISTRY}/${repositoryName}`);
      const image = await requireLocalImage(docker, local);
      expect(image.id).toBe(imageId);
      const result = await pushToEcr({
        docker,
        ecr: client(),
        repository: repo,
        image,
        tag: 't1',
        progress: { json: true },
      });
      expect(result).toMatchObject({ repository: repo.uri, tag: 't1', pushed: true });
      expect(result.layers.pushed).toBeGreaterThanOrEqual(1);
      expect(result.bytesPushed).toBeGreaterThan(0);
      expect(await registryTags(repositoryName)).toEqual(['t1']);
      const manifest = await registryManifest(repositoryName, 't1');
      expect(manifest?.digest).toBe(result.digest);
      // The registry holds this very image: its config is the local image id.
      expect(JSON.parse(manifest?.body ?? '{}')).toMatchObject({ config: { digest: imageId } });
      expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
    },
    10 * MINUTE,
  );

  it('a second push transfers nothing: already in ECR, no login, no push', async () => {
    const image = await requireLocalImage(docker, local);
    const result = await pushToEcr({
      docker,
      ecr: client(),
      repository: await repository(),
      image,
      tag: 't1',
      progress: { json: true },
    });
    expect(result).toMatchObject({ pushed: false, layers: { pushed: 0, existed: 0 }, bytesPushed: 0 });
    expect(result.digest).toBe((await registryManifest(repositoryName, 't1'))?.digest);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
  });

  it('when ECR cannot say (no ecr:BatchGetImage), the push finds every layer already there', async () => {
    ecr.on(BatchGetImageCommand).rejects(
      Object.assign(new Error('not authorized to perform: ecr:BatchGetImage'), {
        name: 'AccessDeniedException',
      }),
    );
    const image = await requireLocalImage(docker, local);
    const result = await pushToEcr({
      docker,
      ecr: client(),
      repository: await repository(),
      image,
      tag: 't1',
      progress: { json: true },
    });
    expect(result.pushed).toBe(true);
    expect(result.layers.pushed).toBe(0);
    expect(result.layers.existed).toBeGreaterThanOrEqual(2);
    expect(result.bytesPushed).toBe(0);
    expect(result.digest).toBe((await registryManifest(repositoryName, 't1'))?.digest);
  });

  it('a login the registry refuses (wrong password) is exit 5, not retried', async () => {
    const notices: PushNotice[] = [];
    await docker.getImage(local).tag({ repo: `${REGISTRY}/${repositoryName}`, tag: 'wrong' });
    await expect(
      pushImage(docker, {
        repository: `${REGISTRY}/${repositoryName}`,
        tag: 'wrong',
        auth: { username: 'AWS', password: 'not-the-password', serveraddress: `http://${REGISTRY}` },
        onNotice: (n) => notices.push(n),
      }),
    ).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/refused the ECR login .*: unauthorized: authentication required$/),
    });
    expect(notices.filter((n) => n.type === 'retry')).toEqual([]);
    expect(await registryTags(repositoryName)).not.toContain('wrong');
  });

  it('an unreachable registry is retried with back-off, then exit 4 with the cause', async () => {
    const unreachable = `127.0.0.1:1/${repositoryName}`;
    await docker.getImage(local).tag({ repo: unreachable, tag: 't1' });
    const notices: PushNotice[] = [];
    const waits: number[] = [];
    await expect(
      pushImage(docker, {
        repository: unreachable,
        tag: 't1',
        auth: { username: 'AWS', password: PASSWORD, serveraddress: 'http://127.0.0.1:1' },
        retry: { retries: 2, delayMs: (n) => 10 * n },
        sleep: async (ms) => {
          waits.push(ms);
        },
        onNotice: (n) => notices.push(n),
      }),
    ).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(
        /^The push of 127\.0\.0\.1:1\/.*:t1 failed \(after 3 attempts\): .*connection refused/,
      ),
    });
    expect(waits).toEqual([10, 20]);
    expect(notices.filter((n) => n.type === 'retry')).toHaveLength(2);
  });

  it('no local image: exit 4, saying to build it', async () => {
    await expect(requireLocalImage(docker, `lsvcp-${runId}:missing`)).rejects.toMatchObject({
      exitCode: 4,
      message: `There is no local image lsvcp-${runId}:missing to push.`,
      hint: expect.stringContaining('lsvc build'),
    });
  });

  it('Docker down: exit 4 (the image lookup and the push)', async () => {
    const { default: Dockerode } = await import('dockerode');
    const dead = new Dockerode({ socketPath: '/tmp/nowhere.sock' });
    await expect(requireLocalImage(dead, local)).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/^Docker is not reachable/),
    });
    await expect(
      pushImage(dead, {
        repository: `${REGISTRY}/${repositoryName}`,
        tag: 't1',
        auth: { username: 'AWS', password: PASSWORD, serveraddress: `http://${REGISTRY}` },
      }),
    ).rejects.toMatchObject({ exitCode: 4, message: expect.stringMatching(/^Docker is not reachable/) });
  });
});
