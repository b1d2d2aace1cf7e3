// deploy, rollback, releases and bundle through the built binary: bad input, missing region or
// credentials, the confirmation in CI. No AWS endpoint is reachable from these runs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { buildBundle } from '../../src/bundle/index.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';

let dir: string;
let noRegionDir: string;
let home: string;
beforeAll(async () => {
  dir = await tempDir('lsvc-deploy-cli-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    'service: demo-cli\nregion: eu-west-1\nenvironments:\n  staging:\n  production:\n    confirm: true\n',
  );
  noRegionDir = join(dir, 'no-region');
  await mkdir(noRegionDir);
  await writeFile(join(noRegionDir, 'lsvc.yml'), 'service: demo-cli\nenvironments:\n  staging:\n');
  home = join(dir, 'home');
  await mkdir(home);
});
afterAll(async () => {
  await removeDir(dir);
});

/** No credentials anywhere: empty HOME, no config files, no instance metadata. */
const noCredentials = () => ({
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
  AWS_EC2_METADATA_DISABLED: 'true',
});

describe('deploy, rollback, releases, bundle: bad input', () => {
  it.each([
    [['deploy', '--env', 'prod', '--version', 'v1']],
    [['rollback', '--env', 'prod']],
    [['releases', '--env', 'prod']],
    [['bundle', '--env', 'prod', '--version', 'v1', '--out', 'x.zip']],
  ])('%j: unknown environment, exit 2 with a did-you-mean', async (args) => {
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Error: There is no environment "prod" in lsvc.yml; did you mean "production"?',
    );
  });

  it('a confirm: true environment in CI without --yes fails clearly (exit 2), before any AWS call', async () => {
    const r = await runCli(['deploy', '--env', 'production', '--version', 'v1'], {
      cwd: dir,
      env: { CI: '1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Error: "Deploy v1 to demo-cli-production?" needs an answer, and there is no terminal to ask on.\nHint: Pass --yes to answer it.\n',
    );
  });

  it('a bad duration is a usage error (exit 2)', async () => {
    const r = await runCli(['deploy', '--env', 'staging', '--version', 'v1', '--timeout', 'soon'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Error: --timeout "soon" is not a duration.');
  });

  it('outside git without --version: exit 2 asking for it', async () => {
    const r = await runCli(['deploy', '--env', 'staging'], { cwd: dir, env: noCredentials() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: No version to deploy \(not a git repository\)\.\nHint: Pass --version/);
  });

  it.each([
    [['deploy', '--env', 'staging', '--version', 'v1']],
    [['rollback', '--env', 'staging']],
    [['releases']],
  ])('%j without a region: exit 5 saying where to set one', async (args) => {
    const r = await runCli(args, { cwd: noRegionDir, env: noCredentials() });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^Error: No AWS region for (environment "staging"|demo-cli)\.\nHint: Set region: in lsvc.yml, AWS_REGION, or pass --region\.\n$/,
    );
  });

  it.each([
    // The deploy lock is taken before anything else (src/deploy/lock.ts).
    [['deploy', '--env', 'staging', '--version', 'v1'], 'ssm:PutParameter'],
    [['rollback', '--env', 'staging'], 'ssm:PutParameter'],
    [['releases', '--env', 'staging'], 'elasticbeanstalk:DescribeEnvironments'],
    [['bundle', '--env', 'staging', '--version', 'v1', '--out', 'x.zip'], 'ecr:DescribeRepositories'],
  ])('%j without credentials: exit 5 naming the action', async (args, action) => {
    const r = await runCli(args, { cwd: dir, env: noCredentials() });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`Error: AWS credentials are missing or invalid (${action})`);
    expect(r.stderr).toContain('Hint: Configure credentials');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json: the error as JSON on stdout, same exit code', async () => {
    const r = await runCli(['rollback', '--env', 'staging', '--json'], { cwd: dir, env: noCredentials() });
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { exitCode: 5, name: 'AwsError' } });
  });
});

describe('lsvc bundle --repository-uri', () => {
  it('writes the same bytes as deploy makes, without any AWS call', async () => {
    const uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-cli';
    const r = await runCli(
      [
        'bundle',
        '--env',
        'staging',
        '--version',
        '3f9c2a1b7d4e',
        '--repository-uri',
        uri,
        '--out',
        'bundle.zip',
        '--json',
      ],
      { cwd: dir, env: noCredentials() },
    );
    expect(r.code).toBe(0);
    const expected = await buildBundle({ repositoryUri: uri, version: '3f9c2a1b7d4e' });
    expect(JSON.parse(r.stdout)).toEqual({
      out: join(dir, 'bundle.zip'),
      image: `${uri}:3f9c2a1b7d4e`,
      sha256: expected.sha256,
      bytes: expected.zip.length,
      files: ['docker-compose.yml'],
    });
    expect(Buffer.compare(await readFile(join(dir, 'bundle.zip')), expected.zip)).toBe(0);
  });

  it('rejects a tag that is not one (exit 2)', async () => {
    const r = await runCli(
      [
        'bundle',
        '--env',
        'staging',
        '--version',
        'no good',
        '--repository-uri',
        'r.example/x',
        '--out',
        'b.zip',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Error: "no good" is not a valid image tag.');
  });
});
