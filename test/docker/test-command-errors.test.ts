// lsvc test's clear failures, through the built binary: Docker unreachable, no Dockerfile, no
// `test` stage, a test stage that does not build, outside a service, stray arguments.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { type CliResult, removeDir, runCli, tempDir } from '../support/cli.js';
import {
  docker,
  generateService,
  labelled,
  NOTHING,
  removeLabelled,
  uniqueServiceName,
} from './test-command-support.js';

const name = uniqueServiceName('lsvc-tce');
let parent = '';
let service = '';

beforeAll(async () => {
  parent = await tempDir('lsvc-test-errors-');
  service = (await generateService(parent, name)).dir;
}, 120_000);

afterAll(async () => {
  await removeLabelled(`dev.lsvc.service=${name}`);
  await docker(['image', 'rm', '-f', `${name}:test`]).catch(() => undefined);
  await removeDir(parent);
}, 120_000);

/** Exit code as documented, one "Error:" line first, a hint, no stack trace. */
function expectCleanFailure(r: CliResult, code: number, message: RegExp) {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.any(String) });
  const [first = ''] = r.stderr.split('\n');
  expect(first).toMatch(/^Error: /);
  expect(first).toMatch(message);
  expect(r.stderr).toMatch(/^Hint: /m);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}

describe('lsvc test fails clearly', () => {
  it.each([
    ['a dead socket', 'unix:///nonexistent/docker.sock', /ENOENT/],
    ['a closed port', 'tcp://127.0.0.1:1', /ECONNREFUSED/],
  ])('Docker unreachable (DOCKER_HOST at %s): exit 4, fast', async (_what, host, reason) => {
    const started = Date.now();
    const result = await runCli(['test'], { cwd: service, env: { DOCKER_HOST: host } });
    expectCleanFailure(result, 4, /^Error: Docker is not reachable at /);
    expect(result.stderr.split('\n')[0]).toMatch(reason);
    expect(result.stderr).toContain('DOCKER_HOST');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('no test stage in the Dockerfile: exit 4, with the stages there are and how to add one', async () => {
    await writeFile(
      join(service, 'Dockerfile'),
      'FROM node:24-bookworm-slim AS base\nFROM base AS runtime\n',
    );
    const result = await runCli(['test'], { cwd: service });
    expectCleanFailure(result, 4, /has no "test" stage\.$/);
    expect(result.stderr).toContain('Its stages: base, runtime.');
    expect(result.stderr).toContain('FROM build AS test');
  });

  it('no Dockerfile: exit 4, pointing at --native', async () => {
    await rm(join(service, 'Dockerfile'));
    const result = await runCli(['test'], { cwd: join(service, 'src') });
    expectCleanFailure(result, 4, new RegExp(`^Error: There is no Dockerfile in ${service}\\.$`));
    expect(result.stderr).toContain('lsvc test --native');
  });

  it('a test stage that does not build: exit 4 naming the step and its output; nothing left behind', async () => {
    await writeFile(
      join(service, 'Dockerfile'),
      'FROM node:24-bookworm-slim AS test\nRUN echo "compiling the service" && echo "src/web.ts: syntax error" >&2 && exit 3\n',
    );
    const result = await runCli(['test'], { cwd: service, timeoutMs: 300_000 });
    expectCleanFailure(
      result,
      4,
      /^Error: Building the test image failed at step 2\/\d+ \(RUN echo "compiling/,
    );
    expect(result.stderr).toContain('src/web.ts: syntax error');
    expect(result.stderr).toContain('returned a non-zero code: 3');
    expect(result.stdout).not.toContain('Running the tests');
    expect(await labelled(`dev.lsvc.service=${name}`)).toEqual(NOTHING);
  });

  it('outside a service: exit 3', async () => {
    const result = await runCli(['test'], { cwd: parent });
    expectCleanFailure(result, 3, /^Error: No lsvc\.yml found in /);
  });

  it('arguments for jest without --: exit 2 with the right spelling', async () => {
    const result = await runCli(['test', 'test/unit'], { cwd: service });
    expectCleanFailure(result, 2, /^Error: Unexpected argument test\/unit\.$/);
    expect(result.stderr).toContain('lsvc test -- test/unit');
  });
});
