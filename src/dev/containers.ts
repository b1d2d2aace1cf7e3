// A compose project's containers through dockerode (compose labels say which are whose): state,
// health and ports for `lsvc dev` / `dev ps`, log lines for failures, and who publishes a host port.
import { PassThrough } from 'node:stream';

import type { Docker } from '../docker/client.js';
import { COMPOSE_LABELS } from '../docker/compose.js';
import type { ContainerSnapshot } from './health.js';
import type { Publisher } from './ports.js';

type InspectInfo = Awaited<ReturnType<ReturnType<Docker['getContainer']>['inspect']>>;

const projectFilter = (project: string, service?: string) =>
  JSON.stringify({
    label: [
      `${COMPOSE_LABELS.project}=${project}`,
      ...(service ? [`${COMPOSE_LABELS.service}=${service}`] : []),
    ],
  });

/** Every container of the project (running or not), one-off `compose run` containers excluded. */
export async function projectContainers(
  docker: Docker,
  project: string,
  service?: string,
): Promise<ContainerSnapshot[]> {
  const list = await docker.listContainers({ all: true, filters: projectFilter(project, service) });
  const ours = list.filter((c) => c.Labels[COMPOSE_LABELS.oneoff] !== 'True');
  const infos = await Promise.all(
    ours.map((c) =>
      docker
        .getContainer(c.Id)
        .inspect()
        // Removed between list and inspect (compose recreating it): skip it this round.
        .catch(() => undefined),
    ),
  );
  return infos
    .filter((info): info is InspectInfo => info !== undefined)
    .map(toSnapshot)
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

export function toSnapshot(info: InspectInfo): ContainerSnapshot {
  const health = info.State.Health?.Status;
  const started = Date.parse(info.State.StartedAt);
  // Typed as always present, but null for a container that is not running.
  type Bindings = Record<string, { HostIp: string; HostPort: string }[] | null>;
  const portMap = (info.NetworkSettings.Ports as Bindings | null) ?? {};
  const ports: ContainerSnapshot['ports'] = [];
  for (const [key, bindings] of Object.entries(portMap)) {
    const [container = '', protocol = 'tcp'] = key.split('/');
    for (const b of bindings ?? []) {
      const entry = { host: Number(b.HostPort), container: Number(container), protocol };
      // 0.0.0.0 and :: bindings of one port are the same port to the user.
      if (!ports.some((p) => p.host === entry.host && p.protocol === entry.protocol)) ports.push(entry);
    }
  }
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    service: info.Config.Labels[COMPOSE_LABELS.service] ?? info.Name.replace(/^\//, ''),
    status: info.State.Status,
    exitCode: info.State.ExitCode,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : undefined,
    healthLog: (info.State.Health?.Log ?? []).map((l) => ({ exitCode: l.ExitCode, output: l.Output })),
    restartCount: info.RestartCount,
    // Docker writes 0001-01-01 for "never".
    startedAt: Number.isFinite(started) && started > 0 ? started : 0,
    ports,
  };
}

/** Host ports published by running containers, with the compose project they belong to. */
export async function publishers(docker: Docker): Promise<Publisher[]> {
  const list = await docker.listContainers();
  return list.flatMap((c) =>
    c.Ports.filter((p) => p.PublicPort).map((p) => ({
      hostPort: p.PublicPort,
      protocol: p.Type,
      container: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      project: c.Labels[COMPOSE_LABELS.project],
    })),
  );
}

/** The last `tail` lines a container wrote (stdout and stderr interleaved as written). */
export async function lastLogLines(docker: Docker, id: string, tail: number): Promise<string[]> {
  const container = docker.getContainer(id);
  const [info, raw] = await Promise.all([
    container.inspect(),
    container.logs({ stdout: true, stderr: true, tail, follow: false }),
  ]);
  const text = info.Config.Tty ? raw.toString('utf8') : demuxBuffer(raw);
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/**
 * Docker's multiplexed log format (non-TTY containers): 8-byte frames [stream, 0, 0, 0, size(4)]
 * followed by the payload.
 */
export function demuxBuffer(buffer: Buffer): string {
  let out = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    out += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return out;
}

/** Follow (or dump) a container's logs as a plain text stream, demultiplexed when needed. */
export async function logStream(
  docker: Docker,
  id: string,
  options: { follow: boolean; tail?: number; since?: number; timestamps?: boolean; signal?: AbortSignal },
): Promise<NodeJS.ReadableStream> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  const common = {
    stdout: true,
    stderr: true,
    timestamps: options.timestamps ?? false,
    ...(options.tail === undefined ? {} : { tail: options.tail }),
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.signal ? { abortSignal: options.signal } : {}),
  };
  if (!options.follow) {
    const raw = await container.logs({ ...common, follow: false });
    const out = new PassThrough();
    out.end(info.Config.Tty ? raw : Buffer.from(demuxBuffer(raw)));
    return out;
  }
  const raw = await container.logs({ ...common, follow: true });
  if (info.Config.Tty) return raw;
  const out = new PassThrough();
  docker.modem.demuxStream(raw, out, out);
  raw.on('end', () => out.end());
  raw.on('error', () => out.end());
  return out;
}
