import { chmod, cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { allSpellings } from '../../src/template/case-forms.js';
import { collectDotfiles, missingDotfiles, writeDotfilesSnapshot } from '../../src/template/dotfiles.js';
import { hashTemplate } from '../../src/template/hash.js';
import { DEFAULT_MANIFEST, readManifest, resolveAnswers } from '../../src/template/manifest.js';
import { renderTemplate } from '../../src/template/render.js';
import { fixtureTemplate, FIXTURES, listTree, readText, removeDir, tempDir } from '../support/cli.js';

let template: string;
const cleanup: string[] = [];

beforeAll(async () => {
  template = await fixtureTemplate();
  cleanup.push(join(template, '..'));
});
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

async function render(answers: Record<string, string> = { db: 'postgres' }, name = 'billing-api') {
  const out = await tempDir('lsvc-out-');
  cleanup.push(out);
  const manifest = await readManifest(template);
  const written = await renderTemplate({ templateDir: template, outDir: out, manifest, name, answers });
  return { out, written, tree: await listTree(out) };
}

describe('renderTemplate', () => {
  it('renames the placeholder in paths, including a folder named after it', async () => {
    const { tree } = await render();
    expect(tree).toEqual([
      '.env.example',
      '.gitignore',
      'README.md',
      'assets',
      'assets/billing-api-logo.png',
      'bin',
      'bin/start-billing-api.sh',
      'empty-dir',
      'empty-dir/.gitkeep',
      'lsvc.yml',
      'package.json',
      'sql',
      'sql/billing_api_schema.sql',
      'src',
      'src/billing-api',
      'src/billing-api/BillingApiModel.ts',
      'src/billing-api/index.ts',
      'src/db.ts',
    ]);
  });

  it('skips node_modules, dist, coverage, .env, logs and what the manifest excludes', async () => {
    const { tree } = await render();
    for (const skipped of [
      'node_modules',
      'dist',
      'coverage',
      '.env',
      'npm-debug.log',
      'lsvc-template.json',
      'template-variants',
      'TEMPLATE-NOTES.md',
    ]) {
      expect(tree).not.toContain(skipped);
    }
    expect(tree.filter((p) => p.endsWith('.log'))).toEqual([]);
  });

  it('replaces every case form in contents', async () => {
    const { out } = await render();
    expect(await readText(join(out, 'README.md'))).toBe(
      '# Billing Api\n\nbilling-api is a service. Its database is billing_api, its class BillingApi,\n' +
        'its variable billingApi and its constant BILLING_API.\n',
    );
    expect(await readText(join(out, 'src/billing-api/index.ts'))).toContain(
      "export const BILLING_API_QUEUE = 'billing_api:jobs';",
    );
    expect(JSON.parse(await readText(join(out, 'package.json')))).toMatchObject({ name: 'billing-api' });
  });

  it('leaves no spelling of the placeholder in any text file', async () => {
    const { out, tree } = await render();
    for (const rel of tree) {
      for (const spelling of allSpellings('little-service')) expect(rel).not.toContain(spelling);
      if ((await stat(join(out, rel))).isDirectory() || rel.endsWith('.png')) continue;
      const text = await readText(join(out, rel));
      for (const spelling of allSpellings('little-service'))
        expect({ rel, found: text.includes(spelling) }).toEqual({ rel, found: false });
    }
  });

  it('copies binary files byte for byte (even when they contain the placeholder)', async () => {
    const { out } = await render();
    const original = await readFile(join(template, 'assets/little-service-logo.png'));
    const copy = await readFile(join(out, 'assets/billing-api-logo.png'));
    expect(original.includes('little-service')).toBe(true);
    expect(copy.equals(original)).toBe(true);
  });

  it('keeps executable bits', async () => {
    const { out } = await render();
    expect((await stat(join(out, 'bin/start-billing-api.sh'))).mode & 0o111).toBe(0o111);
    expect((await stat(join(out, 'README.md'))).mode & 0o111).toBe(0);
  });

  it('overlays the chosen variant (replacing and adding files) with the same renaming', async () => {
    const { out, tree } = await render({ db: 'mysql' });
    expect(await readText(join(out, 'src/db.ts'))).toBe(
      "export const engine = 'mysql'; // billing-api database\n",
    );
    expect(tree).toContain('src/billing-api/mysql-only.ts');
    expect(await readText(join(out, 'src/billing-api/mysql-only.ts'))).toBe(
      'export const billingApiMysql = true;\n',
    );
    expect(tree).not.toContain('template-variants');
  });

  it('writes the chosen database engine into lsvc.yml, keeping its comments', async () => {
    const { out } = await render({ db: 'mysql' });
    const yml = await readText(join(out, 'lsvc.yml'));
    expect(yml).toContain('engine: mysql # switched by lsvc init --db');
    expect(yml).toContain('# lsvc.yml of billing-api');
    const pg = await render({ db: 'postgres' });
    expect(await readText(join(pg.out, 'lsvc.yml'))).toBe(
      (await readText(join(template, 'lsvc.yml'))).replaceAll('little-service', 'billing-api'),
    );
  });

  it('adds dotfiles that npm packaging dropped, unless the template has them', async () => {
    const out = await tempDir('lsvc-out-');
    cleanup.push(out);
    const manifest = await readManifest(template);
    await renderTemplate({
      templateDir: template,
      outDir: out,
      manifest,
      name: 'demo',
      answers: { db: 'postgres' },
      virtualFiles: [
        { rel: '.gitignore', content: 'IGNORED-BECAUSE-REAL-ONE-EXISTS\n', mode: 0o644 },
        { rel: 'src/.npmrc', content: 'engine-strict=true # little-service\n', mode: 0o644 },
      ],
    });
    expect(await readText(join(out, '.gitignore'))).toBe('node_modules/\ndist/\n.env\n');
    expect(await readText(join(out, 'src/.npmrc'))).toBe('engine-strict=true # demo\n');
  });

  it('stops when aborted (Ctrl-C)', async () => {
    const out = await tempDir('lsvc-out-');
    cleanup.push(out);
    const abort = new AbortController();
    const manifest = await readManifest(template);
    let seen = 0;
    const run = renderTemplate({
      templateDir: template,
      outDir: out,
      manifest,
      name: 'demo',
      answers: { db: 'postgres' },
      signal: abort.signal,
      onFile: () => {
        seen += 1;
        if (seen === 3) abort.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBe(3);
  });
});

describe('template manifest', () => {
  it('reads the manifest and resolves answers with defaults', async () => {
    const manifest = await readManifest(template);
    expect(manifest).toMatchObject({ version: '1.2.3', placeholder: 'little-service' });
    expect(resolveAnswers(manifest, {})).toEqual({ db: 'postgres' });
    expect(resolveAnswers(manifest, { db: 'mysql' })).toEqual({ db: 'mysql' });
    expect(() => resolveAnswers(manifest, { db: 'oracle' })).toThrow(/does not offer db "oracle"/);
  });

  it('falls back to defaults for a template without a manifest', async () => {
    const manifest = await readManifest(join(FIXTURES, 'template-nomanifest'));
    expect(manifest).toEqual(DEFAULT_MANIFEST);
    expect(() => resolveAnswers(manifest, { db: 'mysql' })).toThrow(/has no "db" choice/);
    const out = await tempDir('lsvc-out-');
    cleanup.push(out);
    await renderTemplate({
      templateDir: join(FIXTURES, 'template-nomanifest'),
      outDir: out,
      manifest,
      name: 'demo',
      answers: {},
    });
    expect(await listTree(out)).toEqual(['package.json', 'src', 'src/demo.ts']);
    expect(await readText(join(out, 'src/demo.ts'))).toBe("export const demo = 'Demo';\n");
  });

  it('rejects an invalid manifest with a configuration error', async () => {
    const dir = await tempDir('lsvc-bad-manifest-');
    cleanup.push(dir);
    await writeFile(
      join(dir, 'lsvc-template.json'),
      JSON.stringify({ version: '1.0.0', placeholder: 'Little Service' }),
    );
    await expect(readManifest(dir)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/placeholder: must be a kebab-case name/),
    });
    // lsvc upgrade compares versions: a template's version is semver.
    await writeFile(join(dir, 'lsvc-template.json'), JSON.stringify({ version: '1', placeholder: 'x' }));
    await expect(readManifest(dir)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/version: must be a semver version/),
    });
    await writeFile(join(dir, 'lsvc-template.json'), '{ not json');
    await expect(readManifest(dir)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/not valid JSON/),
    });
  });
});

describe('template hash', () => {
  it('is stable, ignores junk, and changes with content and executable bits', async () => {
    const a = await hashTemplate(template);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await hashTemplate(template)).toBe(a);
    await writeFile(join(template, 'node_modules', 'more-junk.js'), 'x');
    expect(await hashTemplate(template)).toBe(a);
    const readme = join(template, 'README.md');
    const original = await readText(readme);
    await writeFile(readme, `${original}more\n`);
    const b = await hashTemplate(template);
    expect(b).not.toBe(a);
    await writeFile(readme, original);
    expect(await hashTemplate(template)).toBe(a);
    await chmod(readme, 0o755);
    expect(await hashTemplate(template)).not.toBe(a);
    await chmod(readme, 0o644);
    expect(await hashTemplate(template)).toBe(a);
  });
});

describe('dotfiles snapshot (npm pack drops nested .gitignore files)', () => {
  it('snapshots them at build time and gives back only the missing ones', async () => {
    expect(await collectDotfiles(template)).toEqual([
      { rel: '.gitignore', content: 'node_modules/\ndist/\n.env\n', mode: 0o644 },
    ]);
    const dir = await tempDir('lsvc-snap-');
    cleanup.push(dir);
    const snapshot = join(dir, 'template-dotfiles.json');
    expect(await writeDotfilesSnapshot(template, snapshot)).toBe(1);
    expect(await missingDotfiles(template, snapshot)).toEqual([]);
    // The packaged template: same files, minus the .gitignore npm dropped.
    const packaged = join(dir, 'packaged');
    await cp(template, packaged, { recursive: true });
    await rm(join(packaged, '.gitignore'));
    const missing = await missingDotfiles(packaged, snapshot);
    expect(missing.map((f) => f.rel)).toEqual(['.gitignore']);
    expect(await hashTemplate(packaged, missing)).toBe(await hashTemplate(template));
    expect(await missingDotfiles(packaged, join(dir, 'no-such-snapshot.json'))).toEqual([]);
  });
});
