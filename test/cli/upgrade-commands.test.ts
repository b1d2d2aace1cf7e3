// The template's upgrade commands: who may run them, what the question shows, where a failure stops.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { InterruptedError } from '../../src/errors.js';
import { type CommandRequest, runUpgradeCommands } from '../../src/upgrade/commands.js';
import { exists, removeDir, tempDir } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('lsvc-commands-');
});
afterAll(async () => {
  await removeDir(dir);
});

const commands = ['echo one > one.txt', 'echo two; echo oops >&2'];

describe('runUpgradeCommands', () => {
  it("runs lsvc's built-in template's commands without a question (CI, --yes), in the service folder", async () => {
    const lines: string[] = [];
    const out = await runUpgradeCommands(commands, 'builtin', dir, {
      trust: false,
      onLine: (l, c) => lines.push(`${c}: ${l}`),
    });
    expect(out).toEqual({ all: commands, trusted: true, ran: commands });
    expect(await readFile(join(dir, 'one.txt'), 'utf8')).toBe('one\n');
    expect(lines).toEqual(
      expect.arrayContaining(['echo two; echo oops >&2: two', 'echo two; echo oops >&2: oops']),
    );
  });

  it("another template's commands are listed, not run, unless --trust", async () => {
    const listed = await runUpgradeCommands(['touch untrusted.txt'], '/some/template', dir, { trust: false });
    expect(listed).toEqual({ all: ['touch untrusted.txt'], trusted: false, ran: [], notRun: 'untrusted' });
    expect(await exists(join(dir, 'untrusted.txt'))).toBe(false);

    const trusted = await runUpgradeCommands(['touch trusted.txt'], '/some/template', dir, { trust: true });
    expect(trusted.ran).toEqual(['touch trusted.txt']);
    expect(await exists(join(dir, 'trusted.txt'))).toBe(true);
  });

  it('asks with the exact commands and their source; a no leaves them listed', async () => {
    const asked: CommandRequest[] = [];
    const no = await runUpgradeCommands(['touch asked.txt'], '/some/template', dir, {
      trust: false,
      confirm: (request) => {
        asked.push(request);
        return Promise.resolve(false);
      },
    });
    expect(asked).toEqual([{ source: '/some/template', commands: ['touch asked.txt'], trusted: false }]);
    expect(no.notRun).toBe('untrusted');
    const declined = await runUpgradeCommands(['touch asked.txt'], 'builtin', dir, {
      trust: false,
      confirm: () => Promise.resolve(false),
    });
    expect(declined.notRun).toBe('declined');
    expect(await exists(join(dir, 'asked.txt'))).toBe(false);
    const yes = await runUpgradeCommands(['touch asked.txt'], '/some/template', dir, {
      trust: false,
      confirm: () => Promise.resolve(true),
    });
    expect(yes.ran).toEqual(['touch asked.txt']);
  });

  it('stops at the first failure, naming it; the rest do not run', async () => {
    const out = await runUpgradeCommands(['exit 4', 'touch after.txt'], 'builtin', dir, { trust: false });
    expect(out).toMatchObject({ ran: [], failed: { command: 'exit 4', exitCode: 4, timedOut: false } });
    expect(await exists(join(dir, 'after.txt'))).toBe(false);
    const slow = await runUpgradeCommands(['sleep 5'], 'builtin', dir, { trust: false, timeoutMs: 200 });
    expect(slow.failed).toMatchObject({ command: 'sleep 5', timedOut: true });
  });

  it('Ctrl-C stops the command and what it started, and says what did not run', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const run = runUpgradeCommands(
      ['(sleep 29.71; touch late.txt) & wait', 'touch next.txt'],
      'builtin',
      dir,
      {
        trust: false,
        signal: abort.signal,
        onStart: () =>
          setTimeout(() => {
            abort.abort();
          }, 200),
      },
    );
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    await expect(run).rejects.toMatchObject({
      details: ['not run: (sleep 29.71; touch late.txt) & wait', 'not run: touch next.txt'],
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exists(join(dir, 'next.txt'))).toBe(false);
    // The background sleep went with its process group.
    await new Promise((r) => setTimeout(r, 300));
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain('sleep 29.71');
  });
});
