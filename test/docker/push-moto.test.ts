// `lsvc push` end to end through the built binary, with ECR answered by moto
// (../shared/testbed/aws-up on 127.0.0.1:4566). moto's repositoryUri names
// <account>.dkr.ecr.<region>.amazonaws.com, which is no registry one can push to here: the real
// transfer is covered in process (push.test.ts); this file covers what the binary does around it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';

import { type CliResult, isolatedGitEnv, removeDir, runCli, tempDir } from '../support/cli.js';
import { MOTO_ENV, MOTO_SDK, MOTO_URL, motoUp } from '../support/moto.js';
import { snapshotBinary } from './build-binary.js';

const exec = promisify(execFile);
const runId = randomBytes(3).toString('hex');
const LABEL = `lsvc.test-run=${runId}`;
const service = `lsvcm-${runId}`;
const MINUTE = 60_000;
const MOTO = MOTO_ENV;
const moto = new ECRClient(MOTO_SDK);

const cleanup: string[] = [];
const repositories: string[] = [];
let gitEnv: NodeJS.ProcessEnv;
let wrap: string[] = [];
let dir = '';
let tag = '';
let imageId = '';

const lsvc = (args: string[], env: NodeJS.ProcessEnv = MOTO) =>
  runCli(args, { wrap, cwd: dir, env: { ...gitEnv, ...env }, timeoutMs: 5 * MINUTE });

function expectCleanFailure(r: CliResult, code: number, first: RegExp): void {
  const lines = r.stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Error: '));
  expect({ code: r.code, error: lines[at] }).toEqual({ code, error: expect.stringMatching(first) });
  expect(lines.slice(0, at).filter((l) => !l.startsWith('Warning: '))).toEqual([]);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}

async function createRepository(name: string): Promise<string> {
  const out = await moto.send(new CreateRepositoryCommand({ repositoryName: name }));
  repositories.push(name);
  return out.repository?.repositoryUri ?? '';
}

beforeAll(async () => {
  if (!(await motoUp())) throw new Error(`moto is not running on ${MOTO_URL}: run ../shared/testbed/aws-up`);
  const bin = await snapshotBinary();
  cleanup.push(bin.dir);
  wrap = bin.wrap;
  gitEnv = await isolatedGitEnv();
  cleanup.push(gitEnv.HOME ?? '');
  const root = await tempDir('lsvc-push-e2e-');
  cleanup.push(root);
  dir = join(root, service);
  await mkdir(dir);
  await writeFile(
    join(dir, 'lsvc.yml'),
    `service: ${service}\nregion: eu-west-1\nenvironments:\n  staging:\n  production:\n    ecrRepository: ${service}/prod\n`,
  );
  await writeFile(
    join(dir, 'Dockerfile'),
    `FROM debian:bookworm-slim\nLABEL ${LABEL}\nRUN echo ${runId} > /run-id\n`,
  );
  const git = (...args: string[]) =>
    exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      env: { ...process.env, ...gitEnv },
    });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-qm', 'first');
  const built = await lsvc(['build', '--json', '--label', LABEL], {});
  if (built.code !== 0) throw new Error(`lsvc build failed:\n${built.stderr}`);
  const out = JSON.parse(built.stdout) as { image: string; id: string };
  tag = out.image.split(':')[1] ?? '';
  imageId = out.id;
}, 10 * MINUTE);

afterAll(async () => {
  try {
    for (const name of repositories)
      await moto
        .send(new DeleteRepositoryCommand({ repositoryName: name, force: true }))
        .catch(() => undefined);
    const { stdout } = await exec('docker', ['images', '-q', '--filter', `label=${LABEL}`]);
    const ids = [...new Set(stdout.split('\n').filter(Boolean))];
    if (ids.length) await exec('docker', ['rmi', '-f', ...ids]);
    expect((await exec('docker', ['images', '-q', '--filter', `label=${LABEL}`])).stdout.trim()).toBe('');
  } finally {
    moto.destroy();
    await Promise.all(cleanup.map(removeDir));
  }
}, 5 * MINUTE);

describe('lsvc push (built binary, ECR from moto)', () => {
  it('a missing repository: exit 3, pointing to lsvc provision', async () => {
    const r = await lsvc(['push', '--env', 'staging']);
    expectCleanFailure(
      r,
      3,
      new RegExp(
        `^Error: The ECR repository "${service}" of environment "staging" does not exist \\(region us-east-1\\)\\.$`,
      ),
    );
    expect(r.stderr).toContain('Hint: Run "lsvc provision --env staging" to create it');
  });

  it("uses the environment's ecrRepository, and --json errors are JSON", async () => {
    const r = await lsvc(['push', '--env', 'production', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({
      error: expect.objectContaining({
        name: 'ConfigError',
        exitCode: 3,
        message: expect.stringContaining(`"${service}/prod"`),
      }),
    });
  });

  it('already in ECR (moto holds the same image under the tag): nothing pushed, exit 0', async () => {
    await createRepository(service);
    // What a previous push would have left: a manifest whose config is the local image.
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1000, digest: imageId },
      layers: [],
    });
    const put = await moto.send(
      new PutImageCommand({ repositoryName: service, imageTag: tag, imageManifest: manifest }),
    );
    const r = await lsvc(['push', '--env', 'staging', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({
      repository: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${service}`,
      tag,
      digest: put.image?.imageId?.imageDigest,
      pushed: false,
      layers: { pushed: 0, existed: 0 },
      bytesPushed: 0,
    });
    const plain = await lsvc(['push', '--env', 'staging']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(
      `Already in ECR: 123456789012.dkr.ecr.us-east-1.amazonaws.com/${service}:${tag}`,
    );
    expect(plain.stdout).toMatch(/already in ECR: nothing to push\./);
  });

  it("not in ECR: logs in and pushes to moto's repositoryUri, which does not resolve here: exit 4", async () => {
    await createRepository(`${service}/prod`);
    const r = await lsvc(['push', '--env', 'production']);
    expectCleanFailure(
      r,
      4,
      new RegExp(
        `^Error: The push of 123456789012\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/${service}/prod:${tag} failed: .*no such host`,
      ),
    );
    expect(r.stdout).toContain('Logged in to 123456789012.dkr.ecr.us-east-1.amazonaws.com');
  });

  it('no AWS credentials at all: exit 5', async () => {
    const r = await lsvc(['push', '--env', 'staging'], {
      AWS_ENDPOINT_URL: MOTO.AWS_ENDPOINT_URL,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expectCleanFailure(r, 5, /^Error: AWS credentials are missing or invalid \(ecr:DescribeRepositories\)/);
  });

  it('an unknown --env: exit 2 with the environments there are', async () => {
    const r = await lsvc(['push', '--env', 'stagin']);
    expectCleanFailure(
      r,
      2,
      /^Error: There is no environment "stagin" in lsvc.yml; did you mean "staging"\?$/,
    );
    expect(r.stderr).toContain('Environments: staging, production.');
  });

  it('an image that was not built: exit 4, saying to run lsvc build', async () => {
    const r = await lsvc(['push', '--env', 'staging', '--tag', 'not-built']);
    expectCleanFailure(r, 4, new RegExp(`^Error: There is no local image ${service}:not-built to push\\.$`));
    expect(r.stderr).toMatch(/Hint: Build it first: "lsvc build" \(or "lsvc push --build"/);
  });

  it('--build with a missing repository fails before building (exit 3)', async () => {
    const r = await lsvc(['push', '--env', 'staging', '--build'], { ...MOTO, AWS_REGION: 'eu-central-1' });
    expect(r.code).toBe(3);
    expect(r.stdout).not.toContain('Step ');
  });

  it('Docker unreachable: exit 4', async () => {
    const r = await lsvc(['push', '--env', 'staging'], { ...MOTO, DOCKER_HOST: 'unix:///tmp/nowhere.sock' });
    expectCleanFailure(r, 4, /^Error: Docker is not reachable at unix:\/\/\/tmp\/nowhere.sock/);
  });
});
