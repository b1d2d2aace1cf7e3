// lsvc upgrade end to end through the built binary, with two versions of a small template
// (test/fixtures/upgrade-v1 and upgrade-v2; see the diff between them for what changes).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { beforeAll, describe, expect, it } from '@jest/globals';

import { emptySummary } from '../../src/upgrade/summary.js';
import { exists, fakeProgram, FIXTURES, listTree, readText } from '../support/cli.js';
import { edit, expectCleanFailure, type Service, upgradeKit } from '../support/upgrade.js';

const { git, lsvc, lsvcWith, scratch, makeService, templateClone, releaseV2, snapshot, record } =
  upgradeKit();

/** Your changes: the port (away from the template's change), the shutdown line (the same line), and no Dockerfile. */
async function userChanges(s: Service): Promise<void> {
  await edit(join(s.dir, 'src/config.ts'), 'PORT ?? 3000', 'PORT ?? 8080');
  await edit(join(s.dir, 'src/shutdown.ts'), 'void close();', 'await close();');
  git(s.dir, 'rm', '-q', 'Dockerfile');
  git(s.dir, 'commit', '-q', '-am', 'My changes');
}

describe('lsvc init keeps the pristine render for upgrades', () => {
  it('creates the lsvc/template branch at the first commit, main starting from it', async () => {
    const s = await makeService();
    expect(git(s.dir, 'rev-parse', 'lsvc/template')).toBe(git(s.dir, 'rev-parse', 'main'));
    expect(git(s.dir, 'branch', '--show-current')).toBe('main');
    expect(git(s.dir, 'ls-tree', '-r', '--name-only', 'lsvc/template')).toContain('.lsvc/template.json');
  });
});

describe('lsvc upgrade --check', () => {
  it('exits 0 when up to date and 1 when a newer version exists, with the notes crossed', async () => {
    const s = await makeService();
    const before = await lsvc(s.dir, 'upgrade', '--check');
    expect({ code: before.code, out: before.stdout }).toEqual({
      code: 0,
      out: 'Up to date: template 1.0.0.\n',
    });

    await releaseV2(s);
    const after = await lsvc(s.dir, 'upgrade', '--check');
    expect(after.code).toBe(1);
    expect(after.stderr).toBe('');
    expect(after.stdout).toContain('Upgrade available: template 1.0.0 -> 2.0.0');
    // Oldest first; 0.9.0 is older than the service and not shown.
    expect(after.stdout.indexOf('Logs are JSON')).toBeLessThan(
      after.stdout.indexOf('DB_URL is now DATABASE_URL'),
    );
    expect(after.stdout).not.toContain('never shown');

    const json = await lsvc(s.dir, 'upgrade', '--check', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      current: '1.0.0',
      latest: '2.0.0',
      upToDate: false,
      source: s.tpl,
      answers: { name: 'demo', db: 'mysql' },
      changedAnswers: [],
      steps: [
        { version: '1.5.0', notes: 'Logs are JSON from 1.5.0 on.', run: [] },
        {
          version: '2.0.0',
          notes: 'DB_URL is now DATABASE_URL: rename it in every environment.',
          run: ['echo migrated > upgrade-step.txt'],
        },
      ],
    });
  });
});

describe('lsvc upgrade with your changes', () => {
  let s: Service;
  beforeAll(async () => {
    s = await makeService();
    await userChanges(s);
    await releaseV2(s);
  });

  it('--dry-run lists the outcome and leaves files, index, HEAD and branches untouched', async () => {
    const before = await snapshot(s.dir);
    const r = await lsvc(s.dir, 'upgrade', '--dry-run');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        'Would upgrade: template 1.0.0 -> 2.0.0 (from ' + s.tpl + ').',
        'updated src/db.ts',
        'merged with your changes src/config.ts',
        'added src/demo-health.ts',
        'removed by the template OLD-NOTES.md',
        'you deleted it: kept deleted Dockerfile',
        'CONFLICT: for you to resolve src/shutdown.ts',
        '1 file would conflict. Nothing was changed (dry run).',
      ]),
    );
    expect(await snapshot(s.dir)).toEqual(before);

    const json = await lsvc(s.dir, 'upgrade', '--dry-run', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      committed: false,
      summary: {
        updated: ['src/db.ts'],
        merged: ['src/config.ts'],
        added: ['src/demo-health.ts'],
        removed: ['OLD-NOTES.md'],
        keptDeleted: ['Dockerfile'],
        conflicted: ['src/shutdown.ts'],
      },
    });
    expect(await snapshot(s.dir)).toEqual(before);
  });

  it('merges: clean changes applied, a real git conflict, your deletion kept, new files with your answers', async () => {
    const r = await lsvc(s.dir, 'upgrade');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CONFLICT: for you to resolve   src/shutdown.ts');
    expect(r.stdout).toContain('you deleted it: kept deleted   Dockerfile');
    expect(r.stdout).toMatch(/1 conflict to resolve.*git add.*git commit/);

    // Clean merge of a file both sides changed in different places.
    const config = await readText(join(s.dir, 'src/config.ts'));
    expect(config).toContain('PORT ?? 8080');
    expect(config).toContain('process.env.DATABASE_URL');
    // The conflict is git's own: git status and markers.
    expect(git(s.dir, 'status', '--porcelain')).toMatch(/^UU src\/shutdown\.ts$/m);
    expect(await readText(join(s.dir, 'src/shutdown.ts'))).toMatch(
      /<<<<<<< HEAD\n {4}await close\(\);\n=======\n {4}void close\(\)\.finally.*\n>>>>>>> lsvc\/template/,
    );
    expect(await exists(join(s.dir, '.git/MERGE_HEAD'))).toBe(true);
    // Deleted by you, changed by the template: stays deleted, and is not a conflict left to resolve.
    expect(await exists(join(s.dir, 'Dockerfile'))).toBe(false);
    expect(git(s.dir, 'status', '--porcelain', '--', 'Dockerfile')).toBe('');
    // New file, named and filled with the service's name; the db answer (mysql) reused.
    expect(await readText(join(s.dir, 'src/demo-health.ts'))).toContain("service: 'demo'");
    expect(await readText(join(s.dir, 'src/db.ts'))).toBe(
      'export const engine = "mysql";\nexport const pool = 10;\n',
    );
    expect(await exists(join(s.dir, 'OLD-NOTES.md'))).toBe(false);
    // The record is staged with the merge.
    expect(git(s.dir, 'diff', '--cached', '--name-only')).toContain('.lsvc/template.json');
    expect((await record(s.dir)).template.version).toBe('2.0.0');
    expect((await record(s.dir)).answers).toEqual({ name: 'demo', db: 'mysql' });

    // A second run while the merge is open is refused.
    expectCleanFailure(await lsvc(s.dir, 'upgrade'), 2, /merge is in progress/);
  });

  it('after you resolve and commit, the service is up to date and history has the merge', async () => {
    const file = join(s.dir, 'src/shutdown.ts');
    const text = await readText(file);
    await writeFile(file, text.replace(/<<<<<<< HEAD\n.*\n=======\n(.*\n)>>>>>>> .*\n/, '$1'));
    git(s.dir, 'add', '-A');
    git(s.dir, 'commit', '-q', '--no-edit');
    expect(git(s.dir, 'log', '-1', '--format=%P').split(' ')).toEqual([
      git(s.dir, 'rev-parse', 'HEAD^1'),
      git(s.dir, 'rev-parse', 'lsvc/template'),
    ]);
    expect(git(s.dir, 'log', '-1', '--format=%s', 'lsvc/template')).toBe('template 2.0.0');
    expect((await lsvc(s.dir, 'upgrade', '--check')).code).toBe(0);
    const again = await lsvc(s.dir, 'upgrade');
    expect(again.stdout).toContain('Up to date: template 2.0.0, nothing to upgrade.');
  });
});

describe('lsvc upgrade without conflicts', () => {
  it('commits the merge with the updated record and runs the upgrade commands with --trust', async () => {
    const s = await makeService();
    await edit(join(s.dir, 'src/config.ts'), 'PORT ?? 3000', 'PORT ?? 8080');
    git(s.dir, 'commit', '-q', '-am', 'Port');
    await releaseV2(s);
    const mine = git(s.dir, 'rev-parse', 'HEAD');

    const r = await lsvc(s.dir, 'upgrade', '--trust', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      committed: true,
      adopted: false,
      commands: { trusted: true, ran: ['echo migrated > upgrade-step.txt'] },
    });
    expect(out.summary).toEqual({
      ...emptySummary(),
      updated: ['Dockerfile', 'src/db.ts', 'src/shutdown.ts'],
      merged: ['src/config.ts'],
      added: ['src/demo-health.ts'],
      removed: ['OLD-NOTES.md'],
      keptDeleted: [],
      conflicted: [],
    });
    expect(git(s.dir, 'log', '-1', '--format=%P %s')).toBe(
      `${mine} ${git(s.dir, 'rev-parse', 'lsvc/template')} Upgrade to the lsvc service template 2.0.0`,
    );
    expect(git(s.dir, 'show', 'HEAD:.lsvc/template.json')).toContain('"version": "2.0.0"');
    // Only the upgrade command's own output is left uncommitted.
    expect(git(s.dir, 'status', '--porcelain')).toBe('?? upgrade-step.txt');
    expect(await readText(join(s.dir, 'upgrade-step.txt'))).toBe('migrated\n');
  });

  it('a failing upgrade command: exit 6 after the merge is committed', async () => {
    const s = await makeService();
    await releaseV2(s);
    await edit(
      join(s.tpl, 'lsvc-template.json'),
      'echo migrated > upgrade-step.txt',
      'echo broken >&2; exit 3',
    );
    const r = await lsvc(s.dir, 'upgrade', '--trust');
    expectCleanFailure(r, 6, /Upgrade step "echo broken >&2; exit 3" failed \(exit 3\)/);
    expect(r.stdout).toContain('broken');
    expect(git(s.dir, 'log', '-1', '--format=%s')).toBe('Upgrade to the lsvc service template 2.0.0');
    expect(git(s.dir, 'status', '--porcelain')).toBe('');
  });

  it('a file you moved gets the template change at its new place (git follows the rename)', async () => {
    const s = await makeService();
    git(s.dir, 'mv', 'src/config.ts', 'src/settings.ts');
    git(s.dir, 'commit', '-q', '-m', 'Rename config');
    await releaseV2(s);
    const r = await lsvc(s.dir, 'upgrade', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      committed: true,
      summary: { merged: ['src/config.ts'], keptDeleted: [], conflicted: [] },
    });
    expect(await readText(join(s.dir, 'src/settings.ts'))).toContain('process.env.DATABASE_URL');
    expect(await exists(join(s.dir, 'src/config.ts'))).toBe(false);
  });

  it('without --trust and without a terminal, lists the commands instead of running them: exit 8', async () => {
    const s = await makeService();
    await releaseV2(s);
    const r = await lsvc(s.dir, 'upgrade');
    expect(r.code).toBe(8);
    expect(r.stdout).toContain('Not run: the command above comes from the template at');
    expect(r.stdout).toContain('Merged and committed template 2.0.0');
    expect(r.stdout).toContain('run: echo migrated > upgrade-step.txt');
    expect(await exists(join(s.dir, 'upgrade-step.txt'))).toBe(false);
    expect(git(s.dir, 'status', '--porcelain')).toBe('');
  });
});

describe('lsvc upgrade refusals', () => {
  it('refuses a dirty tree (exit 2) and touches nothing', async () => {
    const s = await makeService();
    await releaseV2(s);
    await writeFile(join(s.dir, 'README.md'), 'work in progress\n');
    await writeFile(join(s.dir, 'notes.txt'), 'untracked\n');
    const before = await snapshot(s.dir);
    const r = await lsvc(s.dir, 'upgrade');
    expectCleanFailure(r, 2, /uncommitted changes/);
    expect(r.stderr).toContain(' M README.md');
    expect(r.stderr).toMatch(/Hint: Commit them \(or git stash\)/);
    expect(await snapshot(s.dir)).toEqual(before);
  });

  it('refuses when a new template file would overwrite a file git ignores, and keeps that file', async () => {
    const s = await makeService();
    await writeFile(join(s.dir, '.gitignore'), 'node_modules\nsrc/demo-health.ts\n');
    git(s.dir, 'commit', '-q', '-am', 'Ignore my local health file');
    await writeFile(join(s.dir, 'src/demo-health.ts'), 'mine\n');
    await releaseV2(s);
    const before = await snapshot(s.dir);
    const r = await lsvc(s.dir, 'upgrade');
    expectCleanFailure(r, 2, /adds files that exist here, untracked and ignored/);
    expect(r.stderr).toContain('src/demo-health.ts');
    expect(await snapshot(s.dir)).toEqual(before);
    expect(await readText(join(s.dir, 'src/demo-health.ts'))).toBe('mine\n');
  });

  it('--to a version the template folder does not hold is a usage error', async () => {
    const s = await makeService();
    await releaseV2(s);
    const r = await lsvc(s.dir, 'upgrade', '--to', '3.0.0');
    expectCleanFailure(r, 2, /is version 2\.0\.0; it cannot provide version 3\.0\.0/);
    expect((await lsvc(s.dir, 'upgrade', '--to', '2.0.0', '--dry-run')).code).toBe(0);
  });

  it('--dry-run with a git older than 2.38 (no merge-tree --write-tree): exit 3 naming the need', async () => {
    const s = await makeService();
    await releaseV2(s);
    const bin = join(s.root, 'bin');
    await mkdir(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
    await fakeProgram(
      bin,
      'git',
      `[ "$1" = merge-tree ] && { echo "usage: git merge-tree" >&2; exit 129; }\nexec ${realGit} "$@"`,
    );
    const r = await lsvcWith(
      { cwd: s.dir, env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } },
      'upgrade',
      '--dry-run',
    );
    expectCleanFailure(r, 3, /--dry-run needs git 2\.38 or newer/);
  });

  it('outside a git repository: exit 3', async () => {
    const s = await makeService(['--no-git']);
    await releaseV2(s);
    expectCleanFailure(await lsvc(s.dir, 'upgrade'), 3, /is not a git repository/);
  });

  it('without .lsvc/template.json: exit 3', async () => {
    const dir = await scratch('lsvc-upgrade-none-');
    expectCleanFailure(await lsvc(dir, 'upgrade', '--check'), 3, /template\.json is missing/);
  });
});

describe('lsvc upgrade adopts a service without the lsvc/template branch', () => {
  let s: Service;
  beforeAll(async () => {
    // Made with --no-git, then put under git by hand: no lsvc/template branch.
    s = await makeService(['--no-git']);
    git(s.dir, 'init', '-q', '-b', 'main');
    git(s.dir, 'add', '-A');
    git(s.dir, 'commit', '-q', '-m', 'Initial commit');
    await userChanges(s);
    await releaseV2(s);
  });

  it('without a folder of the recorded version, says how to give one', async () => {
    const r = await lsvc(s.dir, 'upgrade');
    expectCleanFailure(r, 2, /no lsvc\/template branch.*\(1\.0\.0\)/);
    expect(r.stderr).toContain('--from <folder>');
  });

  it('--from the old template rebuilds the base: same three-way outcome, history adopted', async () => {
    const old = join(s.root, 'v1');
    await cp(join(FIXTURES, 'upgrade-v1'), old, { recursive: true });
    const before = await snapshot(s.dir);
    const dry = await lsvc(s.dir, 'upgrade', '--from', old, '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({
      adopted: true,
      summary: { merged: ['src/config.ts'], keptDeleted: ['Dockerfile'], conflicted: ['src/shutdown.ts'] },
    });
    expect(await snapshot(s.dir)).toEqual(before);

    const r = await lsvc(s.dir, 'upgrade', '--from', old);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(template history adopted)');
    expect(git(s.dir, 'status', '--porcelain')).toMatch(/^UU src\/shutdown\.ts$/m);
    expect(await readText(join(s.dir, 'src/config.ts'))).toContain('PORT ?? 8080');
    expect(await readText(join(s.dir, 'src/config.ts'))).toContain('DATABASE_URL');
    expect(await exists(join(s.dir, 'Dockerfile'))).toBe(false);
    expect(git(s.dir, 'log', '-1', '--format=%s', 'HEAD')).toMatch(/^Adopt the lsvc template history/);
    expect(git(s.dir, 'log', '-1', '--format=%s', 'lsvc/template')).toBe('template 2.0.0');
    expect(git(s.dir, 'log', '-1', '--format=%s', 'lsvc/template^')).toBe(
      'template 1.0.0 (rebuilt by lsvc upgrade)',
    );
  });
});

describe('a template folder that is a git clone provides its tagged versions', () => {
  let s: Service;
  const replaceTemplate = async (fixture: string) => {
    for (const rel of await listTree(s.tpl)) {
      if (!rel.includes('/') && rel !== '.git') await rm(join(s.tpl, rel), { recursive: true });
    }
    await cp(join(FIXTURES, fixture), s.tpl, { recursive: true });
  };
  beforeAll(async () => {
    const root = await scratch('lsvc-upgrade-tags-');
    const tpl = await templateClone(root);
    // Made before lsvc upgrade existed: no git at init, put under git by hand later.
    expect(
      (await lsvc(root, 'init', 'demo', '--template', tpl, '--db', 'mysql', '--no-install', '--no-git')).code,
    ).toBe(0);
    s = { root, tpl, dir: join(root, 'demo') };
    git(s.dir, 'init', '-q', '-b', 'main');
    git(s.dir, 'add', '-A');
    git(s.dir, 'commit', '-q', '-m', 'Initial commit');
    await userChanges(s);

    await replaceTemplate('upgrade-v2');
    git(tpl, 'add', '-A');
    git(tpl, 'commit', '-q', '-m', '2.0.0');
    git(tpl, 'tag', 'v2.0.0');
    // The clone has moved on past 2.0.0.
    await edit(join(tpl, 'lsvc-template.json'), '"version": "2.0.0"', '"version": "3.0.0"');
    await edit(join(tpl, 'README.md'), 'A small service', 'A little service');
    git(tpl, 'commit', '-q', '-am', '3.0.0');
  });

  it('--to an older tag than the folder holds, with the base found at the recorded version tag', async () => {
    const before = await snapshot(s.dir);
    const tplStatus = git(s.tpl, 'status', '--porcelain');
    const r = await lsvc(s.dir, 'upgrade', '--to', '2.0.0', '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      current: '1.0.0',
      latest: '2.0.0',
      adopted: true,
      summary: {
        updated: ['src/db.ts'],
        merged: ['src/config.ts'],
        keptDeleted: ['Dockerfile'],
        conflicted: ['src/shutdown.ts'],
      },
    });
    expect(await snapshot(s.dir)).toEqual(before);
    // The template clone is only read.
    expect(git(s.tpl, 'status', '--porcelain')).toBe(tplStatus);
    expect(git(s.tpl, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');

    const real = await lsvc(s.dir, 'upgrade', '--to', '2.0.0');
    expect(real.code).toBe(0);
    expect((await record(s.dir)).template.version).toBe('2.0.0');
    // 3.0.0's README change is not part of 2.0.0.
    expect(await readText(join(s.dir, 'README.md'))).toContain('A small service');
  });

  it('refuses --to a version older than the service, and one no tag holds', async () => {
    // The upgrade above left its conflicts: --check says so, not "up to date".
    expectCleanFailure(await lsvc(s.dir, 'upgrade', '--check'), 2, /A merge is in progress/);
    git(s.dir, 'merge', '--abort');
    expectCleanFailure(await lsvc(s.dir, 'upgrade', '--to', '0.5.0', '--check'), 2, /older than the version/);
    const r = await lsvc(s.dir, 'upgrade', '--to', '2.5.0', '--check');
    expectCleanFailure(r, 2, /is version 3\.0\.0; it cannot provide version 2\.5\.0/);
    expect(r.stderr).toContain('No git tag v2.5.0');
  });
});
