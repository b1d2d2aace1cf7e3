// healthcheck.js, run as Docker runs it (a process whose exit code is the verdict), against a real
// server and real heartbeat files.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HEARTBEAT_INTERVAL_MS } from '../../src/heartbeat.js';

let status = 200;
let server: Server;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));
const heartbeat = join(dir, 'alive');

beforeAll(async () => {
  server = createServer((request, response) => {
    response.statusCode = request.url === '/healthz' ? status : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function check(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['healthcheck.js'], { env: { PATH: process.env.PATH, ...env } }, (error, _out, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
}

function beatAgo(ms: number) {
  writeFileSync(heartbeat, 'x');
  const at = (Date.now() - ms) / 1000;
  utimesSync(heartbeat, at, at);
}

describe('healthcheck.js', () => {
  it('web: healthy when /healthz answers 200, not otherwise', async () => {
    status = 200;
    expect(await check({ PROCESS_TYPE: 'web', PORT: String(port) })).toEqual({ code: 0, stderr: '' });
    status = 503;
    expect(await check({ PROCESS_TYPE: 'web', PORT: String(port) })).toEqual({
      code: 1,
      stderr: 'unhealthy: /healthz answered 503\n',
    });
    const closed = await check({ PROCESS_TYPE: 'web', PORT: '1' });
    expect(closed).toMatchObject({ code: 1, stderr: expect.stringContaining('ECONNREFUSED') });
  });

  it('worker: healthy while the heartbeat is younger than four of its intervals', async () => {
    const env = { PROCESS_TYPE: 'worker', HEARTBEAT_FILE: heartbeat };
    beatAgo(HEARTBEAT_INTERVAL_MS * 4 - 2000);
    expect(await check(env)).toEqual({ code: 0, stderr: '' });
    beatAgo(HEARTBEAT_INTERVAL_MS * 4 + 2000);
    expect(await check(env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/heartbeat is 2\d s old/) });
    rmSync(heartbeat);
    expect(await check(env)).toMatchObject({ code: 1, stderr: expect.stringContaining('ENOENT') });
  });

  it('all: needs both', async () => {
    status = 200;
    beatAgo(0);
    expect(await check({ PROCESS_TYPE: 'all', PORT: String(port), HEARTBEAT_FILE: heartbeat })).toEqual({
      code: 0,
      stderr: '',
    });
    status = 500;
    expect((await check({ PROCESS_TYPE: 'all', PORT: String(port), HEARTBEAT_FILE: heartbeat })).code).toBe(1);
  });
});
