// One way to reach the Docker engine for every command: dockerode (imported lazily, ~200 ms),
// DOCKER_HOST honoured by docker-modem, no pinned API version (the engine negotiates: FACTS.md),
// and a quick ping so that "Docker is not running" is one clear line, not a stack trace.
import type Docker from 'dockerode';
import { DockerError } from '../errors.js';

export type { Docker };

/** Where lsvc looks for the engine, for messages. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

export function dockerUnavailable(cause: unknown, env: NodeJS.ProcessEnv = process.env): DockerError {
  const { code, message = String(cause) } = (cause ?? {}) as { code?: string; message?: string };
  const reason = code ?? message;
  return new DockerError(`Docker is not reachable at ${dockerEndpoint(env)} (${reason}).`, {
    hint: env.DOCKER_HOST
      ? 'Start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local one.'
      : 'Start Docker (Docker Desktop, or "sudo systemctl start docker" on Linux), then run "lsvc doctor".',
    cause,
  });
}

/** A connected client: throws DockerError (exit 4) when the engine does not answer in time. */
export async function connectDocker(options: { pingTimeoutMs?: number } = {}): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode');
  const docker = new Dockerode();
  const timeoutMs = options.pingTimeoutMs ?? 3000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } catch (error) {
    throw dockerUnavailable(error);
  } finally {
    clearTimeout(timer);
  }
  return docker;
}
