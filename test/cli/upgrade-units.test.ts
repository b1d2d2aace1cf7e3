import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { ConfigError, UsageError } from '../../src/errors.js';
import { DEFAULT_MANIFEST, readManifest } from '../../src/template/manifest.js';
import type { TemplateRecord } from '../../src/template/record.js';
import { parseSetFlags, upgradeCommandLine } from '../../src/upgrade/flags.js';
import { answersFor, openTemplate } from '../../src/upgrade/source.js';
import { emptySummary, parseNameStatus, stepsBetween, summarize } from '../../src/upgrade/summary.js';
import { parseTo, targetTemplate } from '../../src/upgrade/target.js';
import { FIXTURES, removeDir, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

const baseRecord: TemplateRecord = {
  schema: 1,
  lsvcVersion: '0.1.0',
  template: { source: 'builtin', version: '0.9.0', hash: 'sha256:x' },
  answers: { name: 'demo' },
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('summarize', () => {
  const template = parseNameStatus(
    [
      'M',
      'a.ts',
      'M',
      'b.ts',
      'M',
      'c.ts',
      'M',
      'd.ts',
      'A',
      'new.ts',
      'D',
      'old.ts',
      'D',
      'mine.ts',
      'M',
      '.lsvc/template.json',
      '',
    ].join('\0'),
  );
  const user = parseNameStatus(
    ['M', 'b.ts', 'M', 'c.ts', 'D', 'd.ts', 'M', 'mine.ts', 'A', 'other.ts', ''].join('\0'),
  ).changes;
  const changes = (entries: [string, 'A' | 'M' | 'D'][]) => ({
    changes: new Map(entries),
    renames: new Map(),
  });

  it('sorts each template change by what you did to the file and what git left conflicted', () => {
    expect(summarize(template, user, new Set(['c.ts', 'd.ts', 'mine.ts']))).toEqual({
      ...emptySummary(),
      updated: ['a.ts'],
      merged: ['b.ts'],
      added: ['new.ts'],
      removed: ['old.ts'],
      keptDeleted: ['d.ts'],
      conflicted: ['c.ts', 'mine.ts'],
    });
  });

  it('a file you moved (no conflict: git followed the rename) counts as merged, not deleted', () => {
    const moved = summarize(
      changes([['a.ts', 'M']]),
      new Map([
        ['a.ts', 'D'],
        ['b.ts', 'A'],
      ]),
      new Set(),
    );
    expect(moved).toMatchObject({ merged: ['a.ts'], keptDeleted: [] });
  });

  it('a file the template renamed: "renamed", with your edits when you had changed it, never "removed"', () => {
    const renamed = parseNameStatus(
      ['R087', 'src/config.ts', 'src/settings.ts', 'R100', 'a.md', 'docs/a.md', ''].join('\0'),
    );
    expect(renamed.renames).toEqual(
      new Map([
        ['src/config.ts', 'src/settings.ts'],
        ['a.md', 'docs/a.md'],
      ]),
    );
    const s = summarize(renamed, new Map([['src/config.ts', 'M']]), new Set());
    expect(s).toEqual({
      ...emptySummary(),
      renamed: [
        { from: 'a.md', to: 'docs/a.md', edited: false },
        { from: 'src/config.ts', to: 'src/settings.ts', edited: true },
      ],
    });
    // Deleted by you: stays deleted at its new place too.
    expect(summarize(renamed, new Map([['a.md', 'D']]), new Set()).keptDeleted).toEqual(['docs/a.md']);
  });

  it('never lists the record file, and lists nothing when the template changed nothing', () => {
    const none = summarize(changes([['.lsvc/template.json', 'M']]), user, new Set());
    expect(Object.values(none).flat()).toEqual([]);
  });
});

describe('stepsBetween', () => {
  const manifest = {
    ...DEFAULT_MANIFEST,
    upgrades: [
      { version: '2.0.0', notes: 'two', run: ['npm run migrate'] },
      { version: '1.1.0', run: [] },
      { version: '1.0.0', notes: 'already there', run: [] },
      { version: '3.0.0', notes: 'not yet', run: [] },
    ],
  };

  it('keeps the versions after the current one up to the target, oldest first', () => {
    expect(stepsBetween(manifest, '1.0.0', '2.0.0')).toEqual([
      { version: '1.1.0', run: [] },
      { version: '2.0.0', notes: 'two', run: ['npm run migrate'] },
    ]);
    expect(stepsBetween(manifest, '2.0.0', '2.0.0')).toEqual([]);
  });

  it('shows nothing when the versions are not semver', () => {
    expect(stepsBetween(manifest, 'main', '2.0.0')).toEqual([]);
  });
});

describe('lsvc-template.json "upgrades"', () => {
  const write = async (manifest: unknown) => {
    const dir = await tempDir('lsvc-manifest-');
    cleanup.push(dir);
    await writeFile(join(dir, 'lsvc-template.json'), JSON.stringify(manifest));
    return dir;
  };

  it('defaults to none and reads notes and commands', async () => {
    expect((await readManifest(join(FIXTURES, 'upgrade-v1'))).upgrades).toEqual([]);
    const m = await readManifest(
      await write({ version: '1.1.0', placeholder: 'x', upgrades: [{ version: '1.1.0', notes: 'n' }] }),
    );
    expect(m.upgrades).toEqual([{ version: '1.1.0', notes: 'n', run: [] }]);
  });

  it('rejects a version that is not semver, naming the key', async () => {
    const dir = await write({ version: '1.1.0', placeholder: 'x', upgrades: [{ version: 'next' }] });
    await expect(readManifest(dir)).rejects.toThrow(ConfigError);
    await expect(readManifest(dir)).rejects.toThrow(/upgrades\.0\.version: must be a semver version/);
  });
});

describe('answersFor (recorded answers checked as lsvc init checks them, --set)', () => {
  const manifest = {
    ...DEFAULT_MANIFEST,
    version: '2.0.0',
    questions: { db: { choices: ['postgres', 'mysql'], default: 'postgres' } },
  };
  const record = { ...baseRecord, answers: { name: 'demo', db: 'postgres', cache: 'redis' } };

  it('reuses the answers, drops the questions the template no longer asks, and applies --set', () => {
    expect(answersFor(manifest, record)).toEqual({ answers: { db: 'postgres' }, changed: [] });
    expect(answersFor(manifest, record, { db: 'mysql' })).toEqual({
      answers: { db: 'mysql' },
      changed: [{ question: 'db', from: 'postgres', to: 'mysql' }],
    });
  });

  it('a recorded answer the template does not offer is exit 3, with --set as the way out', () => {
    const err = (() => {
      try {
        return answersFor(manifest, { ...record, answers: { name: 'demo', db: '../../etc' } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ hint: expect.stringContaining('--set db=<choice>') });
    // An inherited property is not a question ("constructor" in {} is true).
    expect(() => answersFor(manifest, record, { constructor: 'x' })).toThrow(/has no question "constructor"/);
  });

  it('--set of the name, of an unknown question or an unknown choice is a usage error', () => {
    expect(() => answersFor(manifest, record, { name: 'other' })).toThrow(UsageError);
    expect(() => answersFor(manifest, record, { name: 'other' })).toThrow(
      /renaming a service is not a template change/,
    );
    expect(() => answersFor(manifest, record, { cache: 'redis' })).toThrow(/has no question "cache"/);
    expect(() => answersFor(manifest, record, { db: 'oracle' })).toThrow(/does not offer db "oracle"/);
  });
});

describe('upgrade flags', () => {
  it('--set question=choice, repeatable; malformed ones are usage errors', () => {
    expect(parseSetFlags(['db=mysql', 'x=a=b'])).toEqual({ db: 'mysql', x: 'a=b' });
    expect(() => parseSetFlags(['db'])).toThrow(/expected question=choice/);
    expect(() => parseSetFlags(['=mysql'])).toThrow(UsageError);
    expect(() => parseSetFlags(['db=a', 'db=b'])).toThrow(/given twice/);
  });

  it('--to takes a version with or without a leading v, anything else is a git ref', () => {
    expect(parseTo('v1.1.0')).toEqual({ version: '1.1.0' });
    expect(parseTo('1.1.0')).toEqual({ version: '1.1.0' });
    expect(parseTo('main')).toEqual({ ref: 'main' });
    expect(parseTo('vnext')).toEqual({ ref: 'vnext' });
  });

  it('--check names the command with the flags that chose the version', () => {
    expect(upgradeCommandLine('lsvc', {})).toBe('lsvc upgrade');
    expect(upgradeCommandLine('lsvc', { template: '../my tpl', to: '1.1.0' })).toBe(
      "lsvc upgrade --template '../my tpl' --to 1.1.0",
    );
  });
});

describe('targetTemplate', () => {
  const record = baseRecord;
  const scratch = async () => {
    const d = await tempDir('lsvc-scratch-');
    cleanup.push(d);
    return d;
  };

  it('the built-in template provides only its own version', async () => {
    const builtinDir = join(FIXTURES, 'upgrade-v2');
    const o = { builtinDir, serviceDir: await scratch() };
    const t = await targetTemplate(record, { ...o, to: 'v2.0.0' }, await scratch());
    expect(t).toMatchObject({ source: 'builtin', version: '2.0.0', dir: builtinDir });
    const err = await targetTemplate(record, { ...o, to: '2.1.0' }, await scratch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({
      message: "lsvc's built-in template is version 2.0.0; it cannot provide version 2.1.0.",
      hint: expect.stringMatching(/install the lsvc that ships 2\.1\.0/),
    });
  });

  it('a recorded template folder that is gone is a configuration error with a way forward', async () => {
    const dir = await scratch();
    const gone = join(dir, 'gone');
    const err = await targetTemplate(
      { ...record, template: { ...record.template, source: gone } },
      { builtinDir: dir, serviceDir: dir },
      dir,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({
      message: `The template folder ${gone} (recorded in .lsvc/template.json) does not exist.`,
      hint: expect.stringMatching(/--template <folder>/),
    });
  });

  it('opens the older layout (no manifest, package.json named little-service) as a template', async () => {
    const t = await openTemplate(join(FIXTURES, 'template-nomanifest'), 'x', { builtinDir: '', label: 'x' });
    expect(t).toMatchObject({ version: '0.0.0', manifest: { placeholder: 'little-service' } });
  });
});
