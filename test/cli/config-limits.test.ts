// Hostile lsvc.yml and lsvc-template.json through the built binary: an alias bomb, a file far
// too large, a symlink out of the service, and init pointed at things that are not templates.
import { cp, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { parseServiceConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { exists, FIXTURES, removeDir, runCli, tempDir } from '../support/cli.js';
import { expectCleanFailure } from '../support/upgrade.js';

let root: string;
beforeAll(async () => {
  root = await tempDir('lsvc-limits-');
});
afterAll(async () => {
  await removeDir(root);
});

const VALID = 'service: demo\nenvironments:\n  staging: {}\n';

async function service(name: string, yml: string): Promise<string> {
  const dir = join(root, name);
  await cp(join(FIXTURES, 'upgrade-v1'), dir, { recursive: true });
  await writeFile(join(dir, 'lsvc.yml'), yml);
  return dir;
}

/** Nine anchors, each alias list nine times the one before: 9^9 strings if expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
    lines.push(`${name}: &${name} [${Array<string>(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${VALID}${lines.join('\n')}\n`;
}

describe('lsvc.yml limits', () => {
  it('an alias bomb is a configuration error (exit 3), not a bug', async () => {
    const r = await runCli(['config'], { cwd: await service('bomb', aliasBomb()) });
    expectCleanFailure(r, 3, /^Error: lsvc\.yml:1:1: YAML aliases expand too far/);
    expect(r.stderr).not.toContain('bug');
    expect(r.stdout).toBe('');
  });

  it('a file over 1 MB is refused with the limit (exit 3), before it is parsed', async () => {
    const big = `${VALID}${'# padding padding padding padding padding padding padding padding\n'.repeat(160_000)}`;
    const r = await runCli(['config'], { cwd: await service('big', big) });
    expectCleanFailure(r, 3, /^Error: lsvc\.yml is 10\.\d MB: the limit is 1\.0 MB\.$/);
  });

  it('a symlink to a file outside the service is not followed', async () => {
    const outside = join(root, 'outside.yml');
    await writeFile(outside, VALID);
    const dir = await service('linked', VALID);
    await removeDir(join(dir, 'lsvc.yml'));
    await symlink(outside, join(dir, 'lsvc.yml'));
    expectCleanFailure(await runCli(['config'], { cwd: dir }), 3, /lsvc\.yml is a symlink to .*outside/);
  });

  it('lsvc config --env with an unknown environment prints nothing on stdout', async () => {
    const r = await runCli(['config', '--env', 'nope'], { cwd: await service('env', VALID) });
    expectCleanFailure(r, 2, /There is no environment "nope"/);
    expect(r.stdout).toBe('');
    const proto = await runCli(['config', '--env', 'constructor'], { cwd: join(root, 'env') });
    expectCleanFailure(proto, 2, /There is no environment "constructor"/);
  });

  it('40,000 unknown keys: one screen of problems, the rest counted', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    let error: unknown;
    try {
      parseServiceConfig(`${VALID}${keys}\n`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const details = (error as ConfigError).details;
    expect(details).toHaveLength(20);
    expect(details.at(-1)).toBe('… and 39980 more problems');
    expect(details[0]).toBe('lsvc.yml:5:1: k1: unknown key');
  });
});

describe('lsvc init --template that is not a template', () => {
  it('a file: "is a file" (exit 2); an /etc-like folder: refused (exit 3); nothing created', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x\n');
    const r = await runCli(['init', 'one', '--template', file, '--no-install'], { cwd: root });
    expectCleanFailure(r, 2, /Template folder .*a-file is a file, not a template folder\./);

    const etc = join(FIXTURES, 'not-a-template');
    const refused = await runCli(['init', 'two', '--template', etc, '--no-install'], { cwd: root });
    expectCleanFailure(refused, 3, /not-a-template is not an lsvc template \(it has no lsvc-template\.json/);
    expect(await exists(join(root, 'one'))).toBe(false);
    expect(await exists(join(root, 'two'))).toBe(false);
  });

  it('an lsvc-template.json over 1 MB is refused with the limit (exit 3)', async () => {
    const tpl = join(root, 'huge-tpl');
    await cp(join(FIXTURES, 'upgrade-v1'), tpl, { recursive: true });
    const manifest = {
      version: '1.0.0',
      placeholder: 'little-service',
      exclude: Array(120_000).fill('x/**/y'),
    };
    await writeFile(join(tpl, 'lsvc-template.json'), JSON.stringify(manifest));
    const r = await runCli(['init', 'three', '--template', tpl, '--no-install'], { cwd: root });
    expectCleanFailure(r, 3, /lsvc-template\.json is 1\.\d MB: the limit is 1\.0 MB\./);
    expect(await exists(join(root, 'three'))).toBe(false);
  });
});
