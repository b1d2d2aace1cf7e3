import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { ConfigError, UsageError } from '../../src/errors.js';
import { DEFAULT_MANIFEST, readManifest } from '../../src/template/manifest.js';
import type { TemplateRecord } from '../../src/template/record.js';
import { loadTemplate, renderWithAnswers, targetTemplate } from '../../src/upgrade/source.js';
import { parseNameStatus, stepsBetween, summarize } from '../../src/upgrade/summary.js';
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
  );

  it('sorts each template change by what you did to the file and what git left conflicted', () => {
    expect(summarize(template, user, new Set(['c.ts', 'd.ts', 'mine.ts']))).toEqual({
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
      new Map([['a.ts', 'M']]),
      new Map([
        ['a.ts', 'D'],
        ['b.ts', 'A'],
      ]),
      new Set(),
    );
    expect(moved).toMatchObject({ merged: ['a.ts'], keptDeleted: [] });
  });

  it('never lists the record file, and lists nothing when the template changed nothing', () => {
    const none = summarize(new Map([['.lsvc/template.json', 'M']]), user, new Set());
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

describe('renderWithAnswers', () => {
  it('a recorded answer the new template no longer offers is a clear configuration error', async () => {
    const out = await tempDir('lsvc-render-');
    cleanup.push(out);
    const t = await loadTemplate(join(FIXTURES, 'upgrade-v2'), { builtinDir: '' });
    if (!t) throw new Error('fixture missing');
    const record = { ...baseRecord, answers: { name: 'demo', db: 'oracle' } };
    const err = await renderWithAnswers(t, record, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({
      message: 'Template 2.0.0 no longer offers db "oracle", which this service was made with.',
      hint: expect.stringContaining('one of: postgres, mysql'),
    });
  });

  it('reuses the answers, and a question the template dropped is ignored', async () => {
    const out = await tempDir('lsvc-render-');
    cleanup.push(out);
    const t = await loadTemplate(join(FIXTURES, 'upgrade-v2'), { builtinDir: '' });
    if (!t) throw new Error('fixture missing');
    const record = { ...baseRecord, answers: { name: 'demo', db: 'mysql', cache: 'redis' } };
    expect(await renderWithAnswers(t, record, out)).toEqual({ db: 'mysql' });
    expect(await readFile(join(out, 'src/demo-health.ts'), 'utf8')).toContain("'demo'");
  });
});

describe('targetTemplate', () => {
  const record = baseRecord;

  it('the built-in template provides only its own version', async () => {
    const builtinDir = join(FIXTURES, 'upgrade-v2');
    const t = await targetTemplate(record, { builtinDir, to: '2.0.0' });
    expect(t).toMatchObject({ source: 'builtin', version: '2.0.0', dir: builtinDir });
    const err = await targetTemplate(record, { builtinDir, to: '2.1.0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({
      message: "lsvc's built-in template is version 2.0.0; it cannot provide version 2.1.0.",
      hint: expect.stringMatching(/install the lsvc that ships 2\.1\.0/),
    });
  });

  it('a recorded template folder that is gone is a configuration error with a way forward', async () => {
    const dir = await tempDir('lsvc-gone-');
    cleanup.push(dir);
    const gone = join(dir, 'gone');
    const err = await targetTemplate(
      { ...record, template: { ...record.template, source: gone } },
      { builtinDir: dir },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ hint: expect.stringMatching(/--template <folder>/) });
  });
});
