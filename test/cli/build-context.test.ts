// The build context lsvc sends: .dockerignore with Docker's semantics (root-anchored patterns,
// `**`, `!` exceptions), the Dockerfile always, excluded folders not walked; and Dockerfile stages.
import { chmod, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { afterAll, describe, expect, it } from '@jest/globals';

import {
  chooseTarget,
  dockerfileStages,
  ignoreRules,
  listBuildContext,
  packContext,
  readDockerfile,
} from '../../src/docker/build.js';
import { removeDir, ROOT, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

const FILES = [
  'Dockerfile',
  'package.json',
  'app.log',
  'src/index.ts',
  'src/debug.log',
  'src/deep/x.tmp',
  'x.tmp',
  'node_modules/left-pad/index.js',
  'src/node_modules/local/index.js',
  'dist/app.js',
  'dist/keep.txt',
  'docs/README.md',
  'docs/guide/intro.md',
  'docs/notes.md',
  '.env',
  '.env.local',
  '.env.example',
  'build/out.bin',
  'a/b/c',
  'a/b/d',
];

/** Every path under `dir`, folders with a trailing slash, sorted. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) out.push(`${rel}/`, ...(await tree(dir, `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

async function context(dockerignore: string | undefined, files = FILES): Promise<string[]> {
  const dir = await tempDir('lsvc-ctx-');
  cleanup.push(dir);
  for (const rel of files) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), `${rel}\n`);
  }
  if (dockerignore !== undefined) await writeFile(join(dir, '.dockerignore'), dockerignore);
  return (await listBuildContext(dir)).files;
}

describe('.dockerignore (Docker semantics)', () => {
  const table: [string, string, { sent: string[]; notSent: string[] }][] = [
    [
      'a bare name matches at the root only, and everything below it',
      'node_modules\n*.log\n',
      {
        sent: ['src/node_modules/local/index.js', 'src/debug.log', 'src/index.ts'],
        notSent: ['node_modules/left-pad/index.js', 'app.log'],
      },
    ],
    [
      '** matches at any depth, including none',
      '**/*.tmp\ndocs/**/*.md\n',
      {
        sent: ['src/index.ts'],
        notSent: ['x.tmp', 'src/deep/x.tmp', 'docs/notes.md', 'docs/guide/intro.md', 'docs/README.md'],
      },
    ],
    [
      '! re-includes inside an excluded folder (which is then walked)',
      'dist\n!dist/keep.txt\ndocs\n!docs/README.md\n',
      {
        sent: ['dist/keep.txt', 'docs/README.md'],
        notSent: ['dist/app.js', 'docs/notes.md', 'docs/guide/intro.md'],
      },
    ],
    [
      'the last matching pattern wins',
      '.env*\n!.env.example\n',
      { sent: ['.env.example'], notSent: ['.env', '.env.local'] },
    ],
    [
      'leading and trailing slashes, comments and blank lines',
      '# a comment\n\n/build/\n a/*/c \n',
      { sent: ['a/b/d', 'package.json'], notSent: ['build/out.bin', 'a/b/c'] },
    ],
    [
      'the Dockerfile and .dockerignore are sent even when listed',
      'Dockerfile\n.dockerignore\n*\n!src\n',
      { sent: ['Dockerfile', '.dockerignore', 'src/index.ts'], notSent: ['package.json', 'dist/app.js'] },
    ],
  ];

  it.each(table)('%s', async (_name, ignore, { sent, notSent }) => {
    const files = await context(ignore);
    expect(files).toEqual(expect.arrayContaining(sent));
    for (const path of notSent) expect(files).not.toContain(path);
  });

  it('sends everything, sorted, without a .dockerignore', async () => {
    expect(await context(undefined)).toEqual([...FILES].sort());
  });

  it('counts the bytes it sends', async () => {
    const dir = await tempDir('lsvc-ctx-');
    cleanup.push(dir);
    await writeFile(join(dir, 'Dockerfile'), 'FROM x\n');
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(5000));
    await writeFile(join(dir, 'skip.bin'), Buffer.alloc(9000));
    await writeFile(join(dir, '.dockerignore'), 'skip.bin\n');
    expect(await listBuildContext(dir)).toEqual({
      files: ['.dockerignore', 'Dockerfile', 'big.bin'],
      dirs: [],
      bytes: 7 + 5000 + 9,
    });
  });

  it('packs exactly the listed entries: folders (empty ones too, with their modes), files, symlinks', async () => {
    const dir = await tempDir('lsvc-ctx-');
    cleanup.push(dir);
    await writeFile(join(dir, 'Dockerfile'), 'FROM x\n');
    await mkdir(join(dir, 'empty'), { mode: 0o750 });
    await chmod(join(dir, 'empty'), 0o750);
    await mkdir(join(dir, 'src', 'node_modules', 'x'), { recursive: true });
    await writeFile(join(dir, 'src', 'a.ts'), 'a');
    await writeFile(join(dir, 'src', 'node_modules', 'x', 'i.js'), 'x');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink('src/a.ts', join(dir, 'link'));
    await writeFile(join(dir, '.dockerignore'), '**/node_modules\n');
    const context = await listBuildContext(dir);
    expect(context.dirs).toEqual(['empty', 'src']);

    const out = await tempDir('lsvc-ctx-out-');
    cleanup.push(out);
    const { extract } = await import('tar-fs');
    const tar = await packContext(dir, context);
    await pipeline(tar, extract(out));
    expect(await tree(out)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'empty/',
      'link',
      'run.sh',
      'src/',
      'src/a.ts',
    ]);
    expect((await stat(join(out, 'empty'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(out, 'run.sh'))).mode & 0o111).not.toBe(0);
    expect(await readlink(join(out, 'link'))).toBe('src/a.ts');
  });

  it('walks an excluded folder only when an exception could reach into it', async () => {
    const rules = await ignoreRules('node_modules\ndist\n!dist/keep.txt\n!**/important\n');
    expect(rules.ignores('node_modules')).toBe(true);
    expect(rules.mayReinclude('dist')).toBe(true);
    // "**/important" could be anywhere: no folder may be skipped.
    expect(rules.mayReinclude('node_modules')).toBe(true);
    const strict = await ignoreRules('node_modules\ndist\n!dist/keep.txt\n');
    expect(strict.mayReinclude('node_modules')).toBe(false);
    expect(strict.mayReinclude('dist')).toBe(true);
    expect(strict.mayReinclude('dist/sub')).toBe(false);
  });

  it("keeps the template's dependencies, build output, git and secrets out, and its sources in", async () => {
    const template = join(ROOT, 'service-template');
    const { files } = await listBuildContext(template);
    const ignore = await readFile(join(template, '.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^node_modules$/m);
    expect(files).toEqual(expect.arrayContaining(['Dockerfile', 'package.json', 'package-lock.json']));
    expect(files.some((f) => f.startsWith('src/'))).toBe(true);
    for (const prefix of ['node_modules/', 'dist/', '.git/', 'template-variants/', 'coverage/'])
      expect(files.filter((f) => f.startsWith(prefix))).toEqual([]);
    expect(files).not.toContain('.env');
    expect(files).not.toContain('lsvc.yml');
  });
});

describe('Dockerfile', () => {
  it('lists the stages in order (named, unnamed by index, --platform, line continuations)', () => {
    const text = [
      '# syntax comment',
      'FROM node:24 AS base',
      'RUN echo \\',
      '  FROM not-a-stage AS nope',
      'from --platform=linux/amd64 base as Deps',
      'FROM scratch',
      'FROM base AS runtime',
    ].join('\n');
    expect(dockerfileStages(text)).toEqual(['base', 'deps', '2', 'runtime']);
  });

  it('defaults to the last stage and checks --target with a did-you-mean (exit 2)', () => {
    const stages = ['base', 'deps', 'test', 'runtime'];
    expect(chooseTarget(stages, undefined)).toBe('runtime');
    expect(chooseTarget(stages, 'Test')).toBe('test');
    expect(() => chooseTarget(stages, 'tset')).toThrow(
      'The Dockerfile has no stage "tset"; did you mean "test"?',
    );
    expect(() => chooseTarget(stages, 'prod')).toThrow(
      expect.objectContaining({ exitCode: 2, hint: 'Stages: base, deps, test, runtime.' }),
    );
  });

  it('without a Dockerfile: exit 4 with a hint', async () => {
    const dir = await tempDir('lsvc-nodf-');
    cleanup.push(dir);
    await expect(readDockerfile(dir)).rejects.toMatchObject({
      exitCode: 4,
      message: `No Dockerfile in ${dir}: there is nothing to build.`,
      hint: expect.stringContaining('git checkout -- Dockerfile'),
    });
  });
});
