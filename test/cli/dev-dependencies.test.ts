// lsvc dev and lsvc.yml dependsOn, with fakes (the Docker suite's dev test covers a real stack):
// which dependency runs (its lsvc dev containers' labels and published web port), where the
// others are in the workspace and how to start them, and what the stack's app services get.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import type { ComposeService } from '../../src/dev/compose-file.js';
import {
  dependencyEnvironment,
  dependencyLines,
  findDevDependencies,
  runningWebPort,
  workspaceFolders,
} from '../../src/dev/dependencies.js';
import { labelsOverride } from '../../src/dev/labels.js';
import {
  dependencyStarter,
  freePort,
  startDependencyStack,
  startingChain,
  STARTING_VARIABLE,
} from '../../src/dev/start-dependency.js';
import { removeDir, tempDir } from '../support/cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

interface Listed {
  Labels: Record<string, string>;
  Ports: { PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** listContainers of a fake engine: answers by the dev.lsvc.service label it is asked for. */
function fakeDocker(stacks: Record<string, Listed[]>) {
  const asked: unknown[] = [];
  return {
    asked,
    listContainers: async (options: { filters: string }) => {
      asked.push(JSON.parse(options.filters));
      const labels = (JSON.parse(options.filters) as { label: string[] }).label;
      const service = labels.find((l) => l.startsWith('dev.lsvc.service='))?.split('=')[1] ?? '';
      return stacks[service] ?? [];
    },
  };
}

const container = (service: string, ports: [number, number?][]): Listed => ({
  Labels: { 'com.docker.compose.service': service, 'dev.lsvc.managed-by': 'lsvc' },
  Ports: ports.map(([PrivatePort, PublicPort]) => ({
    PrivatePort,
    ...(PublicPort ? { PublicPort } : {}),
    Type: 'tcp',
  })),
});

describe('runningWebPort', () => {
  it("is the web container's published port of the service's running lsvc dev stack", async () => {
    const docker = fakeDocker({
      'billing-api': [
        container('postgres', [[5432, 5433]]),
        container('worker', []),
        container('web', [[3000, 3001]]),
      ],
    });
    expect(await runningWebPort(docker as never, 'billing-api')).toBe(3001);
    expect(docker.asked).toEqual([
      { label: ['dev.lsvc.managed-by=lsvc', 'dev.lsvc.service=billing-api'], status: ['running'] },
    ]);
  });

  it('undefined when the stack is not running', async () => {
    expect(await runningWebPort(fakeDocker({}) as never, 'billing-api')).toBeUndefined();
  });
});

describe('findDevDependencies', () => {
  it('points at the running ones, names where the others are and how to start them', async () => {
    const ws = await tempDir('lsvc-dev-deps-');
    dirs.push(ws);
    const deps = await findDevDependencies(['billing-api', 'notes-api', 'search'], {
      runningPort: async (s) => (s === 'billing-api' ? 3001 : undefined),
      folderOf: async (s) => (s === 'search' ? undefined : join(ws, s)),
    });
    expect(deps).toEqual([
      {
        service: 'billing-api',
        variable: 'BILLING_API_URL',
        running: true,
        url: 'http://host.docker.internal:3001',
        hostUrl: 'http://localhost:3001',
        folder: join(ws, 'billing-api'),
      },
      { service: 'notes-api', variable: 'NOTES_API_URL', running: false, folder: join(ws, 'notes-api') },
      { service: 'search', variable: 'SEARCH_URL', running: false },
    ]);
    expect(dependencyEnvironment(deps)).toEqual({ BILLING_API_URL: 'http://host.docker.internal:3001' });
    expect(dependencyLines(deps, join(ws, 'orders'))).toEqual([
      'billing-api: running (its lsvc dev stack in ../billing-api): BILLING_API_URL=http://host.docker.internal:3001 (http://localhost:3001 from here)',
      'notes-api: not running, NOTES_API_URL not set. Start it first: cd ../notes-api && lsvc dev --detach',
      'search: not running and not in the workspace (lsvc-fleet.yml, or a folder beside this one), SEARCH_URL not set. Start its lsvc dev stack, or set SEARCH_URL yourself.',
    ]);
  });
});

describe('starting the dependencies that are not running', () => {
  it('starts the ones in the workspace one at a time, then points at them; says which could not start', async () => {
    const ws = await tempDir('lsvc-dev-start-');
    dirs.push(ws);
    const running = new Map<string, number>();
    const started: string[] = [];
    const deps = await findDevDependencies(['billing-api', 'notes-api', 'search'], {
      runningPort: async (s) => running.get(s),
      folderOf: async (s) => (s === 'search' ? undefined : join(ws, s)),
      start: async (service, folder) => {
        started.push(`${service} in ${folder}`);
        if (service === 'notes-api')
          return { started: false, reason: 'lsvc dev --detach there exited with 4' };
        running.set(service, 3101);
        return { started: true };
      },
    });
    // search is not in the workspace: nothing to start it from.
    expect(started).toEqual([
      `billing-api in ${join(ws, 'billing-api')}`,
      `notes-api in ${join(ws, 'notes-api')}`,
    ]);
    expect(dependencyEnvironment(deps)).toEqual({ BILLING_API_URL: 'http://host.docker.internal:3101' });
    expect(dependencyLines(deps, join(ws, 'orders'))).toEqual([
      'billing-api: started now (its lsvc dev stack in ../billing-api): BILLING_API_URL=http://host.docker.internal:3101 (http://localhost:3101 from here)',
      'notes-api: could not be started (lsvc dev --detach there exited with 4), NOTES_API_URL not set. See: cd ../notes-api && lsvc dev',
      'search: not running and not in the workspace (lsvc-fleet.yml, or a folder beside this one), SEARCH_URL not set. Start its lsvc dev stack, or set SEARCH_URL yourself.',
    ]);
  });

  it('never starts one that is being started further up the chain (services that call each other)', async () => {
    const calls: { folder: string; env: NodeJS.ProcessEnv; self: string }[] = [];
    const output: string[] = [];
    const starter = dependencyStarter(
      'billing-api',
      { [STARTING_VARIABLE]: 'orders' },
      { output: (l) => output.push(l), timeoutMs: 1000 },
      async (folder, o) => {
        calls.push({ folder, env: o.env, self: o.self });
        return { started: true };
      },
    );
    expect(await starter('orders', '/ws/orders')).toEqual({
      started: false,
      reason: 'orders is being started already: it depends on billing-api too',
    });
    expect(await starter('search', '/ws/search')).toEqual({ started: true });
    expect(calls).toEqual([
      { folder: '/ws/search', env: { [STARTING_VARIABLE]: 'orders' }, self: 'billing-api' },
    ]);
    expect(output).toEqual(['Starting search: lsvc dev --detach in /ws/search']);
    expect(startingChain({ [STARTING_VARIABLE]: 'orders,billing-api' })).toEqual(['orders', 'billing-api']);
  });

  it("runs lsvc's own dev --detach there, on a free port, and reports its failure", async () => {
    const empty = await tempDir('lsvc-dev-nostack-');
    dirs.push(empty);
    const lines: string[] = [];
    const result = await startDependencyStack(empty, {
      env: { ...process.env, NO_COLOR: '1' },
      self: 'orders',
      output: (l) => lines.push(l),
      timeoutMs: 60_000,
    });
    // No lsvc.yml there: lsvc dev's own exit 3, its message passed on.
    expect(result).toEqual({ started: false, reason: 'lsvc dev --detach there exited with 3' });
    expect(lines.join('\n')).toMatch(/lsvc\.yml/);
    expect(await freePort()).toBeGreaterThan(0);
  });
});

describe('workspaceFolders', () => {
  const yml = (service: string) => `service: ${service}\nenvironments:\n  staging:\n`;

  it('finds a dependency beside the service, or listed in lsvc-fleet.yml above it', async () => {
    const ws = await tempDir('lsvc-dev-ws-');
    dirs.push(ws);
    const services: [string, string][] = [
      ['orders', 'orders'],
      ['billing', 'billing-api'],
    ];
    for (const [path, service] of services) {
      await mkdir(join(ws, path), { recursive: true });
      await writeFile(join(ws, path, 'lsvc.yml'), yml(service));
    }
    const beside = workspaceFolders(join(ws, 'orders'));
    expect(await beside('billing-api')).toBe(join(ws, 'billing'));
    expect(await beside('notes-api')).toBeUndefined();

    const fleet = await tempDir('lsvc-dev-fleet-');
    dirs.push(fleet);
    await mkdir(join(fleet, 'apps', 'orders'), { recursive: true });
    await mkdir(join(fleet, 'platform', 'notes'), { recursive: true });
    await writeFile(join(fleet, 'apps', 'orders', 'lsvc.yml'), yml('orders'));
    await writeFile(join(fleet, 'platform', 'notes', 'lsvc.yml'), yml('notes-api'));
    await writeFile(join(fleet, 'lsvc-fleet.yml'), 'services:\n  - apps/orders\n  - platform/notes\n');
    expect(await workspaceFolders(join(fleet, 'apps', 'orders'))('notes-api')).toBe(
      join(fleet, 'platform', 'notes'),
    );
  });
});

describe('labelsOverride with the dependencies', () => {
  const svc = (name: string, build: boolean): ComposeService => ({
    name,
    build,
    image: undefined,
    healthcheck: false,
    dependsOn: [],
    ports: [],
    namedVolumes: [],
  });

  it("gives web and worker the running dependencies' URLs and the host gateway; not postgres", () => {
    const text = labelsOverride(
      {
        service: 'orders',
        model: {
          files: [],
          volumes: {},
          version: undefined,
          services: [svc('web', true), svc('worker', true), svc('postgres', false)],
        },
      },
      {
        environment: {
          services: ['web', 'worker'],
          values: { BILLING_API_URL: 'http://host.docker.internal:3001' },
        },
      },
    );
    const doc = parse(text) as { services: Record<string, Record<string, unknown>> };
    for (const name of ['web', 'worker']) {
      expect(doc.services[name]).toMatchObject({
        environment: { BILLING_API_URL: 'http://host.docker.internal:3001' },
        extra_hosts: ['host.docker.internal:host-gateway'],
      });
    }
    expect(Object.keys(doc.services.postgres ?? {})).toEqual(['labels']);
    // None running: nothing but the labels.
    const none = parse(
      labelsOverride(
        {
          service: 'orders',
          model: { files: [], volumes: {}, version: undefined, services: [svc('web', true)] },
        },
        { environment: { services: ['web'], values: {} } },
      ),
    ) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(none.services.web ?? {})).toEqual(['labels']);
  });
});
