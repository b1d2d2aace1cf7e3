// What the lsvc upgrade suites share: an isolated git identity, services made from the upgrade-v1
// fixture, the template's "release" of v2, and a snapshot of everything an upgrade could touch.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from '@jest/globals';

import { templateRecordSchema } from '../../src/template/record.js';
import {
  type CliOptions,
  type CliResult,
  exists,
  FIXTURES,
  isolatedGitEnv,
  listTree,
  readText,
  removeDir,
  runCli,
  tempDir,
} from './cli.js';

export interface Service {
  root: string;
  /** The template folder the service was made from (--template): replaced by v2 to "release" it. */
  tpl: string;
  dir: string;
}

/** Registers its own beforeAll/afterAll: call it at the top of a test file. */
export function upgradeKit() {
  const cleanup: string[] = [];
  let gitEnv: NodeJS.ProcessEnv = {};
  beforeAll(async () => {
    gitEnv = await isolatedGitEnv();
    cleanup.push(gitEnv.HOME ?? '');
  });
  afterAll(async () => {
    await Promise.all(cleanup.map(removeDir));
  });

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
      cwd,
      env: { ...process.env, ...gitEnv },
    })
      .toString()
      .trim();

  const lsvc = (cwd: string, ...args: string[]) => runCli(args, { cwd, env: gitEnv });
  const lsvcWith = (opts: CliOptions, ...args: string[]) =>
    runCli(args, { ...opts, env: { ...gitEnv, ...opts.env } });

  const scratch = async (prefix = 'lsvc-upgrade-') => {
    const dir = await tempDir(prefix);
    cleanup.push(dir);
    return dir;
  };

  /** A service made by lsvc init from upgrade-v1 (db mysql), as user "demo". */
  async function makeService(initArgs: string[] = []): Promise<Service> {
    const root = await scratch();
    const tpl = join(root, 'tpl');
    await cp(join(FIXTURES, 'upgrade-v1'), tpl, { recursive: true });
    const r = await lsvc(
      root,
      'init',
      'demo',
      '--template',
      tpl,
      '--db',
      'mysql',
      '--no-install',
      ...initArgs,
    );
    expect(r.code).toBe(0);
    return { root, tpl, dir: join(root, 'demo') };
  }

  /** A copy of a service (its repository and its template folder): cheaper than another lsvc init. */
  async function copyService(s: Service): Promise<Service> {
    const root = await scratch();
    const copy = { root, tpl: join(root, 'tpl'), dir: join(root, 'demo') };
    await cp(s.dir, copy.dir, { recursive: true, verbatimSymlinks: true });
    await cp(s.tpl, copy.tpl, { recursive: true, verbatimSymlinks: true });
    await editRecord(copy, (r) => {
      r.template.source = copy.tpl;
    });
    return copy;
  }

  /** upgrade-v1 in <root>/tpl as a git repository at its tag v1.0.0 (a team's template clone). */
  async function templateClone(root: string): Promise<string> {
    const tpl = join(root, 'tpl');
    await cp(join(FIXTURES, 'upgrade-v1'), tpl, { recursive: true });
    git(tpl, 'init', '-q', '-b', 'main');
    git(tpl, 'add', '-A');
    git(tpl, 'commit', '-q', '-m', '1.0.0');
    git(tpl, 'tag', 'v1.0.0');
    return tpl;
  }

  /** The template folder moves on to 2.0.0 (as after a git pull of a team's template). */
  async function releaseV2(s: Service): Promise<void> {
    await rm(s.tpl, { recursive: true });
    await cp(join(FIXTURES, 'upgrade-v2'), s.tpl, { recursive: true });
  }

  /** Change .lsvc/template.json and commit it (as a pull request would). */
  async function editRecord(
    s: Service,
    change: (r: ReturnType<typeof templateRecordSchema.parse>) => void,
  ): Promise<void> {
    const file = join(s.dir, '.lsvc/template.json');
    const r = JSON.parse(await readText(file)) as ReturnType<typeof templateRecordSchema.parse>;
    change(r);
    await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
    git(s.dir, 'commit', '-q', '--allow-empty', '-am', 'Edit the record');
  }

  /** Everything an upgrade could touch: refs, HEAD, index, status, every file's bytes, and .git but its objects. */
  async function snapshot(dir: string): Promise<Record<string, unknown>> {
    const files: Record<string, string> = {};
    const gitFiles: Record<string, string> = {};
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const rel of await listTree(dir)) {
      if (rel.startsWith('.git/objects')) continue;
      const into = rel === '.git' || rel.startsWith('.git/') ? gitFiles : files;
      into[rel] = await readFile(join(dir, rel)).then(hash, () => 'dir');
    }
    return {
      refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
      head: git(dir, 'symbolic-ref', 'HEAD'),
      status: git(dir, 'status', '--porcelain'),
      mergeHead: await exists(join(dir, '.git/MERGE_HEAD')),
      files,
      gitFiles,
    };
  }

  const record = async (dir: string) =>
    templateRecordSchema.parse(JSON.parse(await readText(join(dir, '.lsvc/template.json'))));

  return {
    /** The isolated git environment (HOME without a git identity), once the suite has started. */
    env: () => gitEnv,
    git,
    lsvc,
    lsvcWith,
    scratch,
    makeService,
    copyService,
    templateClone,
    releaseV2,
    editRecord,
    snapshot,
    record,
  };
}

export async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

/** One error line, a hint, the exit code, and no stack trace. */
export function expectCleanFailure(r: CliResult, code: number, message: RegExp) {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
  const first = r.stderr.split('\n')[0] ?? '';
  expect(first).toMatch(/^Error: /);
  expect(first).toMatch(message);
  expect(r.stderr).toMatch(/\nHint: /);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}
