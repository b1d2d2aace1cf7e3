// The migrations in the release flow through the built binary: `lsvc check migrations --env E`
// (the release record in moto's S3 says which commit runs in E) and the rollback guard. Elastic
// Beanstalk's describe calls (moto lacks versions) come from a small local server that answers as the query API does.
import { execFileSync } from 'node:child_process';
import { appendFile, cp } from 'node:fs/promises';
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
/** The Elastic Beanstalk actions the binary called. */
const actions: string[] = [];

/** DescribeEnvironments (production runs v2) and DescribeApplicationVersions (v1, v2; bundles in `bucket`, where the records are). */
function fakeEb(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      actions.push(action);
      res.writeHead(200, { 'content-type': 'text/xml' });
      if (action === 'DescribeEnvironments') {
        res.end(`<DescribeEnvironmentsResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">
  <DescribeEnvironmentsResult><Environments><member>
    <ApplicationName>notes-service</ApplicationName><EnvironmentName>notes-service-production</EnvironmentName>
    <EnvironmentId>e-1</EnvironmentId><VersionLabel>v2</VersionLabel><Status>Ready</Status><Health>Green</Health>
  </member></Environments></DescribeEnvironmentsResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</DescribeEnvironmentsResponse>`);
        return;
      }
      res.end(`<DescribeApplicationVersionsResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">
  <DescribeApplicationVersionsResult><ApplicationVersions><member>
    <ApplicationName>notes-service</ApplicationName><VersionLabel>v1</VersionLabel><Status>PROCESSED</Status>
    <SourceBundle><S3Bucket>${bucket}</S3Bucket><S3Key>notes-service/v1.zip</S3Key></SourceBundle>
  </member><member>
    <ApplicationName>notes-service</ApplicationName><VersionLabel>v2</VersionLabel><Status>PROCESSED</Status>
    <SourceBundle><S3Bucket>${bucket}</S3Bucket><S3Key>notes-service/v2.zip</S3Key></SourceBundle>
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

describe('lsvc rollback past a contract migration (built binary)', () => {
  it('is refused (exit 6) before any change; --force without a terminal needs --yes (exit 2)', async () => {
    const environment = 'production';
    const at = Date.now() + 3_600_000;
    const write = (version: string, head: string, contracts: string[], now: number) =>
      writeReleaseRecord(
        { s3, bucket },
        finished(
          newRelease({
            service: 'notes-service',
            environment,
            kind: 'deploy',
            version,
            previousVersion: undefined,
            git: { sha: version.padEnd(40, '0'), dirty: false },
            migrations: { head, contract: contracts.length > 0, contracts, checkSkipped: false },
            now,
            env: {},
          }),
          'deployed',
          now + 60_000,
        ),
      );
    await write('v1', '20260101000000_create_notes', [], at);
    await write('v2', '20260201000000_drop_legacy_code', ['20260201000000_drop_legacy_code'], at + 60_000);
    const dir = await tempDir('lsvc-rollback-guard-');
    cleanup.push(dir);
    await cp(join(FIXTURES, 'migrations', 'v1'), dir, { recursive: true });
    const env = { ...MOTO_ENV, AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: ebUrl, NO_COLOR: '1' };
    actions.length = 0;
    const refused = await runCli(['rollback', '--env', environment, '--to', 'v1'], { cwd: dir, env });
    expect(refused.stderr).toContain(
      'Not rolling back to v1: it is older than the contract migration 20260201000000_drop_legacy_code (v2), which already ran',
    );
    expect(refused.stderr).toContain('--force goes to v1 anyway.');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(refused.code).toBe(ExitCode.Unhealthy);
    expect(actions).not.toContain('UpdateEnvironment');
    const forced = await runCli(['rollback', '--env', environment, '--to', 'v1', '--force'], {
      cwd: dir,
      env,
    });
    expect(forced.stderr).toContain('--force needs a confirmation, and there is no terminal to ask on.');
    expect(forced.code).toBe(ExitCode.Usage);
    expect(actions).not.toContain('UpdateEnvironment');
  });
});

describe('lsvc deploy with unsafe migrations (built binary)', () => {
  it('is refused (exit 6) with the findings before any change; its record is not written', async () => {
    const dir = await tempDir('lsvc-deploy-check-');
    cleanup.push(dir);
    await cp(join(FIXTURES, 'migrations', 'v1'), dir, { recursive: true });
    // An environment of its own: the records of the other tests are production's.
    await appendFile(join(dir, 'lsvc.yml'), '  staging: {}\n');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    const sha = git(dir, 'rev-parse', 'HEAD');
    await cp(join(FIXTURES, 'migrations', 'v2-drop-column'), dir, { recursive: true });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v2');
    const now = Date.now();
    const record = newRelease({
      service: 'notes-service',
      environment: 'staging',
      kind: 'deploy',
      version: 'v1',
      previousVersion: undefined,
      git: { sha, dirty: false },
      migrations: {
        head: '20260101000000_create_notes',
        contract: false,
        contracts: [],
        checkSkipped: false,
      },
      now,
      env: {},
    });
    await writeReleaseRecord({ s3, bucket }, finished(record, 'deployed', now + 60_000));
    const prefix = 'lsvc/releases/notes-service/staging/';
    const before = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).KeyCount;
    actions.length = 0;
    const result = await runCli(['deploy', '--env', 'staging', '--yes'], {
      cwd: dir,
      env: { ...MOTO_ENV, ...gitEnv, AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: ebUrl, NO_COLOR: '1' },
    });
    expect(result.stderr).toContain('Not deployed: the new migrations would break v1, which runs in staging');
    expect(result.stderr).toMatch(/unsafe migrations\/20260201000000_drop_body\.ts:\d+ /);
    expect(result.stderr).toContain('--skip-migration-check');
    expect(result.code).toBe(ExitCode.Unhealthy);
    expect(actions).toEqual(['DescribeApplicationVersions']);
    const after = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).KeyCount;
    expect(after).toBe(before);
  });
});
