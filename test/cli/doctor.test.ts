import { describe, expect, it } from '@jest/globals';

import { type DoctorDeps, runDoctor } from '../../src/doctor/checks.js';
import { renderReport } from '../../src/doctor/render.js';
import { ConfigError } from '../../src/errors.js';
import type { RunResult } from '../../src/exec.js';
import { makePaint } from '../../src/ui.js';

const ran = (code: number, stdout = ''): RunResult => ({ code, stdout, stderr: '', timedOut: false });

/** A machine where everything works; each test breaks one thing. */
function healthy(over: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    nodeVersion: '24.11.0',
    env: {},
    exec: async (cmd, args) => {
      if (cmd === 'git') return ran(0, 'git version 2.47.0\n');
      if (cmd === 'docker' && args[0] === 'compose') return ran(0, 'v2.30.3\n');
      return ran(127);
    },
    dockerVersion: async () => ({ version: '27.3.1', apiVersion: '1.47' }),
    awsTarget: {
      profile: undefined,
      profileSource: undefined,
      region: 'eu-west-1',
      regionSource: 'AWS_REGION',
    },
    sdkRegion: async () => undefined,
    awsIdentity: async () => ({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/dev' }),
    loadConfig: async () => ({
      file: '/svc/lsvc.yml',
      service: 'demo',
      environments: ['staging', 'production'],
    }),
    timeoutMs: 200,
    ...over,
  };
}

const named = (name: string, props: Record<string, string>) =>
  Object.assign(new Error(props.message ?? name), { name });

describe('doctor', () => {
  it('passes on a healthy machine (exit 0) and shows versions, account and ARN', async () => {
    const report = await runDoctor(healthy());
    expect(report).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['node', 'ok'],
      ['git', 'ok'],
      ['docker', 'ok'],
      ['compose', 'ok'],
      ['aws-credentials', 'ok'],
      ['aws-region', 'ok'],
      ['config', 'ok'],
    ]);
    const text = renderReport(report, makePaint(false)).join('\n');
    expect(text).toMatch(/ok {4}Docker engine {4}27\.3\.1 \(API 1\.47\)/);
    expect(text).toContain('account 123456789012, arn:aws:iam::123456789012:user/dev');
    expect(text).toContain('All required checks passed.');
  });

  it.each([
    ['old Node', { nodeVersion: '20.19.0' }, 'node', 3],
    ['no git', { exec: async (cmd: string) => (cmd === 'git' ? ran(127) : ran(0, 'v2.30.0')) }, 'git', 3],
    [
      'Docker down',
      { dockerVersion: async () => Promise.reject(new Error('connect ECONNREFUSED /var/run/docker.sock')) },
      'docker',
      4,
    ],
    [
      'no compose',
      { exec: async (cmd: string) => (cmd === 'git' ? ran(0, 'git version 2') : ran(1)) },
      'compose',
      4,
    ],
    [
      'rejected credentials',
      {
        awsIdentity: async () =>
          Promise.reject(
            named('InvalidClientTokenId', {
              message: 'The security token included in the request is invalid.',
            }),
          ),
      },
      'aws-credentials',
      5,
    ],
    [
      'AWS unreachable',
      { awsIdentity: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) },
      'aws-credentials',
      5,
    ],
    [
      'broken lsvc.yml',
      {
        loadConfig: async () =>
          Promise.reject(
            new ConfigError('lsvc.yml:3:1: servce: unknown key', { hint: 'Allowed here: service' }),
          ),
      },
      'config',
      3,
    ],
  ] as [string, Partial<DoctorDeps>, string, number][])(
    '%s: that check fails with a fix, exit code as documented',
    async (_what, over, id, exitCode) => {
      const report = await runDoctor(healthy(over));
      const check = report.checks.find((c) => c.id === id);
      expect(check?.status).toBe('fail');
      expect(check?.fix).toBeTruthy();
      expect(report).toMatchObject({ ok: false, exitCode });
      expect(renderReport(report, makePaint(false)).join('\n')).toMatch(new RegExp(`fail  .*\\n\\s+fix: `));
    },
  );

  it('only warns for missing credentials or region, and for compose v1', async () => {
    const report = await runDoctor(
      healthy({
        awsTarget: {
          profile: undefined,
          profileSource: undefined,
          region: undefined,
          regionSource: undefined,
        },
        awsIdentity: async () =>
          Promise.reject(
            named('CredentialsProviderError', { message: 'Could not load credentials from any providers' }),
          ),
        exec: async (cmd) =>
          cmd === 'git' ? ran(0, 'git version 2') : cmd === 'docker-compose' ? ran(0, '1.29.2\n') : ran(1),
      }),
    );
    expect(report.checks.filter((c) => c.status === 'warn').map((c) => c.id)).toEqual([
      'compose',
      'aws-credentials',
      'aws-region',
    ]);
    expect(report).toMatchObject({ ok: true, exitCode: 0 });
    expect(renderReport(report, makePaint(false)).at(-1)).toBe('All required checks passed (3 warnings).');
  });

  it('takes the region from ~/.aws/config when nothing else sets it', async () => {
    const report = await runDoctor(
      healthy({
        awsTarget: {
          profile: 'dev',
          profileSource: 'AWS_PROFILE',
          region: undefined,
          regionSource: undefined,
        },
        sdkRegion: async (profile) => (profile === 'dev' ? 'us-west-2' : undefined),
      }),
    );
    expect(report.checks.find((c) => c.id === 'aws-region')?.message).toBe('us-west-2 (from ~/.aws/config)');
  });

  it('skips the lsvc.yml check outside a service', async () => {
    const report = await runDoctor(healthy({ loadConfig: async () => undefined }));
    expect(report.checks.find((c) => c.id === 'config')).toMatchObject({ status: 'skip' });
    expect(report.ok).toBe(true);
  });

  it('never waits longer than its timeout for Docker or AWS', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    const report = await runDoctor(
      healthy({ dockerVersion: () => never, awsIdentity: () => never, timeoutMs: 100 }),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.checks.find((c) => c.id === 'docker')?.message).toMatch(/did not answer within 0.1 s/);
    expect(report.checks.find((c) => c.id === 'aws-credentials')?.status).toBe('fail');
    expect(report.exitCode).toBe(4);
  });
});
