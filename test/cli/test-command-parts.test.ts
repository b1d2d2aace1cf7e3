// The pieces of lsvc test that need no Docker: finding the service and its database engine, the
// Dockerfile's stages, the build context, reading the build stream, and --native.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { ConfigError, DockerError, InterruptedError } from '../../src/errors.js';
import { databaseName } from '../../src/testing/backing.js';
import { listBuildContext } from '../../src/testing/build-context.js';
import { BuildTracker, describeFailedStep } from '../../src/testing/build-stream.js';
import { describeServers, maskUrl, nativeCommand, runTestsNatively } from '../../src/testing/native.js';
import { checkTestStage, chooseEngine, dockerfileStages, findService } from '../../src/testing/service.js';
import { fakeProgram, readText, removeDir, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

async function dir(files: Record<string, string> = {}): Promise<string> {
  const root = await tempDir('lsvc-test-parts-');
  cleanup.push(root);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  return root;
}

const LSVC_YML = 'service: billing-api\nenvironments:\n  staging:\n';

describe('findService', () => {
  it('walks up to lsvc.yml and reads name, engine and whether a migrate script exists', async () => {
    const root = await dir({
      'lsvc.yml': `${LSVC_YML}defaults:\n  database:\n    engine: mysql\n`,
      'package.json': JSON.stringify({ scripts: { test: 'jest', migrate: 'tsx src/migrate.ts latest' } }),
      'src/deep/file.ts': '',
    });
    await expect(findService(join(root, 'src', 'deep'))).resolves.toEqual({
      dir: root,
      name: 'billing-api',
      engine: 'mysql',
      engineSource: 'lsvc.yml defaults.database.engine',
      hasMigrateScript: true,
    });
  });

  it('falls back on the db answer recorded by lsvc init, then Postgres', async () => {
    const recorded = await dir({
      'lsvc.yml': LSVC_YML,
      'package.json': '{}',
      '.lsvc/template.json': JSON.stringify({
        schema: 1,
        lsvcVersion: '0.1.0',
        template: { source: 'builtin', version: '1.0.0', hash: 'sha256:x' },
        answers: { name: 'billing-api', db: 'mysql' },
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
    });
    await expect(findService(recorded)).resolves.toMatchObject({
      engine: 'mysql',
      engineSource: '.lsvc/template.json (db)',
      hasMigrateScript: false,
    });
    const bare = await dir({ 'lsvc.yml': LSVC_YML });
    await expect(findService(bare)).resolves.toMatchObject({ engine: 'postgres', hasMigrateScript: false });
  });

  it('without lsvc.yml: ConfigError (exit 3) that says where to run it', async () => {
    const root = await dir();
    const error = (await findService(root).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`No lsvc.yml found in ${root} or any folder above it.`);
  });

  it('an invalid lsvc.yml is a ConfigError naming the line', async () => {
    const root = await dir({
      'lsvc.yml': 'service: billing-api\nenvironments:\n  staging:\n    instanceTyp: t3.small\n',
    });
    await expect(findService(root)).rejects.toThrow(
      /lsvc\.yml:4:5: environments\.staging\.instanceTyp: unknown key/,
    );
  });
});

describe('chooseEngine', () => {
  it('prefers defaults, then the environments when they agree, then the recorded answer', () => {
    const envs = (engine?: 'postgres' | 'mysql') => ({ staging: engine ? { database: { engine } } : null });
    expect(
      chooseEngine({ defaults: { database: { engine: 'postgres' } }, environments: envs('mysql') }, 'mysql')
        .engine,
    ).toBe('postgres');
    expect(chooseEngine({ environments: envs('mysql') }, 'postgres')).toEqual({
      engine: 'mysql',
      source: 'lsvc.yml environments',
    });
    expect(
      chooseEngine(
        { environments: { a: { database: { engine: 'mysql' } }, b: { database: { engine: 'postgres' } } } },
        'mysql',
      ).source,
    ).toBe('.lsvc/template.json (db)');
    expect(chooseEngine({ environments: envs() }, 'oracle')).toEqual({
      engine: 'postgres',
      source: 'default',
    });
  });

  it('names databases after the service in snake case', () => {
    expect(databaseName('billing-api-2')).toBe('billing_api_2');
  });
});

describe('the Dockerfile', () => {
  it('lists its named stages', () => {
    const text = [
      'FROM node:24-bookworm-slim AS base',
      'from base as Deps',
      'FROM --platform=$BUILDPLATFORM deps AS build',
      '# FROM fake AS commented',
      'FROM build AS test',
      'FROM node:24-bookworm-slim',
    ].join('\n');
    expect(dockerfileStages(text)).toEqual(['base', 'deps', 'build', 'test']);
  });

  it('must exist (DockerError, exit 4, pointing at --native)', async () => {
    const root = await dir();
    const error = (await checkTestStage(root).catch((e: unknown) => e)) as DockerError;
    expect(error).toBeInstanceOf(DockerError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(`There is no Dockerfile in ${root}.`);
    expect(error.hint).toMatch(/lsvc test --native/);
  });

  it('must have a test stage (the error lists the stages there are)', async () => {
    const root = await dir({ Dockerfile: 'FROM node:24 AS base\nFROM base AS runtime\n' });
    const error = (await checkTestStage(root).catch((e: unknown) => e)) as DockerError;
    expect(error.message).toBe(`The Dockerfile in ${root} has no "test" stage.`);
    expect(error.details).toEqual(['Its stages: base, runtime.']);
    expect(error.hint).toMatch(/FROM build AS test/);
    const ok = await dir({ Dockerfile: 'FROM node:24 AS base\nFROM base AS test\n' });
    await expect(checkTestStage(ok)).resolves.toBe(join(ok, 'Dockerfile'));
  });
});

describe('the build context', () => {
  it("follows .dockerignore with Docker's rules and never enters excluded folders", async () => {
    const root = await dir({
      Dockerfile: 'FROM node',
      '.dockerignore': 'node_modules\n.git\n*.log\n.env\ndist\ntmp\n',
      'package.json': '{}',
      'src/app.ts': '',
      'src/debug.log': '', // "*.log" matches at the top only, as in Docker
      'debug.log': '',
      '.env': 'SECRET=1',
      'node_modules/x/index.js': '',
      'dist/app.js': '',
      'src/tmp/keep.ts': '', // "tmp" matches ./tmp only
    });
    const context = await listBuildContext(root);
    expect(context.files).toEqual([
      '.dockerignore',
      'Dockerfile',
      'package.json',
      'src/app.ts',
      'src/debug.log',
      'src/tmp/keep.ts',
    ]);
  });

  it('brings back files with ! exceptions, and sends everything without a .dockerignore', async () => {
    const root = await dir({
      Dockerfile: 'FROM node',
      '.dockerignore': 'docs\n!docs/keep.md\n',
      'docs/drop.md': '',
      'docs/keep.md': '',
    });
    expect((await listBuildContext(root)).files).toEqual(['.dockerignore', 'Dockerfile', 'docs/keep.md']);
    const plain = await dir({ Dockerfile: 'FROM node', 'a/b.txt': '' });
    expect((await listBuildContext(plain)).files).toEqual(['Dockerfile', 'a/b.txt']);
  });
});

describe('the build stream', () => {
  it('counts cached steps (FROM never is), finds the image id, keeps the error and its step', () => {
    const lines: string[] = [];
    const tracker = new BuildTracker((line) => lines.push(line));
    tracker.push({ stream: 'Step 1/3 : FROM node AS base\n ---> abc\nStep 2/3 : COPY . .\n' });
    // Events may split lines anywhere.
    tracker.push({ stream: ' ---> Using ' });
    tracker.push({ stream: 'cache\n ---> def\nStep 3/3 : RUN npm run build\n ---> Running in 1\n' });
    tracker.push({ stream: 'src/a.ts(1,7): error TS2322\n' });
    tracker.push({
      errorDetail: { message: "The command '/bin/sh -c npm run build' returned a non-zero code: 2" },
    });
    const summary = tracker.summary();
    expect(summary.steps.map((s) => [s.instruction, s.cached])).toEqual([
      ['FROM node AS base', false],
      ['COPY . .', true],
      ['RUN npm run build', false],
    ]);
    expect({ cached: summary.cachedSteps, cacheable: summary.cacheableSteps }).toEqual({
      cached: 1,
      cacheable: 2,
    });
    expect(summary.error).toBe("The command '/bin/sh -c npm run build' returned a non-zero code: 2");
    expect(summary.failedStep?.output).toEqual(['src/a.ts(1,7): error TS2322']);
    expect(describeFailedStep(summary)).toBe('at step 3/3 (RUN npm run build)');
    expect(lines).toContain('Step 2/3 : COPY . .');
  });

  it('reads the image id from aux or from "Successfully built"; an error before any step says so', () => {
    const withAux = new BuildTracker();
    withAux.push({ stream: 'Step 1/1 : FROM node\n' });
    withAux.push({ aux: { ID: 'sha256:0123' } });
    expect(withAux.summary()).toMatchObject({ imageId: 'sha256:0123', error: undefined });
    const old = new BuildTracker();
    old.push({ stream: 'Step 1/1 : FROM node\n ---> 0123\nSuccessfully built 0123abcd\n' });
    expect(old.summary().imageId).toBe('0123abcd');
    const early = new BuildTracker();
    early.push({ error: 'Cannot locate specified Dockerfile: Dockerfile' });
    expect(describeFailedStep(early.summary())).toBe('before the first step');
  });
});

describe('--native', () => {
  it('runs npm test (-- args) in the service folder with NODE_ENV=test, and returns its exit code', async () => {
    const root = await dir({ 'node_modules/.keep': '' });
    const bin = await dir();
    await fakeProgram(
      bin,
      'npm',
      `echo "$PWD|$NODE_ENV|$DATABASE_URL|$*" > "${join(root, 'ran.txt')}"\nexit 3`,
    );
    const code = await runTestsNatively({
      dir: root,
      jestArgs: ['test/unit', '--verbose'],
      env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: 'postgres://u:p@db/x' },
      signal: new AbortController().signal,
      npm: join(bin, 'npm'),
    });
    expect(code).toBe(3);
    expect((await readText(join(root, 'ran.txt'))).trim()).toBe(
      `${root}|test|postgres://u:p@db/x|test -- test/unit --verbose`,
    );
  });

  it('without node_modules: ConfigError (exit 3) saying to install', async () => {
    const root = await dir();
    const error = (await runTestsNatively({
      dir: root,
      jestArgs: [],
      env: process.env,
      signal: new AbortController().signal,
      npm: '/bin/false',
    }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.hint).toMatch(/npm install/);
  });

  it('Ctrl-C stops npm and gives InterruptedError (130)', async () => {
    const root = await dir({ 'node_modules/.keep': '' });
    const bin = await dir();
    await fakeProgram(bin, 'npm', 'trap "exit 1" INT\nwhile true; do sleep 0.05; done');
    const abort = new AbortController();
    setTimeout(() => {
      abort.abort();
    }, 200);
    const started = Date.now();
    const error = await runTestsNatively({
      dir: root,
      jestArgs: [],
      env: process.env,
      signal: abort.signal,
      npm: join(bin, 'npm'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('shows the servers without passwords', () => {
    expect(nativeCommand([])).toEqual(['test']);
    expect(maskUrl('postgres://postgres:secret@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres:***@127.0.0.1:5432/postgres',
    );
    expect(describeServers({ DATABASE_URL: 'mysql://root:pw@db:3306/mysql' })).toEqual([
      'DATABASE_URL=mysql://root:***@db:3306/mysql',
      "REDIS_URL is not set: the tests' own default applies",
    ]);
  });
});
