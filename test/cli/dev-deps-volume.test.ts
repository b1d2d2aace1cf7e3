// The node_modules volumes of `lsvc dev` (src/dev/deps-volume.ts): which volumes the compose file
// mounts on node_modules (the template's, an old anonymous one, binds, external), the stamp, and
// keep / create / recreate against a fake engine.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { composeModel, parseComposeText } from '../../src/dev/compose-file.js';
import {
  DEPS_STAMP_LABEL,
  type DepsVolume,
  depsStamp,
  depsVolumeLine,
  ensureDepsVolume,
  findDepsVolumes,
  type VolumeEngine,
} from '../../src/dev/deps-volume.js';
import { removeDir, tempDir } from '../support/cli.js';

const TEMPLATE = join(import.meta.dirname, '..', '..', 'service-template');
const project = (text: string, vars: Record<string, string> = {}) => ({
  name: 'orders',
  model: { files: [], ...composeModel([parseComposeText(text)], vars) },
});

describe('findDepsVolumes', () => {
  it.each(['docker-compose.yml', 'template-variants/db-mysql/docker-compose.yml'])(
    "the template's %s: one named volume per built service, kept apart",
    async (file) => {
      const text = await readFile(join(TEMPLATE, file), 'utf8');
      expect(findDepsVolumes(project(text))).toEqual([
        { key: 'web-node-modules', name: 'orders_web-node-modules', service: 'web' },
        { key: 'worker-node-modules', name: 'orders_worker-node-modules', service: 'worker' },
      ]);
      // The comment names the command that refreshes them without lsvc, not the old anonymous-volume one.
      expect(text).not.toContain('--renew-anon-volumes');
      expect(text).toContain('docker volume rm <project>_web-node-modules <project>_worker-node-modules');
    },
  );

  it('a file from before (anonymous /app/node_modules), binds and pulled services: none', () => {
    const text = `
services:
  web:
    build: .
    volumes: ['.:/app', '/app/node_modules', './cache:/app/cache/node_modules']
  db:
    image: postgres
    volumes: ['data:/node_modules']
volumes:
  data:
`;
    expect(findDepsVolumes(project(text))).toEqual([]);
  });

  it('a volume also mounted elsewhere (the database data on node_modules, by mistake or malice) is never managed', () => {
    const text = `
services:
  web:
    build: .
    volumes: ['postgres-data:/app/node_modules', 'mods:/app/node_modules']
  postgres:
    image: postgres
    volumes: ['postgres-data:/var/lib/postgresql/data']
  cache:
    image: redis
    volumes: ['mods:/data']
volumes:
  postgres-data:
  mods:
`;
    expect(findDepsVolumes(project(text))).toEqual([]);
  });

  it('long syntax, a volume named in the file and ${VAR}s; external or undeclared ones are skipped', () => {
    const text = `
services:
  web:
    build: .
    volumes:
      - { type: volume, source: mods, target: /srv/node_modules }
  worker:
    build: .
    volumes: ['\${MODS:-mods}:/srv/node_modules', 'shared:/app/node_modules']
  jobs:
    build: .
    volumes: ['nowhere:/app/node_modules']
volumes:
  mods: { name: custom-mods }
  shared: { external: true }
`;
    expect(findDepsVolumes(project(text))).toEqual([{ key: 'mods', name: 'custom-mods', service: 'web' }]);
  });
});

describe('depsStamp', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map(removeDir));
  });

  it('changes with package-lock.json, package.json or the image, and only then', async () => {
    const dir = await tempDir('lsvc-deps-stamp-');
    dirs.push(dir);
    await writeFile(join(dir, 'package.json'), '{"name":"a"}');
    await writeFile(join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
    const first = await depsStamp(dir, 'sha256:1');
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await depsStamp(dir, 'sha256:1')).toBe(first);
    expect(await depsStamp(dir, 'sha256:2')).not.toBe(first);
    await writeFile(join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    const lockChanged = await depsStamp(dir, 'sha256:1');
    expect(lockChanged).not.toBe(first);
    await writeFile(join(dir, 'package.json'), '{"name":"b"}');
    expect(await depsStamp(dir, 'sha256:1')).not.toBe(lockChanged);
  });
});

/** An engine with some volumes and containers; records what was done to it. */
function fakeEngine(initial: Record<string, Record<string, string>>, users: Record<string, string[]> = {}) {
  const calls: string[] = [];
  const volumes = new Map(Object.entries(initial));
  const engine: VolumeEngine = {
    volumeLabels: async (name) => Promise.resolve(volumes.get(name)),
    containersUsing: async (name) => Promise.resolve(users[name] ?? []),
    removeContainer: async (id) => {
      calls.push(`rm container ${id}`);
      return Promise.resolve();
    },
    removeVolume: async (name) => {
      // As the engine: a volume a container still mounts cannot go.
      if ((users[name] ?? []).some((id) => !calls.includes(`rm container ${id}`))) {
        return Promise.reject(new Error(`volume ${name} is in use`));
      }
      volumes.delete(name);
      calls.push(`rm volume ${name}`);
      return Promise.resolve();
    },
    createVolume: async (name, labels) => {
      volumes.set(name, labels);
      calls.push(`create ${name}`);
      return Promise.resolve();
    },
  };
  return { engine, calls, volumes };
}

describe('ensureDepsVolume', () => {
  const volume: DepsVolume = { key: 'web-node-modules', name: 'orders_web-node-modules', service: 'web' };
  const context = { project: 'orders', service: 'orders', stamp: 'new' };

  it("creates a missing volume with compose's labels (the project takes it as its own), lsvc's and the stamp", async () => {
    const fake = fakeEngine({});
    expect(await ensureDepsVolume(fake.engine, volume, context)).toEqual({ action: 'created' });
    expect(fake.volumes.get(volume.name)).toEqual({
      'com.docker.compose.project': 'orders',
      'com.docker.compose.volume': 'web-node-modules',
      'dev.lsvc.managed-by': 'lsvc',
      'dev.lsvc.service': 'orders',
      [DEPS_STAMP_LABEL]: 'new',
    });
  });

  it('keeps a volume whose stamp matches, touching nothing', async () => {
    const fake = fakeEngine(
      { [volume.name]: { 'com.docker.compose.project': 'orders', [DEPS_STAMP_LABEL]: 'new' } },
      { [volume.name]: ['c1'] },
    );
    expect(await ensureDepsVolume(fake.engine, volume, context)).toEqual({ action: 'kept' });
    expect(fake.calls).toEqual([]);
  });

  it('a stale stamp: removes the containers using it, then the volume, and creates it again', async () => {
    const fake = fakeEngine(
      { [volume.name]: { 'com.docker.compose.project': 'orders', [DEPS_STAMP_LABEL]: 'old' } },
      { [volume.name]: ['c1', 'c2'] },
    );
    expect(await ensureDepsVolume(fake.engine, volume, context)).toEqual({
      action: 'recreated',
      reason: 'changed',
      removedContainers: 2,
    });
    expect(fake.calls).toEqual([
      'rm container c1',
      'rm container c2',
      `rm volume ${volume.name}`,
      `create ${volume.name}`,
    ]);
    expect(fake.volumes.get(volume.name)?.[DEPS_STAMP_LABEL]).toBe('new');
  });

  it('a volume compose made (no stamp) is recreated: its content cannot be vouched for', async () => {
    const fake = fakeEngine({ [volume.name]: { 'com.docker.compose.project': 'orders' } });
    expect(await ensureDepsVolume(fake.engine, volume, context)).toEqual({
      action: 'recreated',
      reason: 'unstamped',
      removedContainers: 0,
    });
    expect(fake.calls).toEqual([`rm volume ${volume.name}`, `create ${volume.name}`]);
  });

  it('never removes a volume of another project or none, whatever the (untrusted) compose file names', async () => {
    const cases: Record<string, string>[] = [
      { 'com.docker.compose.project': 'billing', [DEPS_STAMP_LABEL]: 'old' },
      {},
    ];
    for (const labels of cases) {
      const fake = fakeEngine({ [volume.name]: labels }, { [volume.name]: ['c1'] });
      const done = await ensureDepsVolume(fake.engine, volume, context);
      expect(done).toEqual({ action: 'foreign', owner: labels['com.docker.compose.project'] });
      expect(fake.calls).toEqual([]);
      expect(depsVolumeLine(volume, done)).toMatch(/is not this project's .*: left as it is/);
    }
  });

  it('says what it did in one line', () => {
    expect(depsVolumeLine(volume, { action: 'kept' })).toBe(
      'node_modules: volume orders_web-node-modules is up to date',
    );
    expect(depsVolumeLine(volume, { action: 'recreated', reason: 'changed', removedContainers: 1 })).toBe(
      'node_modules: dependencies changed (package*.json or the image), recreated volume orders_web-node-modules from the image',
    );
    expect(depsVolumeLine(volume, { action: 'created' })).toMatch(/^node_modules: created volume orders_web/);
  });
});
