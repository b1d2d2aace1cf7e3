// lsvc iam-policy: a valid IAM policy document, scoped to the service, that covers every AWS call
// lsvc makes (collected from the sources, so a new call without a policy line fails here).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import {
  actionMatches,
  IAM_PREFIX_BY_PACKAGE,
  iamAction,
  lsvcPolicy,
  MANAGED_POLICY_LIMIT,
  splitPolicy,
  type PolicyDocument,
  policyAllows,
} from '../../src/aws/iam.js';
import { removeDir, ROOT, runCli } from '../support/cli.js';
import { serviceDir } from './provision-fake-aws.js';

const YML = `service: shop
region: eu-west-1
environments:
  staging: {}
  production: {}
`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `XCommand` imported from an @aws-sdk/client-* package in commands/ and src/, as IAM actions. */
function actionsLsvcCalls(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'commands'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
    )) {
      const pkg = m[2] ?? '';
      const prefix = IAM_PREFIX_BY_PACKAGE[pkg];
      const names = (m[1] ?? '')
        .split(',')
        .map((s) => s.trim().replace(/^type\s+/, ''))
        .filter((s) => /^\w+Command$/.test(s));
      for (const name of names) {
        if (!prefix) throw new Error(`${pkg} has no IAM prefix in IAM_PREFIX_BY_PACKAGE`);
        // Only commands that are sent: `new XCommand(`.
        if (!new RegExp(`new ${name}\\(`).test(text)) continue;
        const action = iamAction(prefix, name);
        found.set(action, [...(found.get(action) ?? []), relative(ROOT, file)]);
      }
    }
  }
  return found;
}

const policy = (env?: string) =>
  lsvcPolicy({
    scope: { partition: 'aws', region: 'eu-west-1', account: '*' },
    service: 'shop',
    env,
    repository: 'shop',
  }).document;

describe('the policy lsvc needs', () => {
  const calls = actionsLsvcCalls();

  it('finds the calls of every part of lsvc (provision, deploy, status, logs, env, destroy)', () => {
    for (const action of [
      'ecr:CreateRepository',
      'elasticbeanstalk:CreateEnvironment',
      'rds:CreateDBInstance',
      'elasticache:CreateReplicationGroup',
      'cloudwatch:PutMetricAlarm',
    ]) {
      expect([...calls.keys()]).toContain(action);
    }
    expect(calls.size).toBeGreaterThan(60);
  });

  it.each([undefined, 'staging'])('allows every action lsvc calls (env %s)', (env) => {
    const doc = policy(env);
    const missing = [...calls.entries()]
      .filter(([action]) => !policyAllows(doc, action))
      .map(([a, files]) => `${a} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('is a valid IAM policy document with unique statement ids and no wildcards over everything', () => {
    const doc = policy();
    expect(doc.Version).toBe('2012-10-17');
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of doc.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe('Allow');
      expect(s.Action.length).toBeGreaterThan(0);
      for (const a of s.Action) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
      // Never everything, never all of IAM or STS.
      for (const broad of ['*', 'iam:*', 'sts:*', 's3:*', 'ec2:*']) expect(s.Action).not.toContain(broad);
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      expect(resources.length).toBeGreaterThan(0);
    }
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('scopes what it can to the service (and the environment)', () => {
    const scoped = (doc: PolicyDocument, sid: string) =>
      [doc.Statement.find((s) => s.Sid === sid)?.Resource ?? []].flat();
    expect(scoped(policy(), 'EcrRepository')).toEqual(['arn:aws:ecr:eu-west-1:*:repository/shop']);
    expect(scoped(policy('staging'), 'Secrets')).toEqual([
      'arn:aws:secretsmanager:eu-west-1:*:secret:lsvc/shop/staging/*',
    ]);
    expect(scoped(policy('staging'), 'Alarms')).toEqual([
      'arn:aws:cloudwatch:eu-west-1:*:alarm:shop-staging-*',
    ]);
    expect(scoped(policy(), 'Alarms')).toEqual(['arn:aws:cloudwatch:eu-west-1:*:alarm:shop-*-*']);
    expect(scoped(policy(), 'PassRoles')).toEqual(['arn:aws:iam::*:role/shop-*']);
    expect(policy().Statement.find((s) => s.Sid === 'Network')?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/lsvc:service': 'shop' },
    });
    // Every statement that can be scoped is.
    for (const s of policy().Statement) {
      const resources = [s.Resource].flat();
      // Unscopable: '*' (describe calls, EB's own resources) and the default VPC.
      if (resources.every((r) => r === '*' || r.endsWith(':vpc/*')) || s.Condition) continue;
      // The service's name, Elastic Beanstalk's own naming (awseb-..., elasticbeanstalk-<region>-...),
      // or RDS's default option and parameter groups (named by CreateDBInstance).
      const named = resources.every((r) =>
        /shop|awseb-|elasticbeanstalk[-:]|\/aws\/elasticbeanstalk\/|:(og|pg):default\*$/.test(r),
      );
      expect([s.Sid, named]).toEqual([s.Sid, true]);
    }
  });

  it('matches actions the way IAM does', () => {
    expect(actionMatches('ec2:Describe*', 'ec2:DescribeVpcs')).toBe(true);
    expect(actionMatches('ec2:describe*', 'EC2:DescribeVpcs')).toBe(true);
    expect(actionMatches('ec2:Describe*', 'ec2:CreateVpc')).toBe(false);
    expect(iamAction('s3', 'HeadObjectCommand')).toBe('s3:GetObject');
    expect(iamAction('elasticbeanstalk', 'UpdateEnvironmentCommand')).toBe(
      'elasticbeanstalk:UpdateEnvironment',
    );
  });
});

describe('lsvc iam-policy (built binary)', () => {
  it('--json prints the parts: each within the IAM managed-policy limit, together the whole policy', async () => {
    const cwd = await serviceDir(YML);
    dirs.push(cwd);
    const r = await runCli(['iam-policy', '--env', 'staging', '--account', '123456789012', '--json'], {
      cwd,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const parts = JSON.parse(r.stdout) as PolicyDocument[];
    const whole = lsvcPolicy({
      scope: { partition: 'aws', region: 'eu-west-1', account: '123456789012' },
      service: 'shop',
      env: 'staging',
      repository: 'shop',
    }).document;
    // Larger than one managed policy may be: more than one part, each one fits.
    expect(JSON.stringify(whole).length).toBeGreaterThan(MANAGED_POLICY_LIMIT);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.Version).toBe('2012-10-17');
      expect(JSON.stringify(part).replace(/\s/g, '').length).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    }
    expect(parts.flatMap((part) => part.Statement)).toEqual(whole.Statement);

    const second = await runCli(
      ['iam-policy', '--env', 'staging', '--account', '123456789012', '--json', '--part', '2'],
      { cwd },
    );
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(parts[1]);
    const beyond = await runCli(
      [
        'iam-policy',
        '--env',
        'staging',
        '--account',
        '123456789012',
        '--json',
        '--part',
        String(parts.length + 1),
      ],
      { cwd },
    );
    expect(beyond.code).toBe(2);
    expect(beyond.stdout).toContain(`the policy has ${String(parts.length)} part(s)`);
  });

  it('prints a comment above each statement; without them they are the same documents', async () => {
    const cwd = await serviceDir(YML);
    dirs.push(cwd);
    const r = await runCli(['iam-policy'], { cwd, env: { AWS_REGION: 'us-east-2' } });
    expect(r.code).toBe(0);
    const whole = lsvcPolicy({
      scope: { partition: 'aws', region: 'us-east-2', account: '*' },
      service: 'shop',
      env: undefined,
      repository: 'shop',
    }).document;
    const expected = splitPolicy(whole);
    const texts = r.stdout.trimEnd().split('\n\n');
    expect(texts).toHaveLength(expected.length);
    texts.forEach((text, i) => {
      const lines = text.split('\n');
      expect(lines[0]).toContain(`part ${String(i + 1)} of ${String(expected.length)}`);
      const comments = lines.filter((l) => l.trim().startsWith('//'));
      const doc = JSON.parse(lines.filter((l) => !l.trim().startsWith('//')).join('\n')) as PolicyDocument;
      expect(doc).toEqual(expected[i]);
      // Two header lines, then one per statement, right above it.
      expect(comments).toHaveLength(doc.Statement.length + 2);
      for (const st of doc.Statement) {
        const at = lines.findIndex((l) => l.includes(`"Sid": "${st.Sid}"`));
        expect(lines[at - 2]?.trim()).toMatch(/^\/\/ \S/);
      }
    });
  });

  it('refuses a malformed --account (exit 2)', async () => {
    const cwd = await serviceDir(YML);
    dirs.push(cwd);
    const r = await runCli(['iam-policy', '--account', '12345'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--account must be a 12-digit AWS account id/);
  });
});
