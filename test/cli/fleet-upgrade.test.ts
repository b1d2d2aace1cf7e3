// `lsvc fleet upgrade` through the built binary over real services and real git: a clean, a
// conflicted, a dirty, a mid-merge and an up-to-date service; the user's checkout never changes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { FleetUpgrade } from '../../src/fleet/upgrade.js';
import { upgradeService } from '../../src/upgrade/upgrade.js';
import { listTree, runCli, tempDir, removeDir } from '../support/cli.js';
import { type FleetFixture, makeFleet } from './fleet-fixtures.js';

let fleet: FleetFixture;
let origin: string;
const SERVICES = ['billing-api', 'orders', 'search', 'payments', 'ledger'];

beforeAll(async () => {
  fleet = await makeFleet(SERVICES.map((name) => ({ name })));
  // billing-api: your change away from the template's (clean merge); orders: on the same line.
  await fleet.edit('billing-api', 'src/config.ts', 'PORT ?? 3000', 'PORT ?? 8080');
  fleet.git('billing-api', 'commit', '-qam', 'Port 8080');
  await fleet.edit('orders', 'src/config.ts', "LOG_LEVEL ?? 'info'", "LOG_LEVEL ?? 'debug'");
  fleet.git('orders', 'commit', '-qam', 'Debug logs');
  // search: uncommitted work; payments: a merge stopped on a conflict.
  await fleet.edit('search', 'README.md', 'Made from', 'Made (work in progress) from');
  fleet.git('payments', 'checkout', '-qb', 'side');
  await fleet.edit('payments', 'README.md', 'Made from', 'Side from');
  fleet.git('payments', 'commit', '-qam', 'side');
  fleet.git('payments', 'checkout', '-q', 'main');
  await fleet.edit('payments', 'README.md', 'Made from', 'Main from');
  fleet.git('payments', 'commit', '-qam', 'main');
  try {
    fleet.git('payments', 'merge', '-q', 'side');
  } catch {
    // the conflict is the point
  }
  await fleet.releaseV2();
  // ledger: already upgraded to 2.0.0.
  await upgradeService({
    dir: fleet.dir('ledger'),
    builtinDir: '/nonexistent',
    dryRun: false,
    lsvcVersion: '0.1.0',
    commands: { trust: false },
    env: { ...process.env, ...fleet.env },
  });
  origin = await tempDir('lsvc-origin-');
  execFileSync('git', ['init', '-q', '--bare', origin]);
  fleet.git('billing-api', 'remote', 'add', 'origin', origin);
});
afterAll(async () => {
  await fleet.cleanup();
  await removeDir(origin);
});

/** Your side of each repository: HEAD, your branch, index, status, stash, worktrees and every file. */
async function userSide(name: string): Promise<Record<string, unknown>> {
  const dir = fleet.dir(name);
  const files: Record<string, string> = {};
  for (const rel of await listTree(dir)) {
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    files[rel] = await readFile(join(dir, rel)).then(
      (b) => createHash('sha256').update(b).digest('hex'),
      () => 'dir',
    );
  }
  return {
    head: fleet.git(name, 'rev-parse', 'HEAD'),
    branch: fleet.git(name, 'rev-parse', '--abbrev-ref', 'HEAD'),
    template: fleet.git(name, 'rev-parse', 'lsvc/template'),
    index: createHash('sha256')
      .update(await readFile(join(dir, '.git/index')))
      .digest('hex'),
    status: fleet.git(name, 'status', '--porcelain'),
    worktrees: fleet
      .git(name, 'worktree', 'list', '--porcelain')
      .split('\n')
      .filter((l) => l.startsWith('worktree')),
    files,
  };
}

const lsvc = (...args: string[]) =>
  runCli(['fleet', 'upgrade', ...args], { cwd: fleet.root, env: fleet.env, timeoutMs: 120_000 });

describe('lsvc fleet upgrade', () => {
  let result: FleetUpgrade;
  const before: Record<string, Record<string, unknown>> = {};

  beforeAll(async () => {
    for (const name of SERVICES) before[name] = await userSide(name);
    const r = await lsvc('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    result = JSON.parse(r.stdout) as FleetUpgrade;
  });

  it('reports every service: merged, conflicts, skipped with the reason, up to date', () => {
    expect(result.rows.map((r) => [r.service, r.outcome, r.reason, r.branch])).toEqual([
      ['billing-api', 'upgraded', null, 'lsvc/upgrade-2.0.0'],
      ['ledger', 'up-to-date', null, null],
      ['orders', 'conflicts', null, null],
      ['payments', 'skipped', 'a merge is in progress', null],
      ['search', 'skipped', 'uncommitted changes (1 path)', null],
    ]);
    const billing = result.rows[0];
    expect(billing).toMatchObject({
      from: '1.0.0',
      to: '2.0.0',
      counts: { merged: 1, added: 1, conflicts: 0 },
    });
    const orders = result.rows[2];
    expect(orders).toMatchObject({ conflicts: ['src/config.ts'], resolve: 'cd orders && lsvc upgrade' });
  });

  it("never touches the user's branch, index, working tree or worktrees", async () => {
    for (const name of SERVICES) {
      const now = await userSide(name);
      // Only a clean merge moves lsvc/template (as lsvc upgrade would); conflicts leave it as it was.
      if (name === 'billing-api') expect(now.template).not.toBe(before[name]?.template);
      expect({ ...now, template: null }).toEqual({ ...before[name], template: null });
    }
  });

  it('commits the clean merge on the branch: your change and the template change together', () => {
    const config = fleet.git('billing-api', 'show', 'lsvc/upgrade-2.0.0:src/config.ts');
    expect(config).toContain('PORT ?? 8080');
    expect(config).toContain("export const logFormat = 'json';");
    expect(fleet.git('billing-api', 'show', 'lsvc/upgrade-2.0.0:src/billing-api-health.ts')).toContain(
      '/healthz',
    );
    expect(fleet.git('billing-api', 'log', '-1', '--format=%s', 'lsvc/upgrade-2.0.0')).toBe(
      'Upgrade to the lsvc service template 2.0.0',
    );
    expect(fleet.git('billing-api', 'rev-parse', 'lsvc/upgrade-2.0.0^1')).toBe(before['billing-api']?.head);
    // Not the built-in template and no --trust: the step is listed, not run.
    expect(result.rows[0]?.steps).toEqual({
      commands: ['echo migrated > upgrade-step.txt'],
      ran: false,
      note: 'not run: the template is not built in (pass --trust to run them)',
    });
    expect(fleet.git('billing-api', 'ls-tree', '--name-only', 'lsvc/upgrade-2.0.0')).not.toContain(
      'upgrade-step.txt',
    );
  });

  it('leaves nothing of a conflicted merge: no branch, no worktree, lsvc/template as it was', () => {
    expect(fleet.git('orders', 'branch', '--list', 'lsvc/upgrade-*')).toBe('');
    expect(fleet.git('orders', 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('prints the summary table and what the conflicted service runs', async () => {
    fleet.git('billing-api', 'branch', '-D', 'lsvc/upgrade-2.0.0');
    const r = await lsvc('--trust', '--push');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/\nSERVICE +FROM -> TO +RESULT +UPDATED +MERGED +ADDED +CONFLICTS +BRANCH\n/);
    expect(out).toMatch(
      /\nbilling-api +1\.0\.0 -> 2\.0\.0 +merged +0 +1 +1 +0 +lsvc\/upgrade-2\.0\.0 \(pushed\)\n/,
    );
    expect(out).toMatch(/\norders +1\.0\.0 -> 2\.0\.0 +CONFLICTS +0 +0 +1 +1 +-\n/);
    expect(out).toMatch(/\nsearch +- +skipped .* uncommitted changes \(1 path\)\n/);
    expect(out).toContain('orders: conflicts in src/config.ts');
    expect(out).toContain('cd orders && lsvc upgrade');
    expect(out).toContain('1 branch made: billing-api lsvc/upgrade-2.0.0.');
    // --trust: the step ran in the worktree and its result is committed on the branch.
    expect(out).toContain('billing-api: $ echo migrated > upgrade-step.txt');
    expect(fleet.git('billing-api', 'show', 'lsvc/upgrade-2.0.0:upgrade-step.txt')).toBe('migrated');
    // --push: the branch is on origin.
    const pushed = execFileSync('git', ['rev-parse', 'refs/heads/lsvc/upgrade-2.0.0'], { cwd: origin })
      .toString()
      .trim();
    expect(pushed).toBe(fleet.git('billing-api', 'rev-parse', 'lsvc/upgrade-2.0.0'));
  });

  it('skips a service whose upgrade branch exists already', async () => {
    const r = await lsvc('--json');
    const billing = (JSON.parse(r.stdout) as FleetUpgrade).rows[0];
    expect(billing).toMatchObject({
      outcome: 'skipped',
      reason: 'branch lsvc/upgrade-2.0.0 exists already (merge it, or delete it to upgrade again)',
    });
  });
});
