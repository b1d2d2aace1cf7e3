// lsvc upgrade against a hostile pull request: .lsvc/template.json, template sources and template
// symlinks that try to write outside the service, read the machine, or go back in time. Through the
// built binary, with TMPDIR pointed at a folder of the test's own to see what is left behind.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { beforeAll, describe, expect, it } from '@jest/globals';

import { exists, fakeProgram, FIXTURES, listTree, runCli } from '../support/cli.js';
import { expectCleanFailure, type Service, upgradeKit } from '../support/upgrade.js';

const { git, lsvc, lsvcWith, copyService, makeService, releaseV2, editRecord, snapshot } = upgradeKit();

const ETC_LIKE = join(FIXTURES, 'not-a-template');

/** Run lsvc with TMPDIR in the service's own scratch folder; returns the run and what it left there. */
async function run(s: Service, ...args: string[]) {
  const tmp = join(s.root, 'tmp');
  await mkdir(tmp, { recursive: true });
  const r = await lsvcWith({ cwd: s.dir, env: { TMPDIR: tmp } }, ...args);
  // Node's compile cache lives there too; anything of lsvc's (or written through it) must not.
  const left = (await readdir(tmp)).filter((n) => n !== 'node-compile-cache');
  return { ...r, left };
}

let made: Service;
beforeAll(async () => {
  made = await makeService();
  await releaseV2(made);
});

describe('a hostile .lsvc/template.json is refused before anything is rendered', () => {
  const cases: [string, (r: Parameters<Parameters<typeof editRecord>[1]>[0], s: Service) => void, RegExp][] =
    [
      [
        'a name that climbs out of the folder',
        (r) => {
          r.answers.name = '../../evil';
        },
        /answers\.name "\.\.\/\.\.\/evil" is not a valid service name/,
      ],
      [
        'an answer the template does not offer',
        (r) => {
          r.answers.db = '../../../etc';
        },
        /does not offer db "\.\.\/\.\.\/\.\.\/etc", which \.lsvc\/template\.json records/,
      ],
      [
        'a version that is not semver',
        (r) => {
          r.template.version = 'banana';
        },
        /template\.version "banana" is not a semver version/,
      ],
      [
        'a version newer than anything the source has',
        (r) => {
          r.template.version = '9.0.0';
        },
        /records template 9\.0\.0, newer than anything its source has \(2\.0\.0\), and lsvc last merged 1\.0\.0 here/,
      ],
      [
        'an /etc-like folder as the source',
        (r) => {
          r.template.source = ETC_LIKE;
        },
        /not-a-template \(recorded in \.lsvc\/template\.json\) is not an lsvc template/,
      ],
      [
        'a template inside the service itself (a pull request could write its commands)',
        (r) => {
          r.template.source = 'vendor/tpl';
        },
        /vendor\/tpl \(recorded in \.lsvc\/template\.json\) is inside this service/,
      ],
    ];

  it.each(cases)('%s: exit 3, nothing written anywhere, no temp folder left', async (_, change, message) => {
    const s = await copyService(made);
    await cp(join(FIXTURES, 'upgrade-v2'), join(s.dir, 'vendor/tpl'), { recursive: true });
    git(s.dir, 'add', '-A');
    git(s.dir, 'commit', '-q', '-m', 'Vendor a template');
    await editRecord(s, (r) => {
      change(r, s);
    });
    const before = await snapshot(s.dir);
    const dry = await run(s, 'upgrade', '--dry-run');
    expectCleanFailure(dry, 3, message);
    expect(dry.left).toEqual([]);
    const check = await run(s, 'upgrade', '--check');
    expectCleanFailure(check, 3, message);
    expect(check.left).toEqual([]);
    expect(await snapshot(s.dir)).toEqual(before);
    expect((await listTree(s.root)).filter((p) => p.includes('evil'))).toEqual([]);
  });

  it('the /etc-like source: none of its files reaches .git/objects', async () => {
    const s = await copyService(made);
    await editRecord(s, (r) => {
      r.template.source = ETC_LIKE;
    });
    expectCleanFailure(await run(s, 'upgrade', '--dry-run'), 3, /is not an lsvc template/);
    for (const name of ['passwd', 'shadow', 'hosts']) {
      const blob = git(s.dir, 'hash-object', join(ETC_LIKE, name));
      expect(() => git(s.dir, 'cat-file', '-e', blob)).toThrow();
    }
    // The same folder given with --template is refused the same way.
    expectCleanFailure(await run(s, 'upgrade', '--template', ETC_LIKE), 3, /is not an lsvc template/);
  });

  it('a record that is a symlink out of the service, or larger than 1 MB: exit 3', async () => {
    const s = await copyService(made);
    const outside = join(s.root, 'outside.json');
    await cp(join(s.dir, '.lsvc/template.json'), outside);
    await rm(join(s.dir, '.lsvc/template.json'));
    await symlink(outside, join(s.dir, '.lsvc/template.json'));
    git(s.dir, 'commit', '-q', '-am', 'Link the record');
    expectCleanFailure(
      await run(s, 'upgrade', '--check'),
      3,
      /template\.json is a symlink to .*outside\.json/,
    );

    // The folder on the way to it as a symlink is not followed either.
    const dirLink = await copyService(made);
    const away = join(dirLink.root, 'away');
    await cp(join(dirLink.dir, '.lsvc'), away, { recursive: true });
    git(dirLink.dir, 'rm', '-rq', '.lsvc');
    await symlink(away, join(dirLink.dir, '.lsvc'));
    git(dirLink.dir, 'add', '.lsvc');
    git(dirLink.dir, 'commit', '-q', '-m', 'Link the record folder');
    expectCleanFailure(
      await run(dirLink, 'upgrade', '--dry-run'),
      3,
      /template\.json is a symlink to .*away/,
    );

    const big = await copyService(made);
    await editRecord(big, (r) => {
      r.answers.padding = 'x'.repeat(1_200_000);
    });
    expectCleanFailure(
      await run(big, 'upgrade', '--dry-run'),
      3,
      /template\.json is 1\.\d MB: the limit is 1\.0 MB/,
    );
  });

  it('SIGTERM in the middle of an upgrade: exit 143, temp folders removed, service untouched', async () => {
    const s = await copyService(made);
    const bin = join(s.root, 'bin');
    await mkdir(bin);
    const marker = join(s.root, 'git-is-waiting');
    const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
    await fakeProgram(
      bin,
      'git',
      `[ "$1" = merge-tree ] && { : > ${marker}; exec sleep 30; }\nexec ${realGit} "$@"`,
    );
    const before = await snapshot(s.dir);
    const tmp = join(s.root, 'tmp');
    await mkdir(tmp);
    const r = await lsvcWith(
      {
        cwd: s.dir,
        env: { TMPDIR: tmp, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
        onSpawn: (child) => {
          const poll = setInterval(() => {
            void exists(marker).then((there) => {
              if (!there) return;
              clearInterval(poll);
              child.kill('SIGTERM');
            });
          }, 50);
        },
      },
      'upgrade',
      '--dry-run',
    );
    // SIGTERM (as CI cancels a job) exits 143; Ctrl-C would be 130.
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({
      code: 143,
      stderr: expect.stringMatching(/^Error: Interrupted/),
    });
    expect((await readdir(tmp)).filter((n) => n.startsWith('lsvc-'))).toEqual([]);
    expect(await snapshot(s.dir)).toEqual(before);
  });
});

describe('template symlinks and variant folders that lead outside the template', () => {
  const hostile: [string, (tpl: string, outside: string) => Promise<void>, RegExp][] = [
    [
      'an absolute symlink',
      (tpl) => symlink('/etc/passwd', join(tpl, 'src/passwd')),
      /The template's src\/passwd is a symlink to \/etc\/passwd, outside the template/,
    ],
    [
      'a relative symlink that climbs out',
      (tpl) => symlink('../../outside/secret.txt', join(tpl, 'src/secret.txt')),
      /src\/secret\.txt is a symlink to \.\.\/\.\.\/outside\/secret\.txt, outside the template/,
    ],
    [
      'a variant folder that is a symlink elsewhere',
      async (tpl, outside) => {
        await rm(join(tpl, 'template-variants/db-mysql'), { recursive: true });
        await symlink(outside, join(tpl, 'template-variants/db-mysql'));
      },
      /variant folder "template-variants\/db-mysql" \(for db=mysql\) leads outside the template/,
    ],
  ];

  it.each(hostile)(
    '%s: lsvc upgrade and lsvc init refuse it (exit 3), nothing read through it',
    async (_, plant, message) => {
      const s = await copyService(made);
      const outside = join(s.root, 'outside');
      await mkdir(join(outside, 'src'), { recursive: true });
      await writeFile(join(outside, 'secret.txt'), 'secret\n');
      await writeFile(join(outside, 'src/db.ts'), 'secret\n');
      await plant(s.tpl, outside);
      const before = await snapshot(s.dir);
      const r = await run(s, 'upgrade', '--dry-run');
      expectCleanFailure(r, 3, message);
      expect(r.left).toEqual([]);
      expect(await snapshot(s.dir)).toEqual(before);
      const blob = git(s.dir, 'hash-object', join(outside, 'secret.txt'));
      expect(() => git(s.dir, 'cat-file', '-e', blob)).toThrow();

      const init = await runCli(['init', 'other', '--template', s.tpl, '--db', 'mysql', '--no-install'], {
        cwd: s.root,
      });
      expectCleanFailure(init, 3, message);
      expect(await exists(join(s.root, 'other'))).toBe(false);
    },
  );

  it('a symlink inside the template is kept as a link', async () => {
    const s = await copyService(made);
    await symlink('README.md', join(s.tpl, 'README-LINK.md'));
    const r = await lsvc(s.dir, 'upgrade', '--trust');
    expect(r.code).toBe(0);
    expect(git(s.dir, 'ls-files', '-s', 'README-LINK.md')).toMatch(/^120000 /);
    expect(git(s.dir, 'cat-file', '-p', 'HEAD:README-LINK.md')).toBe('README.md');
  });
});
