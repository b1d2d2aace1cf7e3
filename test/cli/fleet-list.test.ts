// The workspace (lsvc-fleet.yml or discovery) and `lsvc fleet list`, with services made by lsvc init.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import FleetList from '../../commands/fleet/list.js';
import { parseFleetFile } from '../../src/fleet/workspace.js';
import type { Inventory } from '../../src/fleet/inventory.js';
import { ConfigError } from '../../src/errors.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { type FleetFixture, makeFleet } from './fleet-fixtures.js';
import { runCommand } from './status-fixtures.js';

let fleet: FleetFixture;
beforeAll(async () => {
  fleet = await makeFleet([
    { name: 'billing-api' },
    { name: 'orders', parent: 'team-a' },
    { name: 'too-deep', parent: 'x/y' },
  ]);
  // Not services: a folder without lsvc.yml, dependencies, hidden folders.
  await mkdir(join(fleet.root, 'docs'), { recursive: true });
  for (const junk of ['node_modules/pkg', '.cache/old']) {
    await mkdir(join(fleet.root, junk), { recursive: true });
    await writeFile(join(fleet.root, junk, 'lsvc.yml'), 'service: junk\nenvironments:\n  staging:\n');
  }
});
afterAll(async () => {
  await fleet.cleanup();
});

const list = (cwd: string, ...args: string[]) => runCommand(FleetList, args, { cwd, env: fleet.env });

describe('the workspace without lsvc-fleet.yml', () => {
  it('finds every lsvc.yml one or two levels below, nothing deeper, hidden or in node_modules', async () => {
    const r = await list(fleet.root);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^SERVICE +PATH +TEMPLATE +ENVIRONMENTS +BRANCH +TREE$/);
    expect(lines[1]).toMatch(/^billing-api +billing-api +1\.0\.0 +staging, production +main +clean$/);
    expect(lines[2]).toMatch(/^orders +team-a\/orders +1\.0\.0 +staging, production +main +clean$/);
    expect(r.stdout).not.toMatch(/too-deep|junk/);
    expect(r.stdout).toContain(`2 services found under ${fleet.root}.`);
  });

  it('shows uncommitted changes; --json has every field', async () => {
    await writeFile(join(fleet.dir('orders'), 'notes.txt'), 'wip\n');
    try {
      const r = await list(fleet.root, '--json');
      expect(r.code).toBe(0);
      const inv = JSON.parse(r.stdout) as Inventory;
      expect(inv.file).toBeNull();
      expect(inv.services).toEqual([
        {
          name: 'billing-api',
          path: 'billing-api',
          environments: ['staging', 'production'],
          template: { version: '1.0.0', source: fleet.tpl },
          git: { branch: 'main', clean: true, changes: 0, operation: null, repoRoot: true },
          warning: null,
        },
        expect.objectContaining({
          name: 'orders',
          path: 'team-a/orders',
          git: { branch: 'main', clean: false, changes: 1, operation: null, repoRoot: true },
        }),
      ]);
      const text = await list(fleet.root);
      expect(text.stdout).toMatch(/orders +team-a\/orders .* main +1 change\n/);
    } finally {
      await removeDir(join(fleet.dir('orders'), 'notes.txt'));
    }
  });

  it('says how to start when there is no service around (exit 3)', async () => {
    const empty = await tempDir('lsvc-empty-');
    try {
      const r = await list(empty);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        `Error: No lsvc-fleet.yml in ${empty} or above, and no lsvc.yml one or two levels below it.`,
      );
      expect(r.stderr).toMatch(/Hint: Run lsvc fleet in the folder that holds your services/);
    } finally {
      await removeDir(empty);
    }
  });
});

describe('lsvc-fleet.yml', () => {
  it('lists paths and globs; a missing folder, a non-service and an empty glob are warning rows', async () => {
    const outside = await tempDir('lsvc-outside-');
    await writeFile(join(outside, 'lsvc.yml'), 'service: outside\nenvironments:\n  staging:\n');
    await symlink(outside, join(fleet.root, 'linked'));
    await writeFile(
      join(fleet.root, 'lsvc-fleet.yml'),
      [
        'services:',
        '  - path: billing-api',
        '    profile: billing-admin',
        '  - team-*/*',
        '  - gone',
        '  - docs',
        '  - linked',
        '  - nothing-*/here',
        '',
      ].join('\n'),
    );
    try {
      // From inside a service: the file above is found.
      const r = await runCli(['fleet', 'list'], { cwd: fleet.dir('orders'), env: fleet.env });
      expect(r.code).toBe(0);
      const rows = r.stdout.split('\n');
      expect(rows[1]).toMatch(/^billing-api +billing-api +1\.0\.0/);
      expect(rows[2]).toMatch(/^orders +team-a\/orders +1\.0\.0/);
      expect(rows[3]).toMatch(/^- +gone +- +- +- +folder not found$/);
      expect(rows[4]).toMatch(/^- +docs +.* not a service \(no lsvc\.yml\)$/);
      expect(rows[5]).toMatch(/^- +linked +.* leads outside the workspace \(a symlink\)$/);
      expect(rows[6]).toMatch(/^- +nothing-\*\/here +.* the pattern matches no service$/);
      expect(r.stdout).toContain(`2 services listed in ${join(fleet.root, 'lsvc-fleet.yml')}.`);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        'Warning: gone: folder not found',
        'Warning: docs: not a service (no lsvc.yml)',
        'Warning: linked: leads outside the workspace (a symlink)',
        'Warning: nothing-*/here: the pattern matches no service',
      ]);
    } finally {
      await removeDir(join(fleet.root, 'lsvc-fleet.yml'));
      await removeDir(join(fleet.root, 'linked'));
      await removeDir(outside);
    }
  });

  it('an invalid file names file, line and key (exit 3), with "did you mean"', async () => {
    await writeFile(
      join(fleet.root, 'lsvc-fleet.yml'),
      'services:\n  - path: billing-api\n    regoin: eu-west-1\n',
    );
    try {
      const r = await list(fleet.root);
      expect(r.code).toBe(3);
      expect(r.stderr.split('\n')[0]).toBe(
        'Error: lsvc-fleet.yml:3:5: services.0.regoin: unknown key; did you mean "region"?',
      );
      expect(r.stderr).toContain('Hint: Allowed here: path, region, profile.');
    } finally {
      await removeDir(join(fleet.root, 'lsvc-fleet.yml'));
    }
  });

  const problem = (text: string) => {
    try {
      parseFleetFile(text);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('expected an error');
  };

  it('refuses paths out of the workspace, bad regions, wrong types and an empty list', () => {
    expect(problem('services:\n  - ../other\n')).toBe(
      'lsvc-fleet.yml:2:5: services.0: must be a path inside the workspace (relative, without "..")',
    );
    expect(problem('services:\n  - /etc\n')).toMatch(
      /^lsvc-fleet\.yml:2:5: services\.0: must be a path inside/,
    );
    expect(problem('services:\n  - path: a\n    region: Europe\n')).toBe(
      'lsvc-fleet.yml:3:13: services.0.region: must be an AWS region such as eu-west-1',
    );
    expect(problem('services:\n  - 42\n')).toBe(
      'lsvc-fleet.yml:2:5: services.0: must be a string or a map, not 42',
    );
    expect(problem('services: []\n')).toBe('lsvc-fleet.yml:1:11: services: must be at least 1');
    expect(problem('- a\n')).toBe('lsvc-fleet.yml:1:1: must be a map with a "services:" list');
    expect(parseFleetFile('services:\n  - a\n  - path: b/*\n    profile: p\n')).toEqual({
      services: ['a', { path: 'b/*', profile: 'p' }],
    });
  });
});
