// readGitState against real repositories in temp folders (and a fake exec for a missing git).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { readGitState, withoutCredentials } from '../../src/git.js';
import { tempDir } from '../support/cli.js';
import { gitSuite } from '../support/git-suite.js';

const { cleanup, git } = gitSuite();

async function repo(files: Record<string, string> = { 'a.txt': 'a\n' }): Promise<string> {
  const dir = await tempDir('lsvc-git-');
  cleanup.push(dir);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'First commit\n\nwith a body');
  return dir;
}

describe('readGitState', () => {
  it('reads a clean HEAD: sha, author, subject, no remote', async () => {
    const dir = await repo();
    const state = await readGitState(dir);
    expect(state).toEqual({
      repo: true,
      sha: git(dir, 'rev-parse', 'HEAD'),
      dirty: false,
      changes: [],
      author: 'Ada <ada@example.com>',
      message: 'First commit',
      remoteUrl: undefined,
    });
  });

  it('is dirty with a modified or an untracked file, not with an ignored one', async () => {
    const dir = await repo({ 'a.txt': 'a\n', '.gitignore': 'ignored.log\n' });
    await writeFile(join(dir, 'ignored.log'), 'x');
    expect(await readGitState(dir)).toMatchObject({ dirty: false });
    await writeFile(join(dir, 'a.txt'), 'changed\n');
    expect(await readGitState(dir)).toMatchObject({ dirty: true, changes: [' M a.txt'] });
    git(dir, 'checkout', '--', 'a.txt');
    await writeFile(join(dir, 'new.txt'), 'x');
    expect(await readGitState(dir)).toMatchObject({ dirty: true, changes: ['?? new.txt'] });
  });

  it('counts only changes under the folder asked about (a service in a monorepo)', async () => {
    const dir = await repo({ 'svc/a.txt': 'a\n', 'other/b.txt': 'b\n' });
    await writeFile(join(dir, 'other', 'b.txt'), 'changed\n');
    expect(await readGitState(join(dir, 'svc'))).toMatchObject({ repo: true, dirty: false });
    expect(await readGitState(dir)).toMatchObject({ dirty: true });
  });

  it('reads the origin remote without the credentials in it', async () => {
    const dir = await repo();
    git(dir, 'remote', 'add', 'upstream', 'git@github.com:acme/upstream.git');
    expect(await readGitState(dir)).toMatchObject({ remoteUrl: 'git@github.com:acme/upstream.git' });
    git(dir, 'remote', 'add', 'origin', 'https://ci:s3cret@github.com/acme/billing-api.git');
    const state = await readGitState(dir);
    expect(state).toMatchObject({ remoteUrl: 'https://github.com/acme/billing-api.git' });
    expect(JSON.stringify(state)).not.toContain('s3cret');
  });

  it('says why there is no commit: not a repository, or no commits yet', async () => {
    const plain = await tempDir('lsvc-nogit-');
    cleanup.push(plain);
    expect(await readGitState(plain)).toEqual({ repo: false, reason: 'not a git repository' });
    git(plain, 'init', '--quiet');
    expect(await readGitState(plain)).toEqual({ repo: false, reason: 'no commits yet' });
  });

  it('says so when git is not installed', async () => {
    const missing = Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' });
    const state = await readGitState('/tmp', async () => ({
      code: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      spawnError: missing,
    }));
    expect(state).toEqual({ repo: false, reason: 'git is not installed' });
  });
});

describe('withoutCredentials', () => {
  it.each([
    ['https://user:token@github.com/a/b.git', 'https://github.com/a/b.git'],
    ['https://x-access-token@github.com/a/b', 'https://github.com/a/b'],
    ['https://github.com/a/b.git', 'https://github.com/a/b.git'],
    ['git@github.com:a/b.git', 'git@github.com:a/b.git'],
    ['ssh://git@host:2222/a/b.git', 'ssh://git@host:2222/a/b.git'],
    ['ssh://git:pw@host/a/b.git', 'ssh://git@host/a/b.git'],
  ])('%s -> %s', (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
  });
});
