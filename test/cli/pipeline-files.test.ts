// The files the pipeline runs: the generated GitHub workflow (checked against GitHub's workflow
// schema by @action-validator/core) and the template's buildspec.yml (a zod schema of the buildspec
// 0.2 format: no schema package for it exists on the npm registry), and the bundle the buildspec
// makes is byte for byte the one `lsvc deploy` uploads for the same version.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { validateWorkflow } from '@action-validator/core';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

import { buildBundle } from '../../src/bundle/index.js';
import { deploy } from '../../src/deploy/deploy.js';
import { projectInput } from '../../src/pipeline/resources/project.js';
import { makeContext } from '../../src/pipeline/run.js';
import type { PipelineClients } from '../../src/pipeline/types.js';
import {
  previewWorkflowText,
  pruneWorkflowText,
  workflowText,
  WORKFLOW_MARKER,
} from '../../src/pipeline/workflow.js';
import { BIN, removeDir, ROOT, tempDir } from '../support/cli.js';
import { ENV, FakeEb, healthyRollout, NAMES, TIMINGS } from './deploy-fakes.js';

const TEMPLATE = join(ROOT, 'service-template');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

const ROLE = 'arn:aws:iam::123456789012:role/shop-github-deploy';
const workflow = (over: Partial<Parameters<typeof workflowText>[0]> = {}) =>
  workflowText({
    service: 'shop',
    region: 'eu-west-1',
    roleArn: ROLE,
    branch: 'main',
    environments: ['staging', 'production'],
    approvalBefore: 'production',
    ...over,
  });

interface Job {
  needs?: string;
  environment?: string;
  'runs-on': string;
  steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
}

describe('the preview workflows', () => {
  const input = { service: 'shop', region: 'eu-west-1', roleArn: ROLE, base: 'staging' };
  interface PreviewDoc {
    on: Record<string, { types?: string[] } | { cron: string }[]>;
    jobs: Record<
      string,
      Omit<Job, 'steps' | 'environment'> & {
        if?: string;
        environment: unknown;
        steps: { id?: string; run?: string; uses?: string; with?: Record<string, unknown> }[];
      }
    >;
  }

  it('are valid against the workflow schema', () => {
    for (const text of [previewWorkflowText(input), pruneWorkflowText(input)]) {
      expect(validateWorkflow(text).errors).toEqual([]);
      expect(text.startsWith(WORKFLOW_MARKER)).toBe(true);
    }
  });

  it('pull request opened / synchronize / reopened -> up, closed -> down, through OIDC, the URL to the job summary', () => {
    const doc = parse(previewWorkflowText(input)) as PreviewDoc;
    expect(doc.on.pull_request).toEqual({ types: ['opened', 'synchronize', 'reopened', 'closed'] });
    const up = doc.jobs.up;
    const down = doc.jobs.down;
    expect(up?.if).toBe("github.event.action != 'closed'");
    expect(down?.if).toBe("github.event.action == 'closed'");
    for (const job of [up, down]) {
      const creds = job?.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      expect(creds?.with).toEqual({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    }
    expect(up?.environment).toEqual({ name: 'preview', url: '${{ steps.up.outputs.url }}' });
    expect(down?.environment).toBe('preview');
    const upRun = up?.steps.find((s) => s.id === 'up')?.run ?? '';
    expect(upRun).toContain(
      'lsvc preview up --pr "${{ github.event.pull_request.number }}" --from-env staging --yes --json',
    );
    expect(upRun).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(down?.steps.map((s) => s.run ?? '').join('\n')).toContain(
      'lsvc preview down --pr "${{ github.event.pull_request.number }}" --from-env staging --yes',
    );
  });

  it('prune runs on a schedule', () => {
    const doc = parse(pruneWorkflowText(input)) as PreviewDoc;
    expect(doc.on.schedule).toEqual([{ cron: '17 3 * * *' }]);
    expect(doc.jobs.prune?.steps.at(-1)?.run).toBe('lsvc preview prune --from-env staging --yes');
  });
});

describe('the GitHub Actions workflow', () => {
  it.each([
    ['staging then production, approval', {}],
    ['one environment', { environments: ['staging'], approvalBefore: undefined }],
    [
      'three environments, another branch',
      { environments: ['dev', 'staging', 'production'], branch: 'trunk' },
    ],
  ])('is valid against the workflow schema: %s', (_name, over) => {
    const text = workflow(over);
    expect(validateWorkflow(text).errors).toEqual([]);
    expect(text.startsWith(WORKFLOW_MARKER)).toBe(true);
  });

  it('the validator does catch a broken workflow (so the check above means something)', () => {
    const doc = parse(workflow()) as { jobs: Record<string, Record<string, unknown>> };
    delete doc.jobs['deploy-staging']?.['runs-on'];
    expect(validateWorkflow(stringify(doc)).errors.length).toBeGreaterThan(0);
    expect(validateWorkflow(workflow().replace('runs-on:', 'runs_on:')).errors.length).toBeGreaterThan(0);
  });

  it('deploys with lsvc deploy through OIDC, one job per environment in order, each in its GitHub environment', () => {
    const doc = parse(workflow()) as {
      on: { push: { branches: string[] } };
      permissions: Record<string, string>;
      jobs: Record<string, Job>;
    };
    expect(doc.on.push.branches).toEqual(['main']);
    expect(doc.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(Object.keys(doc.jobs)).toEqual(['deploy-staging', 'deploy-production']);
    const production = doc.jobs['deploy-production'] ?? { 'runs-on': '', steps: [] };
    expect(production.needs).toBe('deploy-staging');
    expect(production.environment).toBe('production');
    expect(doc.jobs['deploy-staging']?.environment).toBe('staging');
    const creds = production.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(creds?.with).toEqual({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    expect(production.steps.at(-1)).toEqual({ run: 'lsvc deploy --env production --yes' });
    // The migration check against what runs there comes first, over the whole history.
    expect(production.steps.at(-2)).toEqual({ run: 'lsvc check migrations --env production' });
    expect(production.steps[0]).toEqual({ uses: 'actions/checkout@v7', with: { 'fetch-depth': 0 } });
    expect(doc.jobs['deploy-staging']?.steps.at(-1)).toEqual({ run: 'lsvc deploy --env staging --yes' });
    expect(workflow()).toContain('# Approval: give the GitHub environment "production" required reviewers');
  });
});

// The buildspec 0.2 format (docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html),
// the parts a buildspec may use; strict, so a misspelt key fails.
const commands = z.array(z.string().min(1)).min(1);
const phase = z.strictObject({
  'run-as': z.string().optional(),
  'on-failure': z.enum(['ABORT', 'CONTINUE', 'RETRY']).optional(),
  'runtime-versions': z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  commands,
  finally: commands.optional(),
});
const buildspecSchema = z.strictObject({
  version: z.literal(0.2),
  'run-as': z.string().optional(),
  env: z
    .strictObject({
      shell: z.enum(['bash', '/bin/sh', 'sh', 'powershell.exe', 'cmd.exe', 'pwsh']).optional(),
      variables: z.record(z.string(), z.string()).optional(),
      'parameter-store': z.record(z.string(), z.string()).optional(),
      'secrets-manager': z.record(z.string(), z.string()).optional(),
      'exported-variables': z.array(z.string()).optional(),
      'git-credential-helper': z.enum(['yes', 'no']).optional(),
    })
    .optional(),
  phases: z
    .strictObject({
      install: phase.optional(),
      pre_build: phase.optional(),
      build: phase.optional(),
      post_build: phase.optional(),
    })
    .refine((p) => Object.keys(p).length > 0, 'no phase'),
  reports: z.record(z.string(), z.unknown()).optional(),
  artifacts: z
    .strictObject({
      files: z.array(z.string()).min(1),
      name: z.string().optional(),
      'discard-paths': z.enum(['yes', 'no']).optional(),
      'base-directory': z.string().optional(),
      'exclude-paths': z.array(z.string()).optional(),
      'enable-symlinks': z.enum(['yes', 'no']).optional(),
      's3-prefix': z.string().optional(),
      'secondary-artifacts': z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  cache: z.strictObject({ paths: z.array(z.string()) }).optional(),
});

describe("the template's buildspec.yml", () => {
  const text = () => readFile(join(TEMPLATE, 'buildspec.yml'), 'utf8');

  it('is a valid buildspec 0.2 (zod schema of the format)', async () => {
    const spec = buildspecSchema.parse(parse(await text()));
    expect(spec.artifacts).toEqual({ 'base-directory': 'bundle', files: ['**/*'] });
    expect(spec.phases.install?.['runtime-versions']).toEqual({ nodejs: 22 });
    // The schema rejects what CodeBuild would.
    expect(buildspecSchema.safeParse({ ...spec, version: 0.1 }).success).toBe(false);
    expect(buildspecSchema.safeParse({ ...spec, phases: { build: { command: ['x'] } } }).success).toBe(false);
  });

  it('uses the variables the CodeBuild project sets, and lsvc bundle for the artifact', async () => {
    const spec = buildspecSchema.parse(parse(await text()));
    const ctx = makeContext({
      config: {
        file: '/x/lsvc.yml',
        service: 'shop',
        region: 'eu-west-1',
        profile: undefined,
        environments: {},
      },
      settings: {
        provider: 'codepipeline',
        environments: ['staging'],
        approvalBefore: undefined,
        branch: 'main',
        repository: 'acme/shop',
        sourceProvider: 'GitHub',
        connectionArn: undefined,
        region: 'eu-west-1',
        ecrRepository: 'shop',
      },
      root: '/x',
      clients: {} as PipelineClients,
    });
    const variables = (projectInput(ctx).environment?.environmentVariables ?? []).map((v) => v.name);
    expect(variables.sort()).toEqual(['ECR_REPOSITORY_URI', 'LSVC_ENV']);
    const all = Object.values(spec.phases)
      .flatMap((p) => p.commands)
      .join('\n');
    for (const name of variables) expect(all).toContain(`$${name}`);
    // The migration check runs before the image is built and pushed (the deploy stages come after).
    expect(spec.phases.pre_build?.commands.join('\n')).toMatch(
      /if \[ -d \.git \]; then lsvc check migrations --env "\$LSVC_ENV";/,
    );
    expect(spec.phases.post_build?.commands.join('\n')).toMatch(
      /lsvc bundle --env "\$LSVC_ENV" --version "\$IMAGE_TAG" --repository-uri "\$ECR_REPOSITORY_URI" --out bundle\.zip/,
    );
  });

  it('makes the bundle lsvc deploy uploads for the same version, byte for byte', async () => {
    const spec = buildspecSchema.parse(parse(await text()));
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/little-service';
    // A service folder and an `lsvc` on PATH that is this checkout's built CLI.
    const work = await tempDir('lsvc-buildspec-');
    dirs.push(work);
    await copyFile(join(TEMPLATE, 'lsvc.yml'), join(work, 'lsvc.yml'));
    await mkdir(join(work, 'bin'));
    await writeFile(join(work, 'bin', 'lsvc'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {
      mode: 0o755,
    });
    // The tag lines of pre_build and the bundle lines of post_build, as CodeBuild runs them (one shell).
    const lines = [
      ...(spec.phases.pre_build?.commands ?? []).filter((c) => /^(GIT_SHA|IMAGE_TAG)=/.test(c)),
      ...(spec.phases.post_build?.commands ?? []).filter((c) => /lsvc bundle|unzip/.test(c)),
    ];
    expect(lines).toHaveLength(4);
    execFileSync('bash', ['-euc', lines.join('\n')], {
      cwd: work,
      env: {
        PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: work,
        NO_COLOR: '1',
        CODEBUILD_RESOLVED_SOURCE_VERSION: sha,
        ECR_REPOSITORY_URI: uri,
        LSVC_ENV: 'staging',
      },
      stdio: 'pipe',
    });
    const fromBuildspec = await readFile(join(work, 'bundle.zip'));

    // lsvc deploy of the same version (fake Elastic Beanstalk and S3): what it uploads.
    const fake = new FakeEb();
    const version = sha.slice(0, 12);
    fake.scripts.set(version, healthyRollout(version));
    await deploy(fake.deps({ publisher: fake.publisher([version]) }), {
      names: NAMES,
      envName: ENV,
      version,
      description: `git ${sha}`,
      repositoryUri: uri,
      dirty: false,
      rollback: true,
      detach: true,
      timings: TIMINGS,
    });
    // The bundle, beside the release record deploy also writes (lsvc/releases/...json).
    const uploads = [...fake.objects.entries()]
      .filter(([key]) => !key.includes('/lsvc/releases/'))
      .map(([, object]) => object);
    expect(uploads).toHaveLength(1);
    expect(fromBuildspec.equals(uploads[0]?.body ?? Buffer.alloc(0))).toBe(true);
    expect(fromBuildspec.equals((await buildBundle({ repositoryUri: uri, version })).zip)).toBe(true);

    // The artifact (what Elastic Beanstalk gets from the pipeline) is the zip's files, unchanged.
    expect(await readdir(join(work, 'bundle'))).toEqual(['docker-compose.yml']);
    const compose = await readFile(join(work, 'bundle', 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: ${uri}:${version}`);
    expect(compose).toBe(
      execFileSync('unzip', ['-p', join(work, 'bundle.zip'), 'docker-compose.yml']).toString(),
    );
  });
});
