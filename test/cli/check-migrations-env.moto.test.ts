// `lsvc check migrations --env E` through the built binary: the release record in moto's S3 says
// which commit runs in E; Elastic Beanstalk's DescribeApplicationVersions (which moto lacks)
// comes from a small local server that answers it as the query API does.
import { execFileSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { ExitCode } from '../../src/errors.js';
import { finished, newRelease } from '../../src/releases/record.js';
import { writeReleaseRecord } from '../../src/releases/store.js';
import { FIXTURES, isolatedGitEnv, removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const s3 = new S3Client({ ...MOTO_SDK, forcePathStyle: true });
const bucket = `elasticbeanstalk-us-east-1-mig${uniqueSuffix()}`;
const cleanup: string[] = [];
let gitEnv: NodeJS.ProcessEnv;
let eb: Server;
let ebUrl = '';

/** DescribeApplicationVersions: one version whose bundle is in `bucket` (where the records are). */
function fakeEb(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<DescribeApplicationVersionsResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">
  <DescribeApplicationVersionsResult><ApplicationVersions><member>
    <ApplicationName>notes-service</ApplicationName><VersionLabel>v1</VersionLabel><Status>PROCESSED</Status>
    <SourceBundle><S3Bucket>${bucket}</S3Bucket><S3Key>notes-service/v1.zip</S3Key></SourceBundle>
  </member></ApplicationVersions></DescribeApplicationVersionsResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</DescribeApplicationVersionsResponse>`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

beforeAll(async () => {
  await ensureMoto();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  gitEnv = await isolatedGitEnv();
  cleanup.push(gitEnv.HOME ?? '');
  eb = await fakeEb();
  ebUrl = `http://127.0.0.1:${(eb.address() as AddressInfo).port}`;
});
afterAll(async () => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
  if (objects.length)
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  await new Promise((resolve) => eb.close(resolve));
  await Promise.all(cleanup.map(removeDir));
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
    cwd,
    env: { ...process.env, ...gitEnv },
  })
    .toString()
    .trim();

/** The fixture at v1 (committed), `variant` committed on top; production's record says v1 runs. */
async function deployedV1(variant: string, environment: string): Promise<{ dir: string; sha: string }> {
  const dir = await tempDir('lsvc-migrations-env-');
  cleanup.push(dir);
  await cp(join(FIXTURES, 'migrations', 'v1'), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  const sha = git(dir, 'rev-parse', 'HEAD');
  await cp(join(FIXTURES, 'migrations', variant), dir, { recursive: true });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v2');
  // Newer than the records of earlier tests: the newest deployed one is what runs.
  const now = Date.now();
  const record = newRelease({
    service: 'notes-service',
    environment,
    kind: 'deploy',
    version: 'v1',
    previousVersion: undefined,
    git: { sha, dirty: false },
    now,
    env: {},
  });
  await writeReleaseRecord({ s3, bucket }, finished(record, 'deployed', now + 60_000));
  return { dir, sha };
}

const cli = (dir: string, env: string) =>
  runCli(['check', 'migrations', '--env', env], {
    cwd: dir,
    env: { ...MOTO_ENV, ...gitEnv, AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: ebUrl, NO_COLOR: '1' },
  });

describe('lsvc check migrations --env (built binary)', () => {
  it('checks against the commit its release record says runs there: a dropped column is unsafe (exit 6)', async () => {
    const { dir, sha } = await deployedV1('v2-drop-column', 'production');
    const result = await cli(dir, 'production');
    expect(result.stdout).toContain(`production runs v1 (git ${sha.slice(0, 12)}).`);
    expect(result.stdout).toMatch(/unsafe migrations\/20260201000000_drop_body\.ts:\d+ /);
    expect(result.code).toBe(ExitCode.Unhealthy);
  });

  it('an additive release is safe for it (exit 0)', async () => {
    const { dir, sha } = await deployedV1('v2-additive', 'production');
    const result = await cli(dir, 'production');
    expect(result.stdout).toContain(`production runs v1 (git ${sha.slice(0, 12)}).`);
    expect(result.stdout).toContain('Safe: the version at');
    expect(result.code).toBe(ExitCode.Ok);
  });
});
