import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the child right after it starts (e.g. to send it SIGINT later). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
  /** A command to run node through, e.g. ['setpriv', '--reuid=65534', ...]. */
  wrap?: string[];
}

/** Run the built lsvc binary as a user would, without a terminal. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command = opts.wrap?.[0] ?? process.execPath;
    const prefix = opts.wrap ? [...opts.wrap.slice(1), process.execPath] : [];
    const child = spawn(command, [...prefix, BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...cleanEnv(), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onSpawn?.(child);
  });
}

/**
 * The test runner's environment minus what would change lsvc's behaviour. NODE_ENV goes too: jest
 * sets it to "test", which makes oclif load the TypeScript sources instead of dist/.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const dropped = (key: string) =>
    /^(LSVC_|AWS_|DOCKER_|GIT_|npm_)/.test(key) || ['CI', 'NODE_OPTIONS', 'NODE_ENV'].includes(key);
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !dropped(key))),
    NO_COLOR: '1',
  };
}

export async function tempDir(prefix = 'lsvc-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A copy of a fixture template plus the junk init must skip (not kept in git). */
export async function fixtureTemplate(name = 'template-basic'): Promise<string> {
  const dir = join(await tempDir('lsvc-tpl-'), name);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  const junk: Record<string, string> = {
    'node_modules/left-pad/index.js': 'module.exports = "little-service";\n',
    'dist/index.js': 'little-service build output\n',
    'coverage/lcov.info': 'little-service\n',
    '.env': 'SECRET=little-service\n',
    'npm-debug.log': 'little-service log\n',
    'src/little-service/debug.log': 'little-service log\n',
    'template-variants/db-mysql/node_modules/x.js': 'little-service\n',
  };
  for (const [rel, content] of Object.entries(junk)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}

/** Every path under `dir` (files and folders), relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const abs = join(d, entry.name);
      out.push(relative(dir, abs));
      if (entry.isDirectory()) await visit(abs);
    }
  };
  await visit(dir);
  return out.sort();
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Write an executable shell script (a fake git or npm) into `dir`. */
export async function fakeProgram(dir: string, name: string, script: string): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
}

/** HOME and XDG pointed at an empty folder, system config off: git has no user configured. */
export async function isolatedGitEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir('lsvc-home-');
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1' };
}
