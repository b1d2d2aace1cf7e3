// Helpers for the Docker smoke tests: the docker and compose CLIs through child_process, with
// unique names per run and a registry of what was created, so that everything is removed
// afterwards, also when a test fails.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const runId = randomBytes(3).toString('hex');
/** Everything a run creates carries this label: `docker ps -a --filter label=lsvc.docker-test`. */
export const testLabel = 'lsvc.docker-test';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

const tail = (text: string, chars = 4000) => (text.length > chars ? `...${text.slice(-chars)}` : text);

/** Runs a command; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? root,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        const why = error.killed ? `timed out after ${options.timeoutMs ?? 120_000} ms` : `exited with ${code}`;
        reject(
          new CommandError(
            `${file} ${args.join(' ')} ${why}\n--- stderr\n${tail(stderr)}\n--- stdout\n${tail(stdout)}`,
            code,
            stdout,
            stderr,
          ),
        );
      },
    );
  });
}

export const docker = (args: string[], options: Parameters<typeof run>[2] = {}) => run('docker', args, options);

/** `docker compose` (v2) when the plugin is there, else `docker-compose` (1.29). */
let composeCli: Promise<string[]> | undefined;
export function composeCommand(): Promise<string[]> {
  composeCli ??= run('docker', ['compose', 'version'], { timeoutMs: 20_000 }).then(
    () => ['docker', 'compose'],
    () => run('docker-compose', ['version'], { timeoutMs: 20_000 }).then(() => ['docker-compose']),
  );
  return composeCli;
}

export function uniqueName(what: string) {
  return `lsvc-test-${runId}-${what}-${randomBytes(2).toString('hex')}`;
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined/false; fails with the last error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; diagnose?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    await sleep(options.intervalMs ?? 500);
  }
  const extra = options.diagnose ? `\n${await options.diagnose().catch((error: Error) => error.message)}` : '';
  const reason = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out waiting for ${what}${reason}${extra}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What a test run created; `removeAll` deletes it in reverse order and never throws. */
export class Resources {
  private readonly items: { kind: 'container' | 'network' | 'image' | 'volume'; name: string }[] = [];

  add(kind: 'container' | 'network' | 'image' | 'volume', name: string) {
    this.items.push({ kind, name });
    return name;
  }

  async removeAll() {
    const problems: string[] = [];
    for (const { kind, name } of this.items.reverse()) {
      const args =
        kind === 'container'
          ? ['rm', '-f', '-v', name]
          : kind === 'network'
            ? ['network', 'rm', name]
            : kind === 'volume'
              ? ['volume', 'rm', '-f', name]
              : ['image', 'rm', '-f', name];
      await docker(args, { timeoutMs: 60_000 }).catch((error: CommandError) => {
        if (!/no such|not found/i.test(error.stderr)) problems.push(`${kind} ${name}: ${error.stderr.trim()}`);
      });
    }
    this.items.length = 0;
    if (problems.length) console.warn(`could not remove:\n${problems.join('\n')}`);
  }
}

export interface BuiltImage {
  tag: string;
  output: string;
}

/** Builds the Dockerfile with the classic builder (what `lsvc build` uses through the Engine API). */
export async function buildImage(
  resources: Resources,
  options: { context?: string; target?: string; buildArgs?: Record<string, string> } = {},
): Promise<BuiltImage> {
  const tag = resources.add('image', `lsvc-test/little-service:${runId}-${randomBytes(2).toString('hex')}`);
  const args = ['build', '--tag', tag, '--label', `${testLabel}=${runId}`];
  if (options.target) args.push('--target', options.target);
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) args.push('--build-arg', `${name}=${value}`);
  args.push('.');
  const { stdout } = await docker(args, {
    cwd: options.context ?? root,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    timeoutMs: 15 * 60_000,
  });
  return { tag, output: stdout };
}

export async function inspect<T = any>(name: string, format = '{{json .}}'): Promise<T> {
  const { stdout } = await docker(['inspect', '--format', format, name]);
  return JSON.parse(stdout) as T;
}

export async function logs(container: string): Promise<string> {
  const { stdout, stderr } = await docker(['logs', container], { timeoutMs: 30_000 });
  return `${stdout}${stderr}`;
}

/** The host address a container port is published on (`-p 127.0.0.1::3000`). */
export async function hostAddress(container: string, port = 3000): Promise<string> {
  const { stdout } = await docker(['port', container, String(port)]);
  const line = stdout.split('\n').find((entry) => entry.startsWith('127.0.0.1:') || entry.startsWith('0.0.0.0:'));
  if (!line) throw new Error(`port ${port} of ${container} is not published: ${stdout}`);
  return `http://${line.trim().replace('0.0.0.0', '127.0.0.1')}`;
}

export interface ContainerProcess {
  pid: number;
  uid: number;
  cmd: string;
}

/** The processes running in a container (the image has no ps: read /proc with node). */
export async function processes(container: string): Promise<ContainerProcess[]> {
  const script = `
    const fs = require('node:fs');
    const list = [];
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
      try {
        const cmd = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').filter(Boolean).join(' ');
        const uid = Number(/^Uid:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'))[1]);
        list.push({ pid: Number(pid), uid, cmd });
      } catch {}
    }
    console.log(JSON.stringify(list));`;
  const { stdout } = await docker(['exec', container, 'node', '--input-type=commonjs', '-e', script]);
  return (JSON.parse(stdout) as ContainerProcess[]).filter((entry) => !entry.cmd.includes('--input-type=commonjs'));
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function http(
  method: string,
  url: string,
  options: { token?: string; json?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

/** A bearer token the service accepts (HS256; issuer and audience as in src/config.ts). */
export function signToken(secret: string, roles: string[] = ['editor'], sub = 'docker-test') {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('little-service')
    .setAudience('little-service')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(new TextEncoder().encode(secret));
}

/** Creates a note through the API and waits until the worker has processed it. */
export async function noteIsProcessed(baseUrl: string, token: string, timeoutMs = 60_000) {
  const created = await http('POST', `${baseUrl}/v1/notes`, {
    token,
    json: { title: 'Docker smoke test', body: 'three more words' },
  });
  if (created.status !== 201)
    throw new Error(`POST /v1/notes answered ${created.status}: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  return waitFor(
    `the worker to process note ${id}`,
    async () => {
      const reply = await http('GET', `${baseUrl}/v1/notes/${id}`, { token });
      if (reply.status !== 200) throw new Error(`GET answered ${reply.status}`);
      return reply.body.wordCount === null ? undefined : (reply.body as { wordCount: number });
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** The variant a database question adds, when run from the template itself (not from a service). */
export const mysqlVariant = join(root, 'template-variants', 'db-mysql');
export const isTemplate = existsSync(mysqlVariant);
