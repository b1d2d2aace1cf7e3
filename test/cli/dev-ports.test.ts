// Host-port preflight of `lsvc dev`: conflicts, who holds the port, and the suggested fix.
import { createServer, type Server } from 'node:net';

import { afterAll, describe, expect, it } from '@jest/globals';

import type { PublishedPort } from '../../src/dev/compose-file.js';
import {
  canListen,
  findPortConflicts,
  portConflictError,
  processHolder,
  type Publisher,
  suggestFreePort,
} from '../../src/dev/ports.js';
import type { RunResult } from '../../src/exec.js';

const port = (hostPort: number, over: Partial<PublishedPort> = {}): PublishedPort => ({
  service: 'web',
  hostIp: '',
  hostPort,
  containerPort: '3000',
  protocol: 'tcp',
  variables: ['PORT'],
  spec: '${PORT:-3000}:3000',
  ...over,
});

function deps(opts: { busy?: number[]; publishers?: Publisher[]; holder?: string }) {
  const listened: number[] = [];
  return {
    listened,
    deps: {
      canListen: async (p: number) => {
        listened.push(p);
        return !(opts.busy ?? []).includes(p);
      },
      publishers: async () => opts.publishers ?? [],
      processHolder: async () => opts.holder,
    },
  };
}

describe('findPortConflicts', () => {
  it('reports a port some process listens on, with the holder', async () => {
    const { deps: d } = deps({ busy: [3000], holder: 'node server.js (pid 42)' });
    const conflicts = await findPortConflicts([port(3000), port(3000)], 'demo', d);
    expect(conflicts).toEqual([{ port: port(3000), holder: 'node server.js (pid 42)' }]);
  });

  it("names another project's container publishing the port", async () => {
    const { deps: d, listened } = deps({
      publishers: [{ hostPort: 3000, protocol: 'tcp', container: 'other_web_1', project: 'other' }],
    });
    const conflicts = await findPortConflicts([port(3000)], 'demo', d);
    expect(conflicts[0]?.holder).toBe('container other_web_1 (compose project other)');
    expect(listened).toEqual([]);
  });

  it("does not count this project's own running containers", async () => {
    const { deps: d } = deps({
      busy: [3000],
      publishers: [{ hostPort: 3000, protocol: 'tcp', container: 'demo_web_1', project: 'demo' }],
    });
    expect(await findPortConflicts([port(3000)], 'demo', d)).toEqual([]);
  });

  it('passes free ports and checks the address the file binds', async () => {
    const seen: string[] = [];
    const d = {
      canListen: async (p: number, host: string) => (seen.push(`${host}:${p}`), true),
      publishers: async () => [],
      processHolder: async () => undefined,
    };
    expect(await findPortConflicts([port(3000), port(8080, { hostIp: '127.0.0.1' })], 'demo', d)).toEqual([]);
    expect(seen).toEqual(['0.0.0.0:3000', '127.0.0.1:8080']);
  });
});

describe('portConflictError', () => {
  it('exits 4, names port, service and holder, and suggests the variable to set', () => {
    const error = portConflictError([{ port: port(3000), holder: 'node (pid 1)' }], 3001);
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(
      'Cannot start: host port 3000 (service web, "${PORT:-3000}:3000") is taken by node (pid 1).',
    );
    expect(error.hint).toMatch(/^Pick another port: PORT=3001 lsvc dev/);
  });

  it('without a variable, points to the compose file; lists further conflicts', () => {
    const error = portConflictError(
      [
        { port: port(8080, { variables: [], spec: '8080:80', containerPort: '80' }), holder: undefined },
        { port: port(9000, { variables: [], spec: '9000:9000', service: 'worker' }), holder: 'container x' },
      ],
      undefined,
    );
    expect(error.message).toBe('Cannot start: host port 8080 (service web, "8080:80") is taken.');
    expect(error.details).toEqual(['Also: port 9000 (service worker, "9000:9000") is taken by container x.']);
    expect(error.hint).toMatch(/docker-compose.yml \(e.g. "8081:80"\)/);
  });
});

describe('suggestFreePort', () => {
  it('skips ports that are busy or wanted by the stack itself', async () => {
    const { deps: d } = deps({ busy: [3001] });
    expect(await suggestFreePort(3001, d, new Set([3002]))).toBe(3003);
  });
});

describe('real sockets', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('canListen sees a port taken by another listener, and processHolder names it (ss, else lsof)', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as { port: number }).port;
    expect(await canListen(taken, '0.0.0.0')).toBe(false);
    expect(await canListen(taken, '127.0.0.1')).toBe(false);
    const { runProcess } = await import('../../src/exec.js');
    const holder = await processHolder(taken, runProcess);
    expect(holder).toMatch(new RegExp(`\\(pid ${process.pid}\\)$`));
  });

  it('processHolder parses ss and lsof output, and gives up quietly without them', async () => {
    const ran = (code: number, stdout: string): RunResult => ({ code, stdout, stderr: '', timedOut: false });
    const ss = async (cmd: string) =>
      cmd === 'ss'
        ? ran(0, 'LISTEN 0 511 0.0.0.0:3000 0.0.0.0:* users:(("ruby",pid=999999999,fd=5))\n')
        : ran(1, '');
    expect(await processHolder(3000, ss)).toBe('ruby (pid 999999999)');
    const lsof = async (cmd: string) => (cmd === 'lsof' ? ran(0, 'p999999998\ncpython3\n') : ran(127, ''));
    expect(await processHolder(3000, lsof)).toBe('python3 (pid 999999998)');
    expect(await processHolder(3000, async () => ran(127, ''))).toBeUndefined();
  });
});
