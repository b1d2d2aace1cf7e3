// (c) docker-compose.yml (and, in the template, the `--db mysql` variant's): `up -d` reaches
// healthy for every service, the API answers on the published port, a note created through it
// is processed by the worker, and `down -v` removes containers, network and volumes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { defaults } from '../../src/config.js';
import {
  composeCommand,
  docker,
  freePort,
  http,
  inspect,
  isTemplate,
  mysqlVariant,
  noteIsProcessed,
  root,
  run,
  runId,
  signToken,
  waitFor,
} from './docker.js';

const files = [['docker-compose.yml', join(root, 'docker-compose.yml')]];
if (isTemplate) files.push(['the --db mysql variant', join(mysqlVariant, 'docker-compose.yml')]);

async function projectContainers(project: string) {
  const { stdout } = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
  return stdout.split('\n').filter(Boolean);
}

describe.each(files)('%s', (_name, file) => {
  const project = `lsvc-test-${runId}-${randomBytes(2).toString('hex')}`;
  let compose: string[] = [];
  let env: NodeJS.ProcessEnv = {};
  let port = 0;
  let down = false;

  const c = (args: string[], timeoutMs = 120_000) =>
    run(
      compose[0]!,
      [...compose.slice(1), '--project-name', project, '--file', file, '--project-directory', root, ...args],
      {
        env,
        timeoutMs,
      },
    );
  const diagnose = async () => {
    const ps = await c(['ps']).catch((error: Error) => ({ stdout: error.message }));
    const output = await c(['logs', '--tail', '40']).catch((error: Error) => ({ stdout: error.message }));
    return `${ps.stdout}\n${output.stdout}`;
  };

  beforeAll(async () => {
    compose = await composeCommand();
    port = await freePort();
    // PORT picks the host port web is published on (${PORT:-3000} in the compose file).
    env = { ...process.env, PORT: String(port) };
  });

  afterAll(async () => {
    if (!down) await c(['down', '--volumes', '--rmi', 'local', '--remove-orphans'], 300_000).catch(() => {});
  }, 300_000);

  test('up -d: every service reaches healthy', async () => {
    await c(['up', '-d'], 15 * 60_000);
    const services = (await c(['config', '--services'])).stdout.split('\n').filter(Boolean);
    expect(services).toEqual(expect.arrayContaining(['web', 'worker', 'redis']));
    expect(services.length).toBeGreaterThanOrEqual(4);
    await waitFor(
      'every service to be healthy',
      async () => {
        const ids = await projectContainers(project);
        if (ids.length !== services.length) return false;
        const states = await Promise.all(ids.map((id) => inspect(id, '{{json .State}}')));
        // A service without a healthcheck (none here) counts once it runs.
        return states.every((state) => (state.Health ? state.Health.Status === 'healthy' : state.Running));
      },
      { timeoutMs: 5 * 60_000, intervalMs: 2000, diagnose },
    );
  });

  test('the API answers on the published port and the worker processes a note', async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitFor('/readyz to answer 200', async () => (await http('GET', `${base}/readyz`)).status === 200, {
      timeoutMs: 60_000,
      diagnose,
    });
    // The compose stack runs in development: its default JWT secret signs the token.
    const token = await signToken(defaults.development.AUTH_JWT_SECRET!);
    const note = await noteIsProcessed(base, token);
    expect(note.wordCount).toBe(6);
  });

  test('down -v removes the containers, the network and the volumes', async () => {
    const ids = await projectContainers(project);
    expect(ids.length).toBeGreaterThan(0);
    const details = await Promise.all(ids.map((id) => inspect(id)));
    const volumes = details.flatMap((detail) =>
      (detail.Mounts as { Type: string; Name?: string }[])
        .filter((mount) => mount.Type === 'volume')
        .map((mount) => mount.Name!),
    );
    const networks = [...new Set(details.flatMap((detail) => Object.keys(detail.NetworkSettings.Networks)))];
    expect(volumes.length).toBeGreaterThan(0);

    await c(['down', '--volumes', '--rmi', 'local'], 300_000);
    down = true;

    expect(await projectContainers(project)).toEqual([]);
    for (const volume of volumes)
      await expect(docker(['volume', 'inspect', volume])).rejects.toThrow(/no such volume/i);
    for (const network of networks)
      await expect(docker(['network', 'inspect', network])).rejects.toThrow(/not found|no such network/i);
  });
});
