// lsvc rollback through the built binary against a wire-level fake of Elastic Beanstalk and S3
// (test/support/fake-aws.ts, a real HTTP server): --to the running version changes nothing
// (exit 0), a real rollback waits in plain output with progress lines and no silence over 10 s,
// and bad --health-grace is a usage error.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { removeDir, runCli, tempDir } from '../support/cli.js';
import { type AwsRequest, type AwsResponse, type FakeAws, startFakeAws } from '../support/fake-aws.js';
import { fakeSsmParameters } from '../support/fake-eb.js';

const APP = 'demo-bin';
const ENVIRONMENT = `${APP}-staging`;
const BUCKET = 'elasticbeanstalk-eu-west-1-123456789012';

const xml = (action: string, body: string): AwsResponse => ({
  headers: { 'content-type': 'text/xml' },
  body: `<${action}Response xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`,
});

interface EbState {
  label: string;
  status: string;
  health: string;
  /** Clock time when an update's target takes over. */
  readyAt?: number;
  target?: string;
  updates: string[];
  events: { at: number; message: string }[];
}

function environmentXml(s: EbState): string {
  return `<EnvironmentName>${ENVIRONMENT}</EnvironmentName><ApplicationName>${APP}</ApplicationName><EnvironmentId>e-1</EnvironmentId><Status>${s.status}</Status><VersionLabel>${s.label}</VersionLabel><Health>${s.health}</Health><HealthStatus>${s.health === 'Green' ? 'Ok' : 'Info'}</HealthStatus>`;
}

function fakeEb(s: EbState, rolloutMs: number) {
  const advance = () => {
    if (s.readyAt !== undefined && Date.now() >= s.readyAt && s.target) {
      s.status = 'Ready';
      s.health = 'Green';
      s.label = s.target;
      s.events.push({ at: Date.now(), message: 'Environment update completed successfully.' });
      s.readyAt = undefined;
    }
  };
  const ssm = fakeSsmParameters().answer; // the deploy lock
  return (req: AwsRequest): AwsResponse => {
    advance();
    if (req.service === 'ssm') return ssm(req);
    if (req.service === 's3') {
      if (req.method === 'PUT') return { status: 200, body: '' };
      if (req.method === 'GET' && req.path.includes('list-type=2'))
        return {
          headers: { 'content-type': 'application/xml' },
          body: `<ListBucketResult><Name>${BUCKET}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`,
        };
      return {
        status: 404,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>NoSuchKey</Code><Message>none</Message></Error>',
      };
    }
    if (req.service === 'monitoring' && req.action === 'DescribeAlarms') {
      return {
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ MetricAlarms: [], CompositeAlarms: [] }),
      };
    }
    switch (req.action) {
      case 'DescribeConfigurationSettings': // the health-gate guard: the defaults, gated
        return xml(
          req.action,
          `<ConfigurationSettings><member><ApplicationName>${APP}</ApplicationName><EnvironmentName>${ENVIRONMENT}</EnvironmentName><OptionSettings></OptionSettings></member></ConfigurationSettings>`,
        );
      case 'DescribeEnvironments':
        return xml(req.action, `<Environments><member>${environmentXml(s)}</member></Environments>`);
      case 'DescribeApplicationVersions':
        return xml(
          req.action,
          `<ApplicationVersions>${['v1', 'v0']
            .map(
              (v, i) =>
                `<member><ApplicationName>${APP}</ApplicationName><VersionLabel>${v}</VersionLabel><Status>Processed</Status><DateCreated>2026-11-2${8 - i}T10:00:00Z</DateCreated><SourceBundle><S3Bucket>${BUCKET}</S3Bucket><S3Key>${APP}/${v}.zip</S3Key></SourceBundle></member>`,
            )
            .join('')}</ApplicationVersions>`,
        );
      case 'UpdateEnvironment': {
        const label = req.params.get('VersionLabel') ?? '';
        s.updates.push(label);
        s.status = 'Updating';
        s.health = 'Grey';
        s.target = label;
        s.readyAt = Date.now() + rolloutMs;
        s.events.push({ at: Date.now(), message: 'Environment update is starting.' });
        return xml(req.action, environmentXml(s));
      }
      case 'DescribeEvents':
        return xml(
          req.action,
          `<Events>${[...s.events]
            .reverse()
            .map(
              (e) =>
                `<member><EventDate>${new Date(e.at).toISOString()}</EventDate><Message>${e.message}</Message><Severity>INFO</Severity><EnvironmentName>${ENVIRONMENT}</EnvironmentName></member>`,
            )
            .join('')}</Events>`,
        );
      case 'DescribeEnvironmentHealth':
        return xml(
          req.action,
          `<EnvironmentName>${ENVIRONMENT}</EnvironmentName><Color>${s.health}</Color><HealthStatus>${s.health === 'Green' ? 'Ok' : 'Info'}</HealthStatus><Status>${s.status}</Status><Causes>${s.status === 'Updating' ? '<member>Command is executing on all instances.</member>' : ''}</Causes>`,
        );
      case 'DescribeInstancesHealth':
        return xml(
          req.action,
          `<InstanceHealthList><member><InstanceId>i-0a1</InstanceId><HealthStatus>${s.health === 'Green' ? 'Ok' : 'Info'}</HealthStatus><Color>${s.health}</Color><Deployment><VersionLabel>${s.label}</VersionLabel></Deployment></member></InstanceHealthList>`,
        );
      default:
        return { status: 400, body: `not faked: ${req.service}:${req.action}` };
    }
  };
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('lsvc-deploy-bin-');
  await writeFile(join(dir, 'lsvc.yml'), `service: ${APP}\nregion: eu-west-1\nenvironments:\n  staging:\n`);
});
afterAll(async () => {
  await removeDir(dir);
});

const lsvc = (args: string[], fake: FakeAws, timeoutMs = 60_000) =>
  runCli(args, {
    cwd: dir,
    timeoutMs,
    env: {
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
    },
  });

describe('lsvc rollback through the built binary (wire-level fake Elastic Beanstalk)', () => {
  it('--to the version that already runs: says so, changes nothing, exit 0 (and --json says unchanged)', async () => {
    const state: EbState = { label: 'v1', status: 'Ready', health: 'Green', updates: [], events: [] };
    const fake = await startFakeAws(fakeEb(state, 1000));
    try {
      const r = await lsvc(['rollback', '--env', 'staging', '--to', 'v1'], fake);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('demo-bin-staging already runs v1: nothing to do, nothing was changed.');
      const json = await lsvc(['rollback', '--env', 'staging', '--to', 'v1', '--json'], fake);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        outcome: 'unchanged',
        version: 'v1',
        previousVersion: 'v1',
      });
      expect(state.updates).toEqual([]);
      expect(fake.calls.filter((c) => c.endsWith(':UpdateEnvironment'))).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('a rollback that takes 14 s: plain output never quiet over 10 s, progress lines, exit 0', async () => {
    const state: EbState = { label: 'v1', status: 'Ready', health: 'Green', updates: [], events: [] };
    const fake = await startFakeAws(fakeEb(state, 14_000));
    try {
      const started = Date.now();
      const stamps: { at: number; line: string }[] = [];
      const r = await runCli(
        ['rollback', '--env', 'staging', '--to', 'v0', '--bake', '0s', '--health-grace', '30s'],
        {
          cwd: dir,
          timeoutMs: 90_000,
          env: {
            AWS_ENDPOINT_URL: fake.url,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_MAX_ATTEMPTS: '1',
          },
          onSpawn: (child) => {
            let rest = '';
            child.stdout?.on('data', (c: Buffer) => {
              const parts = (rest + c.toString()).split('\n');
              rest = parts.pop() ?? '';
              for (const line of parts) stamps.push({ at: Date.now(), line });
            });
          },
        },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(state.updates).toEqual(['v0']);
      expect(r.stdout).toContain('Red health tolerated for 30s');
      expect(r.stdout).toMatch(/ {2}… rolling out v0 · \d+s · health Grey \(Info\) · 0\/1 instances on v0/);
      expect(r.stdout).toContain('Rolled back to v0: demo-bin-staging is Ready and Green');
      const times = [started, ...stamps.map((s) => s.at)];
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
      // 10 s, and a second for a loaded machine's scheduling.
      expect(Math.max(...gaps)).toBeLessThanOrEqual(11_000);
    } finally {
      await fake.close();
    }
  }, 120_000);

  it.each([
    [['deploy', '--env', 'staging', '--version', 'v1', '--health-grace', 'soon']],
    [['rollback', '--env', 'staging', '--health-grace', '2 minutes']],
  ])('%j: a bad --health-grace is a usage error (exit 2)', async (args) => {
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: --health-grace ".*" is not a duration\./);
  });
});
