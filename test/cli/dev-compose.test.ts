// Compose CLI detection (v2 plugin, else v1) and how lsvc calls it, with a fake exec.
import { describe, expect, it } from '@jest/globals';

import {
  composeArgs,
  detectCompose,
  normaliseProjectName,
  progressLine,
  requireCompose,
  runCompose,
} from '../../src/docker/compose.js';
import type { RunOptions, RunResult } from '../../src/exec.js';

const ran = (code: number | null, stdout = ''): RunResult => ({ code, stdout, stderr: '', timedOut: false });

function fakeExec(answers: Record<string, RunResult>) {
  const calls: { command: string; args: string[]; opts: RunOptions | undefined }[] = [];
  const exec = async (command: string, args: string[], opts?: RunOptions) => {
    calls.push({ command, args, opts });
    return answers[`${command} ${args.join(' ')}`] ?? ran(null);
  };
  return { exec, calls };
}

describe('detectCompose', () => {
  it('prefers the v2 plugin', async () => {
    const { exec, calls } = fakeExec({
      'docker compose version --short': ran(0, 'v2.30.3\n'),
      'docker-compose version --short': ran(0, '1.29.2\n'),
    });
    expect(await detectCompose(exec)).toEqual({
      command: 'docker',
      prefix: ['compose'],
      major: 2,
      version: '2.30.3',
      display: 'docker compose',
    });
    expect(calls.map((c) => c.command)).toEqual(['docker']);
  });

  it('falls back to docker-compose v1 when the plugin is missing', async () => {
    const { exec, calls } = fakeExec({
      'docker compose version --short': ran(1),
      'docker-compose version --short': ran(0, '1.29.2\n'),
    });
    expect(await detectCompose(exec)).toMatchObject({
      command: 'docker-compose',
      prefix: [],
      major: 1,
      version: '1.29.2',
    });
    expect(calls.map((c) => `${c.command} ${c.args.join(' ')}`)).toEqual([
      'docker compose version --short',
      'docker-compose version --short',
    ]);
  });

  it('returns undefined when neither runs, and requireCompose exits 4 with an install hint', async () => {
    const { exec } = fakeExec({});
    expect(await detectCompose(exec)).toBeUndefined();
    await expect(requireCompose(exec)).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/Docker Compose is not installed/),
      hint: expect.stringMatching(/docs\.docker\.com\/compose\/install/),
    });
  });

  it('passes its timeout to every probe', async () => {
    const { exec, calls } = fakeExec({});
    await detectCompose(exec, 1234);
    expect(calls.every((c) => c.opts?.timeoutMs === 1234)).toBe(true);
  });
});

describe('running compose', () => {
  const v1 = {
    command: 'docker-compose',
    prefix: [],
    major: 1 as const,
    version: '1.29.2',
    display: 'docker-compose',
  };
  const v2 = {
    command: 'docker',
    prefix: ['compose'],
    major: 2 as const,
    version: '2.30.3',
    display: 'docker compose',
  };
  const project = (cli: typeof v1 | typeof v2) => ({
    cli,
    name: 'billing-api',
    dir: '/src/billing-api',
    files: ['/src/billing-api/docker-compose.yml', '/tmp/labels.yml'],
    env: { PORT: '3001' },
  });

  it('gives both forms the same global options: project name, folder and files', () => {
    const tail = [
      '--project-name',
      'billing-api',
      '--project-directory',
      '/src/billing-api',
      '--file',
      '/src/billing-api/docker-compose.yml',
      '--file',
      '/tmp/labels.yml',
      'up',
      '-d',
    ];
    expect(composeArgs(project(v1), ['up', '-d'])).toEqual(tail);
    expect(composeArgs(project(v2), ['up', '-d'])).toEqual(['compose', ...tail]);
  });

  it('runs in the project folder with the project environment', async () => {
    const { exec, calls } = fakeExec({});
    await runCompose(exec, project(v2), ['stop'], { timeoutMs: 5 });
    expect(calls[0]).toMatchObject({
      command: 'docker',
      opts: { cwd: '/src/billing-api', env: { PORT: '3001' }, timeoutMs: 5 },
    });
    expect(calls[0]?.args.at(-1)).toBe('stop');
  });

  it.each([
    ['billing-api', 'billing-api'],
    ['Billing.API', 'billingapi'],
    ['_x-1', 'x-1'],
  ])('project name %s -> %s', (name, expected) => {
    expect(normaliseProjectName(name)).toBe(expected);
  });
});

describe('progressLine', () => {
  it.each([
    ['Step 8/8 : RUN npm ci', 'Step 8/8 : RUN npm ci'],
    ['Building web', 'Building web'],
    ['Creating demo_web_1 ... ', undefined],
    ['Creating demo_web_1 ... done', 'Creating demo_web_1 ... done'],
    [' Container demo-web-1  Creating', undefined],
    [' Container demo-web-1  Created', 'Container demo-web-1  Created'],
    [' ---> Using cache', undefined],
    ['DEPRECATED: The legacy builder is deprecated and will be removed in a future release.', undefined],
    ['   ', undefined],
  ])('%j -> %j', (line, shown) => {
    expect(progressLine(line)).toBe(shown);
  });
});
