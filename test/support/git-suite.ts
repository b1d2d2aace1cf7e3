// For a test file whose code under test runs git with process.env: an isolated git environment
// (no user config) put into process.env for the file's tests and restored after, a git runner
// with a fixed author, and a list of folders removed at the end.
import { execFileSync } from 'node:child_process';

import { afterAll, beforeAll } from '@jest/globals';

import { isolatedGitEnv, removeDir } from './cli.js';

export interface GitSuite {
  /** Folders (and files) to remove after the file's tests. */
  cleanup: string[];
  /** The isolated environment (set once beforeAll has run). */
  env: () => NodeJS.ProcessEnv;
  /** git in `cwd` as Ada, its output trimmed. */
  git: (cwd: string, ...args: string[]) => string;
}

export function gitSuite(): GitSuite {
  const cleanup: string[] = [];
  let gitEnv: NodeJS.ProcessEnv = {};
  const saved = new Map<string, string | undefined>();
  beforeAll(async () => {
    gitEnv = await isolatedGitEnv();
    cleanup.push(gitEnv.HOME ?? '');
    for (const key of Object.keys(gitEnv)) saved.set(key, process.env[key]);
    Object.assign(process.env, gitEnv);
  });
  afterAll(async () => {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
    await Promise.all(cleanup.map(removeDir));
  });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
      cwd,
      env: { ...process.env, ...gitEnv },
    })
      .toString()
      .trim();
  return { cleanup, env: () => gitEnv, git };
}
