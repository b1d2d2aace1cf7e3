import { PassThrough } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { makePrompter, promptMode } from '../../src/prompt.js';

describe('prompt mode', () => {
  it.each([
    [{ yes: true, stdinIsTTY: true, ci: false }, 'yes'],
    [{ yes: false, stdinIsTTY: false, ci: true }, 'yes'],
    [{ yes: false, stdinIsTTY: true, ci: true }, 'ask'],
    [{ yes: false, stdinIsTTY: false, ci: false }, 'ask'],
    [{ yes: false, stdinIsTTY: true, ci: false }, 'ask'],
  ])('%j -> %s', (inputs, mode) => {
    expect(promptMode(inputs)).toBe(mode);
  });
});

describe('prompter', () => {
  it('answers yes and takes defaults without asking in yes mode', async () => {
    const p = makePrompter('yes');
    expect(await p.confirm('Deploy to production?')).toBe(true);
    expect(await p.ask('Region?', { default: 'eu-west-1', flag: '--region' })).toBe('eu-west-1');
  });

  it('fails clearly when a question needs an answer and nobody can give it', async () => {
    const p = makePrompter('yes');
    await expect(p.ask('Type the environment name to destroy it', { flag: '--force' })).rejects.toMatchObject(
      {
        exitCode: 2,
        message:
          '"Type the environment name to destroy it" needs an answer, and there is no terminal to ask on.',
        hint: 'Pass --force to answer it.',
      },
    );
  });

  it('reads answers in ask mode', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const p = makePrompter('ask', { input, output });
    const answer = p.confirm('Deploy?');
    input.write('y\n');
    expect(await answer).toBe(true);
    const name = p.ask('Name?', { flag: '--name' });
    input.write('staging\n');
    expect(await name).toBe('staging');
    const empty = p.confirm('Really?', { default: false });
    input.write('\n');
    expect(await empty).toBe(false);
  });
});
