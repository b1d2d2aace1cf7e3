// lsvc upgrade with the real service-template: a service made from lsvc's own template, then a
// newer version of that template (a copy with a changed Dockerfile and README, a new file and a note).
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { isolatedGitEnv, readText, removeDir, ROOT, runCli, tempDir } from '../support/cli.js';

// The version the bundled template is at (its manifest), whatever release it has reached.
const BUILTIN_VERSION = (
  JSON.parse(await readFile(join(ROOT, 'service-template', 'lsvc-template.json'), 'utf8')) as {
    version: string;
  }
).version;

// A version after it (its next minor): what a team's fork of the template would release next.
const [major = 1, minor = 0] = BUILTIN_VERSION.split('.').map(Number);
const NEWER = `${major}.${minor + 1}.0`;

const cleanup: string[] = [];
let gitEnv: NodeJS.ProcessEnv;
let root: string;
let service: string;
let newer: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
    cwd,
    env: { ...process.env, ...gitEnv },
  })
    .toString()
    .trim();

const lsvc = (...args: string[]) => runCli(args, { cwd: service, env: gitEnv });

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const changed = change(text);
  expect(changed).not.toBe(text);
  await writeFile(file, changed);
}

beforeAll(async () => {
  gitEnv = await isolatedGitEnv();
  root = await tempDir('lsvc-upgrade-builtin-');
  cleanup.push(gitEnv.HOME ?? '', root);
  const init = await runCli(['init', 'order-desk', '--db', 'mysql', '--no-install'], {
    cwd: root,
    env: gitEnv,
  });
  expect(init.code).toBe(0);
  service = join(root, 'order-desk');

  // "Template NEWER": lsvc's template with a few changes, as a team's fork would carry them.
  const source = join(ROOT, 'service-template');
  newer = join(root, `service-template-${NEWER}`);
  await cp(source, newer, {
    recursive: true,
    filter: (p) => !/(^|[\\/])(node_modules|dist|coverage)$/.test(relative(source, p).split(sep).join('/')),
  });
  await edit(join(newer, 'lsvc-template.json'), (t) => {
    const m = JSON.parse(t) as Record<string, unknown>;
    return JSON.stringify({
      ...m,
      version: NEWER,
      upgrades: [{ version: NEWER, notes: 'Run npm install.' }],
    });
  });
  await edit(join(newer, 'Dockerfile'), (t) =>
    t.replace('# little-service image. Stages:', `# little-service image (template ${NEWER}). Stages:`),
  );
  await edit(join(newer, 'README.md'), (t) => `${t}\nUpgraded by the template to ${NEWER}.\n`);
  await writeFile(
    join(newer, 'src', 'little-service-banner.ts'),
    "export const banner = 'little-service (LittleService)';\n",
  );
}, 120_000);
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

describe('lsvc upgrade with the real service template', () => {
  it('a service just made from the built-in template is up to date', async () => {
    const r = await lsvc('upgrade', '--check', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ upToDate: true, source: 'builtin', steps: [] });
  });

  it('the built-in template at the same version is up to date, even where its files differ', async () => {
    // As after installing the same lsvc from npm, whose packaging leaves out a few files.
    const file = join(service, '.lsvc/template.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/"hash": "sha256:[0-9a-f]+"/, `"hash": "sha256:${'0'.repeat(64)}"`));
    git(service, 'commit', '-q', '-am', 'Another packaging of the same template');
    const check = await lsvc('upgrade', '--check');
    expect({ code: check.code, out: check.stdout }).toEqual({
      code: 0,
      out: `Up to date: template ${BUILTIN_VERSION}.\n`,
    });
    expect((await lsvc('upgrade', '--dry-run')).stdout).toBe(
      `Up to date: template ${BUILTIN_VERSION}, nothing to upgrade.\n`,
    );
    git(service, 'reset', '-q', '--hard', 'HEAD~1');
  });

  it('merges a newer version into the service, your README change kept, answers reused', async () => {
    await edit(join(service, 'README.md'), (t) =>
      t.replace('# order-desk\n', '# order-desk\n\nOur order desk (team notes).\n'),
    );
    git(service, 'commit', '-q', '-am', 'Team notes');

    const check = await lsvc('upgrade', '--check', '--template', newer);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('Run npm install.');

    const r = await lsvc('upgrade', '--template', newer, '--to', NEWER);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updated\s+Dockerfile/);
    expect(r.stdout).toMatch(/merged with your changes\s+README\.md/);
    expect(r.stdout).toMatch(/added\s+src\/order-desk-banner\.ts/);
    expect(r.stdout).toContain(`Merged and committed template ${NEWER}`);
    expect(git(service, 'status', '--porcelain')).toBe('');

    const readme = await readText(join(service, 'README.md'));
    expect(readme).toContain('Our order desk (team notes).');
    expect(readme).toContain(`Upgraded by the template to ${NEWER}.`);
    expect(await readText(join(service, 'Dockerfile'))).toContain(`# order-desk image (template ${NEWER}).`);
    expect(await readText(join(service, 'src/order-desk-banner.ts'))).toBe(
      "export const banner = 'order-desk (OrderDesk)';\n",
    );
    // The mysql answer is reused: the variant's CI file is still the mysql one.
    expect(await readText(join(service, '.github/workflows/ci.yml'))).toMatch(/mysql/i);
    const record = JSON.parse(git(service, 'show', 'HEAD:.lsvc/template.json')) as {
      template: { source: string; version: string };
      answers: Record<string, string>;
    };
    expect(record.template).toMatchObject({ source: newer, version: NEWER });
    expect(record.answers).toEqual({ name: 'order-desk', db: 'mysql' });

    // The recorded source is now the newer folder: up to date.
    expect((await lsvc('upgrade', '--check')).code).toBe(0);
  });
});
