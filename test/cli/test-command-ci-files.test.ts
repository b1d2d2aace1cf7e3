// The template's CI files (GitHub Actions, CircleCI, CodeBuild), base and `--db mysql` variant:
// they parse, have the structure their CI system requires, run `lsvc test` (with a path without
// Docker kept), and tag images with 12 characters of the commit as `lsvc build` does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parseDocument } from 'yaml';

import { ROOT } from '../support/cli.js';

const TEMPLATE = join(ROOT, 'service-template');
const MYSQL = join(TEMPLATE, 'template-variants', 'db-mysql');

type Yaml = Record<string, unknown>;

function load(path: string): Yaml {
  const doc = parseDocument(readFileSync(path, 'utf8'), { uniqueKeys: true, prettyErrors: true });
  expect({
    path,
    errors: doc.errors.map((e) => e.message),
    warnings: doc.warnings.map((w) => w.message),
  }).toEqual({
    path,
    errors: [],
    warnings: [],
  });
  return doc.toJS() as Yaml;
}

const obj = (value: unknown): Yaml => {
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as Yaml;
};
const list = (value: unknown): unknown[] => {
  expect(Array.isArray(value)).toBe(true);
  return value as unknown[];
};

interface GhStep {
  uses?: string;
  run?: string;
  with?: Yaml;
  name?: string;
}

const variants = [
  { name: 'postgres', dir: TEMPLATE, image: 'postgres:15-bookworm', scheme: 'postgres://', port: '5432' },
  { name: 'mysql', dir: MYSQL, image: 'mariadb:10.11', scheme: 'mysql://', port: '3306' },
];

describe.each(variants)('GitHub Actions ($name)', ({ dir, image, scheme, port }) => {
  const workflow = load(join(dir, '.github', 'workflows', 'ci.yml'));
  const jobs = obj(workflow.jobs);
  const steps = (job: string) => list(obj(jobs[job]).steps) as GhStep[];
  const runs = (job: string) => steps(job).flatMap((s) => (s.run ? [s.run.trim()] : []));

  it('is a workflow: triggers, and every job has runs-on and steps with either uses or run', () => {
    expect(Object.keys(obj(workflow.on))).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(Object.keys(jobs).sort()).toEqual(['docker', 'test', 'test-native']);
    for (const [id, job] of Object.entries(jobs)) {
      expect({ id, runsOn: obj(job)['runs-on'] }).toEqual({ id, runsOn: 'ubuntu-latest' });
      for (const step of steps(id)) {
        expect(Number(step.uses !== undefined) + Number(step.run !== undefined)).toBe(1);
        if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
      }
    }
  });

  it('the test job runs lint, typecheck, then lsvc test on Node 24, installed by one obvious line', () => {
    const setup = steps('test').find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with?.['node-version']).toBe(24);
    expect(runs('test')).toEqual([
      'npm ci',
      'npm run lint',
      'npm run typecheck',
      'npm install -g lsvc',
      'lsvc test',
    ]);
    // lsvc brings up its own containers: no service containers here.
    expect(obj(jobs.test).services).toBeUndefined();
  });

  it('keeps a path without Docker: one variable switches to npm test against service containers', () => {
    expect(obj(jobs.test).if).toBe("vars.TESTS_WITHOUT_DOCKER != 'true'");
    expect(obj(jobs.docker).if).toBe("vars.TESTS_WITHOUT_DOCKER != 'true'");
    expect(obj(jobs['test-native']).if).toBe("vars.TESTS_WITHOUT_DOCKER == 'true'");
    const native = obj(jobs['test-native']);
    const services = Object.values(obj(native.services)).map((s) => obj(s));
    expect(services.map((s) => s.image)).toEqual([image, 'redis:7-bookworm']);
    expect(services.map((s) => list(s.ports)[0])).toEqual([`${port}:${port}`, '6379:6379']);
    for (const s of services) expect(s.options).toMatch(/--health-cmd "[^"]+"/);
    const env = obj(native.env);
    expect(env.DATABASE_URL).toMatch(new RegExp(`^${scheme}[^@]+@127\\.0\\.0\\.1:${port}/`));
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(runs('test-native')).toEqual(['npm ci', 'npm run lint', 'npm run typecheck', 'npm test']);
  });

  it('tags the image with the first 12 characters of the commit', () => {
    const build = runs('docker').find((r) => r.startsWith('docker build')) ?? '';
    expect(build).toContain('--tag "little-service:${GITHUB_SHA::12}"');
    const sha = 'a'.repeat(12) + 'b'.repeat(28);
    const tag = execFileSync('bash', ['-c', 'echo "${GITHUB_SHA::12}"'], { env: { GITHUB_SHA: sha } })
      .toString()
      .trim();
    expect(tag).toBe('a'.repeat(12));
  });
});

describe.each(variants)('CircleCI ($name)', ({ dir, image, scheme, port }) => {
  const config = load(join(dir, '.circleci', 'config.yml'));
  const jobs = obj(config.jobs);
  const steps = (job: string) => list(obj(jobs[job]).steps);
  const runs = (job: string) =>
    steps(job).flatMap((s) => {
      if (typeof s === 'string') return [];
      const run = obj(s).run;
      if (run === undefined) return [];
      return [typeof run === 'string' ? run.trim() : String(obj(run).command).trim()];
    });
  const stepNames = (job: string) =>
    steps(job).map((s) => (typeof s === 'string' ? s : Object.keys(obj(s))[0]));

  it('is a 2.1 config: every job has an executor and steps; workflows name existing jobs', () => {
    expect(config.version).toBe(2.1);
    const commands = Object.keys(obj(config.commands));
    const builtIn = ['checkout', 'setup_remote_docker', 'run', 'restore_cache', 'save_cache'];
    for (const [id, job] of Object.entries(jobs)) {
      const j = obj(job);
      expect({ id, executor: Boolean(j.executor ?? j.docker ?? j.machine) }).toEqual({ id, executor: true });
      for (const name of stepNames(id)) expect([...builtIn, ...commands]).toContain(name);
    }
    if (config.executors) {
      for (const executor of Object.values(obj(config.executors))) expect(obj(executor).docker).toBeDefined();
    }
    const workflows = obj(config.workflows);
    for (const workflow of Object.values(workflows)) {
      for (const job of list(obj(workflow).jobs)) expect(Object.keys(jobs)).toContain(job);
    }
  });

  it('the test job runs lint, typecheck, then lsvc test on a remote Docker engine', () => {
    const names = stepNames('test');
    expect(names.indexOf('setup_remote_docker')).toBeGreaterThan(-1);
    expect(runs('test')).toEqual([
      'npm run lint',
      'npm run typecheck',
      'sudo npm install -g lsvc',
      'lsvc test',
    ]);
    expect(names.indexOf('setup_remote_docker')).toBeLessThan(names.lastIndexOf('run'));
    expect(obj(jobs.test).executor).toBe('node');
    const executor = obj(obj(config.executors).node);
    expect(obj(list(executor.docker)[0]).image).toMatch(/^cimg\/node:24\./);
  });

  it('keeps a path without Docker: a pipeline parameter switches to npm test with secondary containers', () => {
    const parameter = obj(obj(config.parameters)['tests-without-docker']);
    expect(parameter).toMatchObject({ type: 'boolean', default: false });
    const workflows = obj(config.workflows);
    expect(obj(workflows.ci)).toMatchObject({
      when: { not: '<< pipeline.parameters.tests-without-docker >>' },
      jobs: ['test', 'docker'],
    });
    expect(obj(workflows['ci-without-docker'])).toMatchObject({
      when: '<< pipeline.parameters.tests-without-docker >>',
      jobs: ['test-native'],
    });
    const native = obj(jobs['test-native']);
    const images = list(native.docker).map((d) => obj(d).image);
    expect(images).toEqual([expect.stringMatching(/^cimg\/node:24\./), image, 'redis:7-bookworm']);
    expect(obj(native.environment).DATABASE_URL).toMatch(
      new RegExp(`^${scheme}[^@]+@127\\.0\\.0\\.1:${port}/`),
    );
    expect(runs('test-native').at(-1)).toBe('npm test');
    expect(runs('test-native').join('\n')).toContain(`tcp://127.0.0.1:${port}`);
  });

  it('tags the image with the first 12 characters of the commit', () => {
    expect(runs('docker').join('\n')).toContain('--tag "little-service:${CIRCLE_SHA1:0:12}"');
  });
});

describe('CodeBuild buildspec.yml', () => {
  const spec = load(join(TEMPLATE, 'buildspec.yml'));
  const phase = (name: string) => list(obj(obj(spec.phases)[name]).commands).map(String);

  it('is a 0.2 buildspec with bash, four phases and the bundle as the artifact', () => {
    expect(spec.version).toBe(0.2);
    expect(obj(spec.env).shell).toBe('bash');
    expect(Object.keys(obj(spec.phases))).toEqual(['install', 'pre_build', 'build', 'post_build']);
    expect(obj(spec.artifacts)).toEqual({ 'base-directory': 'bundle', files: ['**/*'] });
  });

  it('tags with the first 12 characters of the commit, labels with all of it, and needs a commit', () => {
    const tagLines = phase('pre_build').filter((c) => /^(GIT_SHA|IMAGE_TAG)=/.test(c));
    const script = `set -eu\n${tagLines.join('\n')}\necho "$GIT_SHA $IMAGE_TAG"`;
    const sha = '0123456789ab' + 'c'.repeat(28);
    const out = execFileSync('bash', ['-c', script], { env: { CODEBUILD_RESOLVED_SOURCE_VERSION: sha } })
      .toString()
      .trim();
    expect(out).toBe(`${sha} 0123456789ab`);
    let failure = '';
    try {
      execFileSync('bash', ['-c', script], { env: {}, stdio: 'pipe' });
    } catch (error) {
      failure = String((error as { stderr?: Buffer }).stderr);
    }
    expect(failure).toContain('no commit to tag the image with');
    const build = phase('build').join('\n');
    expect(build).toContain('--build-arg GIT_SHA="$GIT_SHA"');
    expect(build).toContain('--tag "$ECR_REPOSITORY_URI:$IMAGE_TAG"');
    expect(phase('post_build')).toContain('docker push "$ECR_REPOSITORY_URI:$IMAGE_TAG"');
  });
});

describe('the MySQL variant', () => {
  it('differs from the base only in its database: the lsvc test and docker jobs are the same', () => {
    const base = obj(load(join(TEMPLATE, '.github', 'workflows', 'ci.yml')).jobs);
    const mysql = obj(load(join(MYSQL, '.github', 'workflows', 'ci.yml')).jobs);
    expect(mysql.test).toEqual(base.test);
    expect(mysql.docker).toEqual(base.docker);
    const baseCircle = load(join(TEMPLATE, '.circleci', 'config.yml'));
    const mysqlCircle = load(join(MYSQL, '.circleci', 'config.yml'));
    expect(obj(mysqlCircle.jobs).test).toEqual(obj(baseCircle.jobs).test);
    expect(obj(mysqlCircle.jobs).docker).toEqual(obj(baseCircle.jobs).docker);
    expect(mysqlCircle.workflows).toEqual(baseCircle.workflows);
  });
});
