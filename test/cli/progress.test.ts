import { PassThrough } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { chooseRenderer, runSteps, type Step } from '../../src/progress.js';

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, text: () => ({ out, err }) };
}

const steps = (log: string[]): Step[] => [
  {
    title: 'First step',
    run: async (s) => {
      log.push('first');
      s.output('detail line');
    },
  },
  { title: 'Skipped step', skip: () => 'not needed', run: async () => void log.push('skipped ran') },
  {
    title: 'Last step',
    run: async (s) => {
      log.push('last');
      s.title('Last step (renamed)');
    },
  },
];

describe('renderer choice', () => {
  it.each([
    [{ json: true, isTTY: true, ci: false }, 'silent'],
    [{ json: true, isTTY: false, ci: true, test: true }, 'silent'],
    [{ json: false, isTTY: true, ci: false }, 'default'],
    [{ json: false, isTTY: true, ci: true }, 'simple'],
    [{ json: false, isTTY: false, ci: false }, 'simple'],
    [{ json: false, isTTY: undefined, ci: false }, 'simple'],
    [{ json: false, isTTY: true, ci: false, test: true }, 'test'],
  ])('%j -> %s', (inputs, renderer) => {
    expect(chooseRenderer(inputs)).toBe(renderer);
  });
});

describe('runSteps', () => {
  it('prints plain lines without a terminal, runs steps in order and skips what is skipped', async () => {
    const io = streams();
    const log: string[] = [];
    await runSteps(steps(log), { json: false, isTTY: false, ci: true, stdout: io.stdout, stderr: io.stderr });
    expect(log).toEqual(['first', 'last']);
    const { out } = io.text();
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/\u001b\[/);
    expect(out).toMatch(/First step/);
    expect(out).toMatch(/not needed/);
    expect(out).toMatch(/Last step \(renamed\)/);
    expect(out.indexOf('First step')).toBeLessThan(out.indexOf('Last step'));
  });

  it('prints nothing under --json', async () => {
    const io = streams();
    const log: string[] = [];
    await runSteps(steps(log), { json: true, isTTY: false, ci: false, stdout: io.stdout, stderr: io.stderr });
    expect(log).toEqual(['first', 'last']);
    expect(io.text()).toEqual({ out: '', err: '' });
  });

  it('emits one line per event with the test renderer', async () => {
    const io = streams();
    await runSteps(steps([]), { json: false, test: true, stdout: io.stdout, stderr: io.stderr });
    const events = io
      .text()
      .out.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: unknown; task: { title: string } })
      .map((e) => `${e.event} ${JSON.stringify(e.data)} ${e.task.title}`);
    expect(events).toEqual([
      'STATE "STARTED" First step',
      'OUTPUT "detail line" First step',
      'STATE "COMPLETED" First step',
      'STATE "STARTED" Skipped step',
      'MESSAGE {"skip":"not needed"} Skipped step',
      'STATE "SKIPPED" Skipped step',
      'STATE "STARTED" Last step',
      'TITLE "Last step (renamed)" Last step (renamed)',
      'STATE "COMPLETED" Last step (renamed)',
    ]);
  });

  it('stops at the first failing step and rethrows its error unchanged', async () => {
    const io = streams();
    const log: string[] = [];
    const boom = new Error('step failed');
    const run = runSteps(
      [
        { title: 'fails', run: async () => Promise.reject(boom) },
        { title: 'never', run: async () => void log.push('never') },
      ],
      { json: false, isTTY: false, ci: true, stdout: io.stdout, stderr: io.stderr },
    );
    await expect(run).rejects.toBe(boom);
    expect(log).toEqual([]);
  });
});
