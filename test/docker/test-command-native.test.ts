// `lsvc test --native` on a generated service, against the machine's own Postgres and Redis (what
// a CI runner without Docker provides with service containers). No Docker object may appear.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { removeDir, runCli, tempDir } from '../support/cli.js';
import {
  expectExit,
  generateService,
  labelled,
  NOTHING,
  suitesRun,
  uniqueServiceName,
} from './test-command-support.js';

const name = uniqueServiceName('lsvc-tcn');
const servers = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};
let parent = '';
let service = '';
let fullSuites = 0;

beforeAll(async () => {
  parent = await tempDir('lsvc-test-native-');
  service = (await generateService(parent, name)).dir;
  // What the user does once: install the service's dependencies.
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: service, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`npm ci failed: ${stderr}`));
        else resolve();
      },
    );
  });
}, 660_000);

afterAll(async () => {
  await removeDir(parent);
});

describe('lsvc test --native', () => {
  it('runs npm test on this machine against DATABASE_URL / REDIS_URL, exits 0, uses no Docker', async () => {
    const result = await runCli(['test', '--native'], { cwd: service, env: servers, timeoutMs: 600_000 });
    expectExit(result, 0);
    expect(result.stdout).toContain(`Running the tests: npm test in ${service}`);
    expect(result.stdout).toContain(`DATABASE_URL=${servers.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`);
    expect(result.stderr + result.stdout).toMatch(/^Tests:\s+\d+ passed, \d+ total$/m);
    expect(result.stdout).toMatch(/Tests passed in [\d.]+ s\.\n$/);
    fullSuites = suitesRun(result.stderr + result.stdout);
    expect(await labelled(`dev.lsvc.service=${name}`)).toEqual(NOTHING);
  }, 600_000);

  it('passes arguments after -- to jest and exits with the tests’ code when one fails', async () => {
    await writeFile(
      join(service, 'test', 'unit', 'fail.test.ts'),
      "import { expect, test } from '@jest/globals';\n\ntest('deliberately fails', () => {\n  expect(1).toBe(2);\n});\n",
    );
    const result = await runCli(['test', '--native', '--', 'test/unit'], {
      cwd: service,
      env: servers,
      timeoutMs: 600_000,
    });
    expectExit(result, 1);
    const output = result.stderr + result.stdout;
    expect(result.stdout).toContain('Running the tests: npm test -- test/unit');
    expect(output).toContain('FAIL test/unit/fail.test.ts');
    expect(output).toContain('deliberately fails');
    expect(fullSuites).toBeGreaterThan(0);
    expect(suitesRun(output)).toBeLessThan(fullSuites);
    expect(result.stdout).toContain('Tests failed (npm test exited with 1)');
  }, 600_000);
});
