// Where lsvc client may write: only inside the service, never over a file it did not make.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { calleesModule, checkWritable, readRecord, sourceToRecord } from '../../src/clients/files.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { removeDir, tempDir } from '../support/cli.js';

let root: string;
let outside: string;

beforeAll(async () => {
  root = await tempDir('lsvc-client-files-');
  outside = await tempDir('lsvc-client-outside-');
  await mkdir(join(root, 'src'), { recursive: true });
});
afterAll(async () => {
  await removeDir(root);
  await removeDir(outside);
});

async function refusal(file: string, markerRequired = true): Promise<string> {
  const error = await checkWritable(root, file, { markerRequired }).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('checkWritable', () => {
  it('allows a new file and one lsvc made', async () => {
    await expect(
      checkWritable(root, join(root, 'src', 'clients', 'a.ts'), { markerRequired: true }),
    ).resolves.toBeUndefined();
    await mkdir(join(root, 'src', 'clients'), { recursive: true });
    await writeFile(join(root, 'src', 'clients', 'made.ts'), '// Made by lsvc client add made\nexport {};\n');
    await expect(
      checkWritable(root, join(root, 'src', 'clients', 'made.ts'), { markerRequired: true }),
    ).resolves.toBeUndefined();
  });

  it('refuses a hand-written file', async () => {
    await writeFile(join(root, 'src', 'clients', 'mine.ts'), 'export const mine = 1;\n');
    expect(await refusal(join(root, 'src', 'clients', 'mine.ts'))).toBe(
      'src/clients/mine.ts exists and was not made by lsvc (its first line is not "// Made by lsvc ..."): not overwritten.',
    );
  });

  it("refuses a symlink in the file's place, even to a file lsvc made", async () => {
    await writeFile(join(outside, 'x.ts'), '// Made by lsvc\n');
    await symlink(join(outside, 'x.ts'), join(root, 'src', 'clients', 'linked.ts'));
    expect(await refusal(join(root, 'src', 'clients', 'linked.ts'), false)).toMatch(/is not a regular file/);
  });

  it('refuses a folder that leads outside the service', async () => {
    await symlink(outside, join(root, 'src', 'elsewhere'));
    expect(await refusal(join(root, 'src', 'elsewhere', 'deep', 'billing-api.ts'))).toBe(
      `src/elsewhere leads outside the service (${outside}): lsvc writes only inside it.`,
    );
  });
});

describe('.lsvc/clients.json', () => {
  it('is empty when missing, and refused when it is not a record', async () => {
    expect(await readRecord(root)).toEqual({ schema: 1, clients: {} });
    await mkdir(join(root, '.lsvc'), { recursive: true });
    await writeFile(
      join(root, '.lsvc', 'clients.json'),
      '{"schema":1,"clients":{"../etc":{"source":{"from":"x"},"lsvcVersion":"1"}}}',
    );
    await expect(readRecord(root)).rejects.toThrow(
      new ConfigError('.lsvc/clients.json names "../etc", which is not a service name.'),
    );
    await writeFile(join(root, '.lsvc', 'clients.json'), '{"schema":2}');
    await expect(readRecord(root)).rejects.toThrow('.lsvc/clients.json is not a record of typed clients.');
  });

  it('records a folder relative to the service', () => {
    expect(sourceToRecord('/w/orders', '/w/orders/src', { from: '../../billing-api' })).toEqual({
      from: '../billing-api',
    });
    expect(sourceToRecord('/w/orders', '/w/orders', { url: 'http://x/openapi.json' })).toEqual({
      url: 'http://x/openapi.json',
    });
  });

  it('callees.ts lists the services, marked as made by lsvc', () => {
    expect(calleesModule(['billing-api', 'shipping'])).toMatch(
      /^\/\/ Made by lsvc[^\n]*\n[\s\S]*export const callees: readonly string\[\] = \[\n {2}'billing-api',\n {2}'shipping',\n\];\n$/,
    );
    expect(calleesModule([])).toContain('export const callees: readonly string[] = [];');
  });
});
