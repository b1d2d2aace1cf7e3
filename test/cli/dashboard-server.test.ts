// The dashboard's server without a browser: the token check, the 127.0.0.1 bind, a taken --port,
// and the built binary: prints its URL, serves it, and SIGTERM stops it and frees the port.
import { createServer } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { HOST, startDashboard } from '../../src/dashboard/server.js';
import type { DashboardSource } from '../../src/dashboard/source.js';
import { newToken, tokenMatches } from '../../src/dashboard/token.js';
import { systemClock } from '../../src/clock.js';
import { removeDir, ROOT, runCli } from '../support/cli.js';
import { serviceDir } from './status-fixtures.js';

const ASSETS = join(ROOT, 'dist', 'dashboard');
const source: DashboardSource = {
  fleet: () => Promise.reject(new Error('not in this test')),
  detail: () => Promise.reject(new Error('not in this test')),
};

/** True when nothing listens on the port (it can be bound again). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, HOST, () =>
      probe.close(() => {
        resolve(true);
      }),
    );
  });
}

describe('token', () => {
  it('random, URL-safe, and only the exact token matches', () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.slice(1), token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
  });
});

describe('startDashboard', () => {
  it('listens on 127.0.0.1 only, on a free port; a failed read is a 502 with the message, not a crash', async () => {
    const d = await startDashboard({
      source,
      assetsDir: ASSETS,
      intervalMs: 60_000,
      clock: systemClock,
      title: 't',
    });
    try {
      expect(d.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${d.port}/[A-Za-z0-9_-]{43}/$`));
      const res = await fetch(`${d.url}api/fleet`);
      expect(res.status).toBe(502);
      await expect(res.json()).resolves.toEqual({ error: 'Error: not in this test' });
      expect((await fetch(`${d.url}app.js`)).headers.get('content-type')).toContain('javascript');
    } finally {
      await d.close();
    }
    expect(await portFree(d.port)).toBe(true);
  });

  it('a taken --port is a usage error (exit 2) naming it', async () => {
    const first = await startDashboard({
      source,
      assetsDir: ASSETS,
      intervalMs: 60_000,
      clock: systemClock,
      title: 't',
    });
    try {
      await expect(
        startDashboard({
          source,
          assetsDir: ASSETS,
          port: first.port,
          intervalMs: 60_000,
          clock: systemClock,
          title: 't',
        }),
      ).rejects.toMatchObject({ exitCode: 2, message: `Port ${first.port} on 127.0.0.1 is in use.` });
    } finally {
      await first.close();
    }
  });
});

describe('lsvc dashboard (the built binary)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await serviceDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });
  // No AWS call is made before a page asks; the endpoint is unreachable anyway.
  const env = {
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };

  it('prints its URL (--json), serves the page, and SIGTERM stops it with exit 0 and frees the port', async () => {
    let announced: (line: { url: string; port: number }) => void = () => undefined;
    const listening = new Promise<{ url: string; port: number }>((resolve) => (announced = resolve));
    const run = runCli(['dashboard', '--json'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
      onSpawn: (child) => {
        let out = '';
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n'))
            announced(JSON.parse(out.split('\n')[0] ?? '{}') as { url: string; port: number });
        });
        void listening.then(async ({ url }) => {
          const page = await fetch(url);
          expect(page.status).toBe(200);
          expect(await page.text()).toContain('lsvc dashboard · 1 service');
          child.kill('SIGTERM');
        });
      },
    });
    const { port } = await listening;
    const result = await run;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await portFree(port)).toBe(true);
  });

  it('an --env the service does not have: exit 2 with the ones there are', async () => {
    const result = await runCli(['dashboard', '--env', 'prodution'], { cwd: dir, env, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'No service of the workspace has an environment "prodution"; did you mean "production"?',
    );
  });
});
