// Proof that a typed client works end to end: two services made by `lsvc init` from the real
// service-template/ (billing-api, the callee; orders, the caller), `lsvc client add billing-api
// --from ../billing-api` through the built binary, the caller type-checked and linted with its own
// tsc/eslint/prettier, then a call from orders to billing-api running for real (Postgres + Redis on
// this machine) through a proxy that answers the first GET and the first POST with 503: the GET is
// retried, the POST is not, and the request id reaches the callee. The calls carry orders' caller
// token (its key made as lsvc provision makes it) and billing-api allows orders by its lsvc.yml-style
// LSVC_CALLERS: accepted; reports, allowed notes:read only, is refused the POST with 403.
// The services share service-template/node_modules (same dependencies) instead of `npm ci` each.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { runProcess, tail } from '../../src/exec.js';
import { generateSigningKey, publicPart } from '../../src/identity/keys.js';
import { cleanEnv, removeDir, ROOT, runCli, tempDir } from '../support/cli.js';

const TEMPLATE_MODULES = join(ROOT, 'service-template', 'node_modules');
const SERVER_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let workspace: string;
let orders: string;
let billing: string;
const database = `billing_api_e2e_${randomBytes(4).toString('hex')}`;
let web: ChildProcess | undefined;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...cleanEnv(), NODE_ENV: 'development', ...extra };
}

async function ok(step: string, command: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) {
  const run = await runProcess(command, args, { cwd, env: env(extra), timeoutMs: 5 * 60_000 });
  expect({ step, code: run.code, output: run.code === 0 ? [] : tail(run.stdout + run.stderr, 40) }).toEqual({
    step,
    code: 0,
    output: [],
  });
  return run;
}

const adminSql = (statement: string) =>
  `const pg = require('pg'); const c = new pg.Client({ connectionString: process.env.ADMIN_URL });` +
  `c.connect().then(() => c.query(${JSON.stringify(statement)})).finally(() => c.end());`;

beforeAll(async () => {
  await access(TEMPLATE_MODULES).catch(() => {
    throw new Error(
      'service-template/node_modules is missing: run npm run setup (npm ci --prefix service-template).',
    );
  });
  workspace = await tempDir('lsvc-clients-');
  for (const name of ['billing-api', 'orders']) {
    const init = await runCli(['init', name, '--no-install', '--no-git'], { cwd: workspace });
    expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
    await symlink(TEMPLATE_MODULES, join(workspace, name, 'node_modules'), 'dir');
  }
  orders = join(workspace, 'orders');
  billing = join(workspace, 'billing-api');
}, 120_000);

afterAll(async () => {
  web?.kill('SIGTERM');
  if (billing) {
    await runProcess('node', ['-e', adminSql(`drop database if exists "${database}"`)], {
      cwd: billing,
      env: env({ ADMIN_URL: SERVER_DATABASE_URL }),
      timeoutMs: 30_000,
    });
  }
  if (workspace) await removeDir(workspace);
});

describe('lsvc client add, in a service made by lsvc init', () => {
  it('generates src/clients/billing-api.ts from the other checkout, and the caller type-checks and lints', async () => {
    const add = await runCli(['client', 'add', 'billing-api', '--from', '../billing-api'], {
      cwd: orders,
      timeoutMs: 180_000,
    });
    expect({ code: add.code, stdout: add.stdout }).toEqual({
      code: 0,
      stdout:
        'wrote src/clients/billing-api.ts\n' +
        'wrote src/clients/billing-api.openapi.json\n' +
        'wrote src/clients/callees.ts\n' +
        'wrote .lsvc/clients.json\n' +
        "Client of billing-api ready: import { billingApiClient } from './clients/billing-api.js'.\n",
    });
    expect(add.stderr).toBe(`Reading the OpenAPI document of ${billing} (npm run openapi)...\n`);
    const saved = JSON.parse(
      await readFile(join(orders, 'src/clients/billing-api.openapi.json'), 'utf8'),
    ) as {
      info: { title: string };
      paths: Record<string, unknown>;
    };
    expect(saved.info.title).toBe('billing-api');
    expect(Object.keys(saved.paths)).toEqual(expect.arrayContaining(['/v1/notes', '/v1/notes/{id}']));
    expect(JSON.parse(await readFile(join(orders, '.lsvc/clients.json'), 'utf8'))).toEqual({
      schema: 1,
      clients: { 'billing-api': { source: { from: '../billing-api' }, lsvcVersion: expect.any(String) } },
    });
    expect(await readFile(join(orders, 'src/clients/callees.ts'), 'utf8')).toContain("'billing-api',");

    await writeFile(join(orders, 'src', 'call-billing.ts'), CALLER);
    await ok('prettier', join(TEMPLATE_MODULES, '.bin/prettier'), ['--write', 'src/call-billing.ts'], orders);
    await ok('tsc', 'node', [join(TEMPLATE_MODULES, 'typescript/bin/tsc'), '--noEmit', '-p', '.'], orders);
    // The service's own lint rules; prettier on src/ (the generated files are in its .prettierignore).
    await ok('eslint', join(TEMPLATE_MODULES, '.bin/eslint'), ['.'], orders);
    await ok('prettier --check src', join(TEMPLATE_MODULES, '.bin/prettier'), ['--check', 'src'], orders);

    // The types are the callee's: a path it does not serve does not compile.
    await writeFile(join(orders, 'src', 'wrong.ts'), WRONG);
    const wrong = await runProcess(
      'node',
      [join(TEMPLATE_MODULES, 'typescript/bin/tsc'), '--noEmit', '-p', '.'],
      {
        cwd: orders,
        env: env(),
      },
    );
    await rm(join(orders, 'src', 'wrong.ts'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/src\/wrong\.ts\(\d+,\d+\): error TS\d+: .*"\/v1\/invoices"/);

    // Unchanged callee: the check passes; update rewrites from the recorded source.
    const check = await runCli(['client', 'check'], { cwd: orders, timeoutMs: 180_000 });
    expect({ code: check.code, stdout: check.stdout }).toEqual({
      code: 0,
      stdout: 'ok  billing-api: compatible with src/clients/billing-api.openapi.json\n',
    });
    const client = join(orders, 'src/clients/billing-api.ts');
    await writeFile(client, `${await readFile(client, 'utf8')}// an edit lsvc will replace\n`);
    const update = await runCli(['client', 'update'], { cwd: join(orders, 'src'), timeoutMs: 180_000 });
    expect({ code: update.code, stdout: update.stdout }).toEqual({
      code: 0,
      stdout:
        'Updated the client of billing-api (src/clients/billing-api.ts, src/clients/billing-api.openapi.json, ' +
        'src/clients/callees.ts, .lsvc/clients.json).\n',
    });
    expect(await readFile(client, 'utf8')).not.toContain('an edit lsvc will replace');
  }, 600_000);

  it('refuses to overwrite a file it did not make (exit 2, file kept)', async () => {
    const mine = join(orders, 'src', 'clients', 'shipping.ts');
    await writeFile(mine, 'export const hand = "written";\n');
    const r = await runCli(['client', 'add', 'shipping', '--url', 'http://127.0.0.1:9/openapi.json'], {
      cwd: orders,
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr:
        'Error: src/clients/shipping.ts exists and was not made by lsvc (its first line is not "// Made by lsvc ..."): not overwritten.\n' +
        'Hint: Move or rename your file, then run the command again.\n',
    });
    expect(await readFile(mine, 'utf8')).toBe('export const hand = "written";\n');
    await rm(mine);
  });

  it('calls the running callee: a GET is retried after 503, a POST is not, the request id is passed on', async () => {
    const databaseUrl = Object.assign(new URL(SERVER_DATABASE_URL), { pathname: `/${database}` }).toString();
    const calleeEnv = { DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: database, LOG_LEVEL: 'info' };
    await ok('create database', 'node', ['-e', adminSql(`create database "${database}"`)], billing, {
      ADMIN_URL: SERVER_DATABASE_URL,
    });
    await ok(
      'migrate',
      join(billing, 'node_modules/.bin/tsx'),
      ['src/migrate.ts', 'latest'],
      billing,
      calleeEnv,
    );
    const ordersKey = generateSigningKey();
    const reportsKey = generateSigningKey();
    const calleeUrl = await startCallee({
      ...calleeEnv,
      PORT: '0',
      HOST: '127.0.0.1',
      LSVC_SERVICE_NAME: 'billing-api',
      LSVC_CALLERS: JSON.stringify({ orders: ['notes:read', 'notes:write'], reports: ['notes:read'] }),
      LSVC_CALLER_JWKS_ORDERS: JSON.stringify({ keys: [publicPart(ordersKey)] }),
      LSVC_CALLER_JWKS_REPORTS: JSON.stringify({ keys: [publicPart(reportsKey)] }),
    });

    const proxy = await faultyProxy(calleeUrl);
    try {
      const run = await ok('call', join(orders, 'node_modules/.bin/tsx'), ['src/call-billing.ts'], orders, {
        BILLING_API_URL: proxy.url,
        NODE_ENV: 'test',
        LSVC_SERVICE_NAME: 'orders',
        LSVC_IDENTITY_KEY: JSON.stringify(ordersKey),
        REPORTS_KEY: JSON.stringify(reportsKey),
      });
      expect(JSON.parse(run.stdout)).toEqual({
        firstPost: 503,
        secondPost: 201,
        get: 200,
        titles: ['From orders'],
        requestId: 'orders-req-1',
        reportsPost: 403,
        reportsGet: 200,
      });
      // What went over the wire: the POST answered 503 was not sent again; the GET was.
      expect(proxy.seen).toEqual([
        'POST /v1/notes 503 orders-req-1',
        'POST /v1/notes 201 orders-req-1',
        'GET /v1/notes?limit=5 503 orders-req-1',
        'GET /v1/notes?limit=5 200 orders-req-1',
        'POST /v1/notes 403 reports-req-1',
        'GET /v1/notes?limit=5 200 reports-req-1',
      ]);
      // Every call carried a service token (no user token anywhere), orders' or reports'.
      expect(proxy.callers).toEqual(['orders', 'orders', 'orders', 'orders', 'reports', 'reports']);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  }, 300_000);
});

async function startCallee(extra: NodeJS.ProcessEnv): Promise<string> {
  web = spawn(join(billing, 'node_modules/.bin/tsx'), ['src/web.ts'], {
    cwd: billing,
    env: env(extra),
    stdio: 'pipe',
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`billing-api did not start in 60 s:\n${output}`));
    }, 60_000);
    web?.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    web?.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    web?.on('exit', (code) => {
      reject(new Error(`billing-api exited (${String(code)}):\n${output}`));
    });
  });
}

/** Forwards to the callee, but answers the first request of each method with 503 itself. */
async function faultyProxy(
  target: string,
): Promise<{ server: Server; url: string; seen: string[]; callers: string[] }> {
  const seen: string[] = [];
  const callers: string[] = [];
  const failed = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The `sub` of the bearer token (read, not verified: the callee verifies).
      const jwt = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString() || '{}') as {
        sub?: string;
      };
      callers.push(claims.sub ?? '(none)');
      const line = (status: number) =>
        `${req.method} ${req.url} ${status} ${String(req.headers['x-request-id'])}`;
      if (!failed.has(req.method ?? '')) {
        failed.add(req.method ?? '');
        seen.push(line(503));
        res
          .writeHead(503, { 'content-type': 'application/problem+json' })
          .end('{"title":"busy","status":503}');
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !['host', 'connection', 'content-length'].includes(name),
        ),
      ) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body, signal: AbortSignal.timeout(10_000) })
        .then(async (answer) => {
          seen.push(line(answer.status));
          const reply = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(reply);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, callers };
}

// The caller's code, as a developer of orders would write it with the generated client.
const CALLER = `import { billingApiClient } from './clients/billing-api.js';
import { parseConfig } from './config.js';

// No credentials here: the client sends this service's caller token (LSVC_IDENTITY_KEY).
const config = parseConfig(process.env);
const billing = billingApiClient(config, { requestId: 'orders-req-1', backoffMs: 10 });

const firstPost = await billing.POST('/v1/notes', { body: { title: 'From orders', body: 'hello', status: 'draft' } });
const secondPost = await billing.POST('/v1/notes', { body: { title: 'From orders', body: 'hello', status: 'draft' } });
const listed = await billing.GET('/v1/notes', { params: { query: { limit: 5 } } });

// Another service, allowed notes:read only.
const reportsConfig = parseConfig({ ...process.env, LSVC_SERVICE_NAME: 'reports', LSVC_IDENTITY_KEY: process.env.REPORTS_KEY });
const reports = billingApiClient(reportsConfig, { requestId: 'reports-req-1' });
const reportsPost = await reports.POST('/v1/notes', { body: { title: 'From reports', body: 'no', status: 'draft' } });
const reportsGet = await reports.GET('/v1/notes', { params: { query: { limit: 5 } } });
console.log(
  JSON.stringify({
    firstPost: firstPost.response.status,
    secondPost: secondPost.response.status,
    get: listed.response.status,
    titles: listed.data?.data.map((note) => note.title),
    requestId: listed.response.headers.get('x-request-id'),
    reportsPost: reportsPost.response.status,
    reportsGet: reportsGet.response.status,
  }),
);
`;

const WRONG = `import { billingApiClient } from './clients/billing-api.js';
import { parseConfig } from './config.js';

export const invoices = billingApiClient(parseConfig(process.env)).GET('/v1/invoices', {});
`;
