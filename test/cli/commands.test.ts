// The command surface as shipped: every command described with examples, help fast and complete.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { ROOT, runCli } from '../support/cli.js';

interface ManifestCommand {
  summary?: string;
  description?: string;
  examples?: { description: string; command: string }[];
  flags: Record<string, { helpGroup?: string }>;
  enableJsonFlag?: boolean;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};

describe('commands', () => {
  it.each(Object.entries(manifest.commands))('%s has a summary, a description and examples', (_id, cmd) => {
    expect(cmd.summary).toBeTruthy();
    expect(cmd.description).toBeTruthy();
    expect(cmd.examples?.length).toBeGreaterThanOrEqual(2);
    // An example may set environment variables first (`PORT=3001 lsvc dev`).
    for (const ex of cmd.examples ?? []) expect(ex.command).toMatch(/^(?:[A-Z_]+=\S+ )*lsvc /);
  });

  it.each(Object.entries(manifest.commands))('%s has the global flags', (_id, cmd) => {
    expect(Object.keys(cmd.flags)).toEqual(expect.arrayContaining(['verbose', 'yes', 'color']));
  });

  it('offers --json on the read commands only', () => {
    const withJson = Object.entries(manifest.commands)
      .filter(([, c]) => c.enableJsonFlag)
      .map(([id]) => id);
    expect(withJson.sort()).toEqual([
      'build',
      'bundle',
      'check:migrations',
      'client:add',
      'client:check',
      'client:update',
      'config',
      'deploy',
      'dev:down',
      'dev:ps',
      'doctor',
      'env:list',
      'env:rotate-identity',
      'fleet:list',
      'fleet:status',
      'fleet:upgrade',
      'iam-policy',
      'logs',
      'pipeline:init',
      'pipeline:status',
      'preview:down',
      'preview:list',
      'preview:prune',
      'preview:up',
      'provision',
      'push',
      'releases',
      'rollback',
      'status',
      'upgrade',
    ]);
  });

  it('prints a command help with its examples', async () => {
    const r = await runCli(['init', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Create a new service from the service template\.\n\nUSAGE\n {2}\$ lsvc init NAME/,
    );
    expect(r.stdout).toContain('$ lsvc init billing-api --db mysql --dir ~/src/billing-api');
    expect(r.stdout).toContain('--[no-]install');
    expect(r.stdout).toMatch(/GLOBAL FLAGS\n[\s\S]*--verbose/);
  });

  it('lists the commands, autocomplete and help included', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    for (const id of ['autocomplete', 'config', 'doctor', 'help', 'init'])
      expect(r.stdout).toMatch(new RegExp(`^ {2}${id} `, 'm'));
  });

  it('stops quietly when its reader goes away (lsvc help | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
