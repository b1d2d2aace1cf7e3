import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { prepareTarget, rollbackTarget } from '../../src/init/target.js';
import { exists, readText, removeDir, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

async function sandbox() {
  const dir = await tempDir('lsvc-target-');
  cleanup.push(dir);
  return dir;
}

describe('init target', () => {
  it('creates missing folders and removes exactly those on rollback', async () => {
    const root = await sandbox();
    const target = await prepareTarget(join(root, 'a', 'b', 'demo'));
    expect(target.createdRoot).toBe(join(root, 'a'));
    await writeFile(join(target.dir, 'file.txt'), 'x');
    await rollbackTarget(target);
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps a folder that existed empty, and empties it on rollback', async () => {
    const root = await sandbox();
    const dir = join(root, 'demo');
    await mkdir(dir);
    const target = await prepareTarget(dir);
    expect(target.createdRoot).toBeUndefined();
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'x.ts'), 'x');
    await rollbackTarget(target);
    expect(await exists(dir)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a non-empty folder (exit 2) and leaves it untouched', async () => {
    const root = await sandbox();
    await writeFile(join(root, 'keep.txt'), 'mine');
    await expect(prepareTarget(root)).rejects.toMatchObject({
      exitCode: 2,
      message: `${root} already exists and is not empty (1 entries).`,
    });
    expect(await readText(join(root, 'keep.txt'))).toBe('mine');
  });

  it('refuses a file and a path through a file', async () => {
    const root = await sandbox();
    await writeFile(join(root, 'f'), 'x');
    await expect(prepareTarget(join(root, 'f'))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is a file/),
    });
    await expect(prepareTarget(join(root, 'f', 'demo'))).rejects.toMatchObject({ exitCode: 2 });
  });
});
