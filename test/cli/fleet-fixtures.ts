// A workspace of real services for the fleet tests: each made by lsvc init (in process, git on, no
// npm install) from a small template (test/fixtures/fleet-v1), which a test can then "release" as
// 2.0.0 (fleet-v2: a line added next to the log level, a new file, an upgrade step).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@jest/globals';

import { initService } from '../../src/init/init-service.js';
import { FIXTURES, isolatedGitEnv, tempDir } from '../support/cli.js';

export interface FleetFixture {
  root: string;
  /** The team's template folder the services were made from. */
  tpl: string;
  env: NodeJS.ProcessEnv;
  dir: (service: string) => string;
  git: (service: string, ...args: string[]) => string;
  /** The template folder moves on to 2.0.0. */
  releaseV2: () => Promise<void>;
  edit: (service: string, file: string, from: string, to: string) => Promise<void>;
  cleanup: () => Promise<void>;
}

/** Services made under `root/<parent>/<name>` ("" for directly under root). */
export async function makeFleet(services: { name: string; parent?: string }[]): Promise<FleetFixture> {
  const root = await tempDir('lsvc-fleet-');
  const env = await isolatedGitEnv();
  const tpl = join(await tempDir('lsvc-fleet-tpl-'), 'team-template');
  await cp(join(FIXTURES, 'fleet-v1'), tpl, { recursive: true });
  const where = new Map<string, string>();
  for (const s of services) {
    const parent = join(root, s.parent ?? '');
    await mkdir(parent, { recursive: true });
    const dir = join(parent, s.name);
    where.set(s.name, dir);
    await initService({
      name: s.name,
      dir,
      templateDir: tpl,
      templateSource: tpl,
      given: {},
      git: true,
      install: false,
      lsvcVersion: '0.1.0',
      progress: { json: true },
      signal: new AbortController().signal,
      env: { ...process.env, ...env },
    });
  }
  const dir = (name: string) => {
    const d = where.get(name);
    if (!d) throw new Error(`no service ${name} in the fixture`);
    return d;
  };
  const git = (name: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
      cwd: dir(name),
      env: { ...process.env, ...env },
    })
      .toString()
      .trim();
  return {
    root,
    tpl,
    env,
    dir,
    git,
    releaseV2: async () => {
      await rm(tpl, { recursive: true });
      await cp(join(FIXTURES, 'fleet-v2'), tpl, { recursive: true });
    },
    edit: async (name, file, from, to) => {
      const path = join(dir(name), file);
      const text = await readFile(path, 'utf8');
      expect(text).toContain(from);
      await writeFile(path, text.replace(from, to));
    },
    cleanup: async () => {
      await Promise.all(
        [root, join(tpl, '..'), env.HOME ?? ''].map((d) => rm(d, { recursive: true, force: true })),
      );
    },
  };
}
