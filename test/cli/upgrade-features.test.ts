// lsvc upgrade's Copier-class features through the built binary: --set (also at the same version),
// skipIfExists, newly excluded files, renames that carry your edits, untagged refs, trust for the
// template's commands in CI and at a terminal, and every way back to an older template refused.
import { spawn } from 'node:child_process';
import { cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from '@jest/globals';

import { BIN, type CliResult, cleanEnv, exists, FIXTURES, readText } from '../support/cli.js';
import { edit, expectCleanFailure, type Service, upgradeKit } from '../support/upgrade.js';

const {
  env,
  git,
  lsvc,
  lsvcWith,
  scratch,
  makeService,
  copyService,
  templateClone,
  releaseV2,
  snapshot,
  record,
} = upgradeKit();

const manifestOf = async (tpl: string) =>
  JSON.parse(await readText(join(tpl, 'lsvc-template.json'))) as Record<string, unknown>;
const writeManifest = (tpl: string, m: Record<string, unknown>) =>
  writeFile(join(tpl, 'lsvc-template.json'), `${JSON.stringify(m, null, 2)}\n`);

let made: Service;
beforeAll(async () => {
  made = await makeService();
});

describe('--set changes an answer, also at the same template version', () => {
  it('re-renders with db=postgres, merges it with your changes and records it', async () => {
    const s = await copyService(made);
    await edit(join(s.dir, 'README.md'), 'A small service', 'Our small service');
    git(s.dir, 'commit', '-q', '-am', 'Ours');
    const before = await snapshot(s.dir);
    const dry = await lsvc(s.dir, 'upgrade', '--set', 'db=postgres', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would upgrade: template 1.0.0, db mysql -> postgres');
    expect(dry.stdout).toMatch(/updated\s+src\/db\.ts/);
    expect(await snapshot(s.dir)).toEqual(before);

    const r = await lsvc(s.dir, 'upgrade', '--set', 'db=postgres', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      current: '1.0.0',
      latest: '1.0.0',
      committed: true,
      changedAnswers: [{ question: 'db', from: 'mysql', to: 'postgres' }],
    });
    expect(await readText(join(s.dir, 'src/db.ts'))).toContain('postgres');
    expect(await readText(join(s.dir, 'README.md'))).toContain('Our small service');
    expect((await record(s.dir)).answers).toEqual({ name: 'demo', db: 'postgres' });
    expect(git(s.dir, 'log', '-1', '--format=%s')).toBe(
      'Change the lsvc template answers: db=postgres (template 1.0.0)',
    );
    expect(await lsvc(s.dir, 'upgrade', '--check')).toMatchObject({ code: 0 });
    // The same answer again changes nothing.
    expect((await lsvc(s.dir, 'upgrade', '--set', 'db=postgres')).stdout).toContain('Up to date');
  });

  it('refuses a new name, an unknown question and an unknown choice (exit 2)', async () => {
    const s = made;
    expectCleanFailure(
      await lsvc(s.dir, 'upgrade', '--set', 'name=billing'),
      2,
      /--set name: renaming a service is not a template change/,
    );
    expectCleanFailure(await lsvc(s.dir, 'upgrade', '--set', 'cache=redis'), 2, /has no question "cache"/);
    const oracle = await lsvc(s.dir, 'upgrade', '--set', 'db=oracle', '--dry-run');
    expectCleanFailure(oracle, 2, /does not offer db "oracle"/);
    expect(oracle.stderr).toContain('Choose one of: postgres, mysql.');
  });
});

describe('a template that renames a file, owns files by skipIfExists and excludes an old one', () => {
  let s: Service;
  beforeAll(async () => {
    s = await copyService(made);
    // Your changes: the README and the port, and a notes file of your own where the template will put one.
    await edit(join(s.dir, 'README.md'), 'A small service', 'Our small service');
    await edit(join(s.dir, 'src/config.ts'), 'PORT ?? 3000', 'PORT ?? 8080');
    await writeFile(join(s.dir, 'demo-notes.md'), 'our notes\n');
    git(s.dir, 'add', '-A');
    git(s.dir, 'commit', '-q', '-m', 'Ours');
    // Template 2.0.0, with config.ts renamed to settings.ts, a changed README, two new owned files
    // and OLD-NOTES.md excluded from now on (still in the folder).
    await releaseV2(s);
    await rename(join(s.tpl, 'src/config.ts'), join(s.tpl, 'src/settings.ts'));
    await edit(join(s.tpl, 'README.md'), 'A small service', 'A small service, now on Node 24');
    await writeFile(join(s.tpl, 'little-service-notes.md'), 'template notes\n');
    await writeFile(join(s.tpl, '.env.example'), 'PORT=3000\n');
    await cp(join(FIXTURES, 'upgrade-v1/OLD-NOTES.md'), join(s.tpl, 'OLD-NOTES.md'));
    const m = await manifestOf(s.tpl);
    await writeManifest(s.tpl, {
      ...m,
      exclude: [...(m.exclude as string[]), 'OLD-NOTES.md'],
      skipIfExists: ['README.md', 'little-service-notes.md', '.env.example'],
    });
  });

  it('--dry-run reports each outcome and changes nothing', async () => {
    const before = await snapshot(s.dir);
    const r = await lsvc(s.dir, 'upgrade', '--dry-run');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        'renamed (your edits kept) src/config.ts -> src/settings.ts',
        'yours (skipIfExists): kept README.md',
        'yours (skipIfExists): kept demo-notes.md',
        'excluded by the template: kept OLD-NOTES.md',
        'added .env.example',
      ]),
    );
    expect(r.stdout).not.toMatch(/removed by the template/);
    expect(await snapshot(s.dir)).toEqual(before);
  });

  it('the upgrade keeps your files, moves your edits with the rename, and freezes the owned files', async () => {
    const r = await lsvc(s.dir, 'upgrade', '--trust', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      committed: true,
      summary: {
        renamed: [{ from: 'src/config.ts', to: 'src/settings.ts', edited: true }],
        skipped: ['README.md', 'demo-notes.md'],
        unmanaged: ['OLD-NOTES.md'],
        removed: [],
        conflicted: [],
      },
    });
    const settings = await readText(join(s.dir, 'src/settings.ts'));
    expect(settings).toContain('PORT ?? 8080');
    expect(settings).toContain('process.env.DATABASE_URL');
    expect(await exists(join(s.dir, 'src/config.ts'))).toBe(false);
    expect(await readText(join(s.dir, 'README.md'))).toContain('Our small service');
    expect(await readText(join(s.dir, 'README.md'))).not.toContain('Node 24');
    expect(await readText(join(s.dir, 'demo-notes.md'))).toBe('our notes\n');
    expect(await readText(join(s.dir, '.env.example'))).toBe('PORT=3000\n');
    expect(await readFile(join(s.dir, 'OLD-NOTES.md'))).toEqual(
      await readFile(join(FIXTURES, 'upgrade-v1/OLD-NOTES.md')),
    );
    // The template branch keeps the README as first rendered: later template changes never reach yours.
    expect(git(s.dir, 'show', 'lsvc/template:README.md')).toContain('A small service');
    expect(git(s.dir, 'show', 'lsvc/template:README.md')).not.toContain('Node 24');
    expect(git(s.dir, 'status', '--porcelain')).toBe('?? upgrade-step.txt');
  });
});

describe('untagged refs of a template repository', () => {
  let s: Service;
  let first: string;
  let second: string;
  beforeAll(async () => {
    const root = await scratch('lsvc-upgrade-refs-');
    const tpl = await templateClone(root);
    const init = await lsvc(root, 'init', 'demo', '--template', tpl, '--db', 'mysql', '--no-install');
    expect(init.code).toBe(0);
    s = { root, tpl, dir: join(root, 'demo') };
    // Unreleased work on main: 2.0.0's files, then one more commit, no tag.
    git(tpl, 'rm', '-rq', '.');
    await cp(join(FIXTURES, 'upgrade-v2'), tpl, { recursive: true });
    git(tpl, 'add', '-A');
    git(tpl, 'commit', '-q', '-m', '2.0.0 work');
    first = git(tpl, 'rev-parse', 'HEAD');
    await edit(join(tpl, 'README.md'), 'A small service', 'A small, fast service');
    git(tpl, 'commit', '-q', '-am', 'Faster');
    second = git(tpl, 'rev-parse', 'HEAD');
    git(tpl, 'checkout', '-q', 'v1.0.0');
  });

  it('--check --to names the command that brings that version', async () => {
    git(s.tpl, 'tag', 'v2.0.0', first);
    const r = await lsvc(s.dir, 'upgrade', '--check', '--to', 'v2.0.0');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Upgrade available: template 1.0.0 -> 2.0.0');
    expect(r.stdout).toContain('Run lsvc upgrade --to v2.0.0.');
    git(s.tpl, 'tag', '-d', 'v2.0.0');
  });

  it('--to main: exported from the branch, reported and recorded as an untagged ref', async () => {
    const before = await snapshot(s.dir);
    const dry = await lsvc(s.dir, 'upgrade', '--to', 'main', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `Would upgrade: template 1.0.0 -> 2.0.0, main at ${second.slice(0, 12)}: not a tagged version (from ${s.tpl}).`,
    );
    expect(await snapshot(s.dir)).toEqual(before);

    const r = await lsvc(s.dir, 'upgrade', '--to', 'main', '--trust');
    expect(r.code).toBe(0);
    expect((await record(s.dir)).template).toMatchObject({ version: '2.0.0', ref: 'main', commit: second });
    expect(await readText(join(s.dir, 'README.md'))).toContain('A small, fast service');
    expect(git(s.dir, 'log', '-1', '--format=%s')).toBe(
      `Upgrade to the lsvc service template 2.0.0 (main at ${second.slice(0, 12)})`,
    );
    // The clone was only read.
    expect(git(s.tpl, 'rev-parse', 'HEAD')).toBe(git(s.tpl, 'rev-parse', 'v1.0.0'));
    await rm(join(s.dir, 'upgrade-step.txt'));
  });

  it('refuses every way back: an earlier commit, a ref of an older version, the folder at an older version', async () => {
    const earlier = await lsvc(s.dir, 'upgrade', '--to', first);
    expectCleanFailure(
      earlier,
      2,
      new RegExp(`is at commit ${first.slice(0, 12)}, older than the ${second.slice(0, 12)}`),
    );
    expect(earlier.stderr).toContain('git revert -m 1');
    expectCleanFailure(
      await lsvc(s.dir, 'upgrade', '--to', 'v1.0.0^{commit}'),
      2,
      /holds template 1\.0\.0, older than the 2\.0\.0 this service is at: lsvc upgrade does not downgrade/,
    );
    // The recorded folder is checked out at 1.0.0 (git checkout v1.0.0): no upgrade "2.0.0 -> 1.0.0".
    const back = await lsvc(s.dir, 'upgrade', '--dry-run');
    expectCleanFailure(back, 2, /holds template 1\.0\.0, older than the 2\.0\.0 this service is at/);
    expectCleanFailure(await lsvc(s.dir, 'upgrade', '--check'), 2, /does not downgrade/);
    expectCleanFailure(
      await lsvc(s.dir, 'upgrade', '--to', 'nope'),
      2,
      /no version, tag, branch or commit "nope"/,
    );
  });
});

describe('a template folder that now holds an older version', () => {
  it('is refused (exit 2) with the way to undo an upgrade, and nothing changes', async () => {
    const s = await copyService(made);
    await releaseV2(s);
    expect((await lsvc(s.dir, 'upgrade', '--trust')).code).toBe(0);
    await rm(join(s.dir, 'upgrade-step.txt'));
    await cp(join(FIXTURES, 'upgrade-v1'), s.tpl, { recursive: true, force: true });
    const m = await manifestOf(s.tpl);
    await writeManifest(s.tpl, { ...m, version: '1.1.0' });
    const before = await snapshot(s.dir);
    const r = await lsvc(s.dir, 'upgrade');
    expectCleanFailure(r, 2, /holds template 1\.1\.0, older than the 2\.0\.0 this service is at/);
    expect(r.stderr).toMatch(/Hint: .*git revert -m 1 <commit>/);
    expect(await snapshot(s.dir)).toEqual(before);
  });
});

/** Run lsvc in a pseudo-terminal (util-linux script), answering its first question. */
function inTerminal(cwd: string, env: NodeJS.ProcessEnv, args: string[], answer: string): Promise<CliResult> {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd, env: { ...cleanEnv(), ...env } });
    let out = '';
    let answered = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!answered && out.includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out.replaceAll('\r\n', '\n'), stderr: '' });
    });
  });
}

describe("the template's upgrade commands need trust", () => {
  let released: Service;
  beforeAll(async () => {
    released = await copyService(made);
    await releaseV2(released);
  });

  it('in CI without --trust they are listed, not run: exit 8, also with --yes', async () => {
    for (const extra of [[], ['--yes']]) {
      const s = await copyService(released);
      const r = await lsvcWith({ cwd: s.dir, env: { CI: 'true' } }, 'upgrade', ...extra);
      expect({ code: r.code, out: r.stdout }).toMatchObject({
        code: 8,
        out: expect.stringContaining('run: echo migrated > upgrade-step.txt'),
      });
      expect(r.stdout).toContain('Not run: the command above comes from the template at');
      expect(r.stdout).toContain('Merged and committed template 2.0.0');
      expect(await exists(join(s.dir, 'upgrade-step.txt'))).toBe(false);
    }
    const trusted = await copyService(released);
    const r = await lsvcWith({ cwd: trusted.dir, env: { CI: 'true' } }, 'upgrade', '--trust');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ echo migrated > upgrade-step.txt');
    expect(await readText(join(trusted.dir, 'upgrade-step.txt'))).toBe('migrated\n');
  });

  it('at a terminal: the exact commands are shown before the question; yes runs them, no lists them', async () => {
    const yes = await copyService(released);
    const r = await inTerminal(yes.dir, env(), ['upgrade'], 'y');
    const shown = r.stdout.indexOf(
      `The template at ${yes.tpl} asks to run, in ${yes.dir}, with your permissions:`,
    );
    expect(shown).toBeGreaterThan(-1);
    expect(r.stdout.indexOf('  echo migrated > upgrade-step.txt', shown)).toBeGreaterThan(shown);
    expect(r.stdout).toContain('Trust this template and run them? [y/N]');
    expect(r.code).toBe(0);
    expect(await readText(join(yes.dir, 'upgrade-step.txt'))).toBe('migrated\n');

    const no = await copyService(released);
    const declined = await inTerminal(no.dir, env(), ['upgrade'], 'n');
    expect(declined.code).toBe(8);
    expect(await exists(join(no.dir, 'upgrade-step.txt'))).toBe(false);
  });
});
