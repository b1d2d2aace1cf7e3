// The named volumes that hold the image's node_modules in development (template: one per built
// service, `web-node-modules` and `worker-node-modules`: two containers filling one volume at once
// race). They outlive `lsvc dev down`, so starts do not copy every dependency again; but the engine
// fills a named volume from the image only while it is empty, so after a dependency change it would
// keep the old packages. lsvc creates each volume itself with a stamp label (the service's image
// and package*.json), and removes and recreates it when the stamp changes. A file without such
// volumes (services made before: an anonymous /app/node_modules) is left as it is.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Docker } from '../docker/client.js';
import { COMPOSE_LABELS } from '../docker/compose.js';
import { MANAGED_BY_LABEL, SERVICE_LABEL } from './labels.js';
import type { DevProject } from './project.js';

export const DEPS_STAMP_LABEL = 'dev.lsvc.deps-stamp';

export interface DepsVolume {
  /** The file's key (`web-node-modules`) and the engine's name (`<project>_web-node-modules`). */
  key: string;
  name: string;
  /** The built service that mounts it (its image holds the dependencies). */
  service: string;
}

/** The named volumes mounted on node_modules by built services, one per volume (the first mounter). */
export function findDepsVolumes(project: Pick<DevProject, 'name' | 'model'>): DepsVolume[] {
  const out: DepsVolume[] = [];
  const isDepsTarget = (target: string) => /(^|\/)node_modules\/?$/.test(target);
  // A volume any service also mounts elsewhere holds more than dependencies (the database's data,
  // say, in a hostile or mistaken file): lsvc never recreates it.
  const mountedElsewhere = new Set(
    project.model.services.flatMap((s) =>
      s.namedVolumes.filter((m) => !isDepsTarget(m.target)).map((m) => m.volume),
    ),
  );
  for (const service of project.model.services.filter((s) => s.build)) {
    for (const mount of service.namedVolumes) {
      if (
        !isDepsTarget(mount.target) ||
        mountedElsewhere.has(mount.volume) ||
        out.some((v) => v.key === mount.volume)
      )
        continue;
      const declared = project.model.volumes[mount.volume];
      // External volumes are the user's to manage; an undeclared one is an error compose reports.
      if (!declared || declared.external) continue;
      out.push({
        key: mount.volume,
        name: declared.name ?? `${project.name}_${mount.volume}`,
        service: service.name,
      });
    }
  }
  return out;
}

/** What the volume's content comes from: the dependency image (when found) and the manifests. */
export async function depsStamp(dir: string, imageId: string | undefined): Promise<string> {
  const hash = createHash('sha256').update(imageId ?? '');
  for (const file of ['package.json', 'package-lock.json']) {
    hash.update('\0');
    hash.update(await readFile(join(dir, file)).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** What ensureDepsVolume needs from the engine (fakes in tests). */
export interface VolumeEngine {
  /** The volume's labels; undefined when it does not exist. */
  volumeLabels(name: string): Promise<Record<string, string> | undefined>;
  /** Containers (running or not) that mount the volume. */
  containersUsing(name: string): Promise<string[]>;
  removeContainer(id: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
}

export type DepsVolumeAction =
  | { action: 'kept' }
  | { action: 'created' }
  | { action: 'recreated'; reason: 'changed' | 'unstamped'; removedContainers: number }
  | { action: 'foreign'; owner: string | undefined };

/** Keep the volume when its stamp matches; otherwise (re)create it empty, to be filled from the image. */
export async function ensureDepsVolume(
  engine: VolumeEngine,
  volume: DepsVolume,
  context: { project: string; service: string; stamp: string },
): Promise<DepsVolumeAction> {
  const labels = await engine.volumeLabels(volume.name);
  const create = () =>
    engine.createVolume(volume.name, {
      // Compose's own labels: it takes the volume as the project's (no "not created by Compose").
      [COMPOSE_LABELS.project]: context.project,
      'com.docker.compose.volume': volume.key,
      [MANAGED_BY_LABEL]: 'lsvc',
      [SERVICE_LABEL]: context.service,
      [DEPS_STAMP_LABEL]: context.stamp,
    });
  if (!labels) {
    await create();
    return { action: 'created' };
  }
  // The compose file is the repository's (untrusted) and may name any volume: only one of this
  // project's is ever removed.
  const owner = labels[COMPOSE_LABELS.project];
  if (owner !== context.project) return { action: 'foreign', owner };
  const stamp = labels[DEPS_STAMP_LABEL];
  if (stamp === context.stamp) return { action: 'kept' };
  // A volume in use cannot be removed: its containers go (compose up makes them again).
  const users = await engine.containersUsing(volume.name);
  for (const id of users) await engine.removeContainer(id);
  await engine.removeVolume(volume.name);
  await create();
  return { action: 'recreated', reason: stamp ? 'changed' : 'unstamped', removedContainers: users.length };
}

/** The progress line for what was done. */
export function depsVolumeLine(volume: DepsVolume, done: DepsVolumeAction): string {
  switch (done.action) {
    case 'kept':
      return `node_modules: volume ${volume.name} is up to date`;
    case 'created':
      return `node_modules: created volume ${volume.name} (filled from the image on first start)`;
    case 'recreated':
      return done.reason === 'changed'
        ? `node_modules: dependencies changed (package*.json or the image), recreated volume ${volume.name} from the image`
        : `node_modules: volume ${volume.name} was not made by lsvc dev (its dependencies may be stale), recreated it from the image`;
    case 'foreign':
      return `node_modules: volume ${volume.name} is not this project's (${done.owner ? `it is project ${done.owner}'s` : 'made outside Compose'}): left as it is, its dependencies may be stale`;
  }
}

/** The engine side, through dockerode. */
export function dockerVolumeEngine(docker: Docker): VolumeEngine {
  return {
    volumeLabels: async (name) => {
      try {
        const { Labels } = await docker.getVolume(name).inspect();
        // The engine sends null for "no labels": spread, it gives {}.
        return { ...Labels };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    containersUsing: async (name) =>
      (await docker.listContainers({ all: true, filters: { volume: [name] } })).map((c) => c.Id),
    removeContainer: async (id) => {
      await docker.getContainer(id).remove({ force: true });
    },
    removeVolume: async (name) => {
      await docker.getVolume(name).remove();
    },
    createVolume: async (name, labels) => {
      await docker.createVolume({ Name: name, Labels: labels });
    },
  };
}

/** The image compose built for the service: its `image:`, else `<project>_<service>` (v1) or `<project>-<service>` (v2). */
export async function builtImageId(
  docker: Docker,
  project: Pick<DevProject, 'name' | 'model'>,
  service: string,
): Promise<string | undefined> {
  const image = project.model.services.find((s) => s.name === service)?.image;
  const candidates = [image, `${project.name}_${service}`, `${project.name}-${service}`];
  for (const name of candidates) {
    if (!name) continue;
    const id = await docker
      .getImage(name)
      .inspect()
      .then((i) => i.Id)
      .catch(() => undefined);
    if (id) return id;
  }
  return undefined;
}
