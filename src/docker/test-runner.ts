// The Docker side of `lsvc test` (src/testing/run-in-docker.ts) with dockerode: classic-builder
// builds of a target stage, containers on a private network, exec probes, attached runs with
// demultiplexed output, and removal that treats "already gone" as done.
import { PassThrough } from 'node:stream';

import type { BuildEvent } from '../testing/build-stream.js';
import type { BuildRequest, ContainerSpec, TestDocker } from '../testing/run-in-docker.js';
import type { Docker } from './client.js';

type Container = ReturnType<Docker['getContainer']>;

export function dockerTestRunner(docker: Docker): TestDocker {
  return {
    async build(request: BuildRequest, onEvent, signal) {
      const stream = await docker.buildImage({ context: request.context.dir, src: request.context.files }, {
        t: request.tag,
        target: request.target,
        labels: request.labels,
        // Intermediate containers go, also when a step fails: nothing is left behind.
        rm: true,
        forcerm: true,
        abortSignal: signal,
      } as Parameters<Docker['buildImage']>[1]);
      await follow(docker, stream, onEvent);
    },

    async hasImage(image) {
      try {
        await docker.getImage(image).inspect();
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },

    async pull(image, onEvent, signal) {
      const stream = await docker.pull(image, { abortSignal: signal });
      let failure: string | undefined;
      await follow(docker, stream, (event) => {
        if (event.error || event.errorDetail) failure ??= event.errorDetail?.message ?? event.error;
        onEvent(event);
      });
      if (failure) throw new Error(failure);
    },

    async createNetwork(name, labels) {
      await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
    },

    async startContainer(spec) {
      const container = await create(docker, spec);
      await container.start();
    },

    async exec(name, cmd) {
      const exec = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const sink = new PassThrough();
      sink.resume();
      docker.modem.demuxStream(stream, sink, sink);
      await ended(stream);
      const info = await exec.inspect();
      return info.ExitCode ?? -1;
    },

    async state(name) {
      const info = await docker.getContainer(name).inspect();
      return { running: info.State.Running, exitCode: info.State.ExitCode };
    },

    async logs(name, tail) {
      const buffer = await docker
        .getContainer(name)
        .logs({ stdout: true, stderr: true, tail, follow: false });
      return demuxBuffer(buffer);
    },

    async run(spec, io, signal) {
      signal.throwIfAborted();
      const container = await create(docker, spec);
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      docker.modem.demuxStream(stream, io.stdout, io.stderr);
      const outputDone = ended(stream);
      const kill = () => {
        container.kill().catch(() => undefined);
      };
      signal.addEventListener('abort', kill, { once: true });
      try {
        await container.start();
        const result = (await container.wait()) as { StatusCode: number };
        // The last lines can trail the exit by a moment.
        await Promise.race([outputDone, delay(2000)]);
        return result.StatusCode;
      } finally {
        signal.removeEventListener('abort', kill);
        (stream as Partial<NodeJS.ReadWriteStream & { destroy(): void }>).destroy?.();
      }
    },

    async removeContainer(name) {
      await gone(docker.getContainer(name).remove({ force: true, v: true }));
    },

    async removeNetwork(name) {
      await gone(docker.getNetwork(name).remove());
    },

    async removeLabelled(label) {
      const filters = JSON.stringify({ label: [label] });
      const removed: string[] = [];
      const containers = await docker.listContainers({ all: true, filters });
      await Promise.all(
        containers.map(async (c) => {
          await gone(docker.getContainer(c.Id).remove({ force: true, v: true }));
          removed.push(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id}`);
        }),
      );
      for (const n of await docker.listNetworks({ filters })) {
        await gone(docker.getNetwork(n.Id).remove());
        removed.push(`network ${n.Name}`);
      }
      const { Volumes: volumes } = await docker.listVolumes({ filters });
      for (const v of volumes) {
        await gone(docker.getVolume(v.Name).remove());
        removed.push(`volume ${v.Name}`);
      }
      return removed;
    },
  };
}

function create(docker: Docker, spec: ContainerSpec): Promise<Container> {
  return docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    Labels: spec.labels,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      NetworkMode: spec.network,
      Init: spec.init ?? false,
      Tmpfs: Object.fromEntries((spec.tmpfs ?? []).map((path) => [path, ''])),
    },
    NetworkingConfig: {
      EndpointsConfig: { [spec.network]: { Aliases: spec.aliases ?? [] } },
    },
  });
}

function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (event: BuildEvent) => void) {
  return new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else resolve();
      },
      (event: BuildEvent) => {
        onEvent(event);
      },
    );
  });
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => {
      resolve();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

/** Removal of something already gone (404) or being removed (409) counts as done. */
async function gone(removal: Promise<unknown>): Promise<void> {
  try {
    await removal;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return;
    if (status === 409 && /removal .* already in progress/i.test((error as Error).message)) return;
    throw error;
  }
}

/** `docker logs` of a container without a TTY comes multiplexed: 8-byte headers, then payload. */
export function demuxBuffer(buffer: Buffer | string): string {
  if (typeof buffer === 'string') return buffer;
  const out: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if ((kind !== 1 && kind !== 2) || offset + 8 + size > buffer.length) {
      // Not multiplexed after all (a TTY container): return it as text.
      return buffer.toString('utf8');
    }
    out.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return out.join('');
}
