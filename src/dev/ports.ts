// Before starting anything: are the host ports the compose file publishes free? A taken port makes
// compose fail half way with a cryptic "bind: address already in use"; this says which port, who
// holds it when it can tell, and how to pick another.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

import type { Exec } from '../docker/compose.js';
import { DockerError } from '../errors.js';
import type { PublishedPort } from './compose-file.js';

/** A running container publishing a host port. */
export interface Publisher {
  hostPort: number;
  protocol: string;
  container: string;
  /** Its compose project, when compose made it. */
  project: string | undefined;
}

export interface PortConflict {
  port: PublishedPort;
  /** Who holds it, e.g. 'container other_web_1' or 'node (pid 4242)'; undefined when unknown. */
  holder: string | undefined;
}

export interface PortCheckDeps {
  /** Can we listen on this TCP port at this address right now? */
  canListen: (port: number, host: string) => Promise<boolean>;
  /** Host ports published by running containers (Docker may hold ports without a listening socket). */
  publishers: () => Promise<Publisher[]>;
  /** The process listening on the port, when the OS tells us (ss, lsof). */
  processHolder: (port: number) => Promise<string | undefined>;
}

/** The published ports that are taken, except those held by this project's own containers. */
export async function findPortConflicts(
  ports: PublishedPort[],
  project: string,
  deps: PortCheckDeps,
): Promise<PortConflict[]> {
  const publishers = await deps.publishers();
  const conflicts: PortConflict[] = [];
  const seen = new Set<string>();
  for (const port of ports) {
    const key = `${port.hostIp}:${port.hostPort}/${port.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const holders = publishers.filter((p) => p.hostPort === port.hostPort && p.protocol === port.protocol);
    // Already published by this project: `lsvc dev` again on a running stack is fine.
    if (holders.some((h) => h.project === project)) continue;
    const other = holders[0];
    if (other) {
      const from = other.project ? ` (compose project ${other.project})` : '';
      conflicts.push({ port, holder: `container ${other.container}${from}` });
      continue;
    }
    if (port.protocol !== 'tcp') continue;
    if (await deps.canListen(port.hostPort, port.hostIp || '0.0.0.0')) continue;
    conflicts.push({ port, holder: await deps.processHolder(port.hostPort) });
  }
  return conflicts;
}

/** The exit-4 error for taken ports: which, who holds them, and how to change them. */
export function portConflictError(conflicts: PortConflict[], suggestion: number | undefined): DockerError {
  const describe = (c: PortConflict) =>
    `port ${c.port.hostPort} (service ${c.port.service}, "${c.port.spec}") is taken${c.holder ? ` by ${c.holder}` : ''}`;
  const [first, ...rest] = conflicts;
  if (!first) throw new Error('portConflictError needs at least one conflict');
  const variable = first.port.variables[0];
  const next = suggestion ?? first.port.hostPort + 1;
  const hint = variable
    ? `Pick another port: ${variable}=${next} lsvc dev (or set ${variable} in the service's .env), or stop what holds ${first.port.hostPort}.`
    : `Change the host port in docker-compose.yml (e.g. "${next}:${first.port.containerPort}"), or stop what holds ${first.port.hostPort}.`;
  return new DockerError(`Cannot start: host ${describe(first)}.`, {
    details: rest.map((c) => `Also: ${describe(c)}.`),
    hint,
  });
}

/** The first port from `start` up that nothing holds (for the hint), or undefined. */
export async function suggestFreePort(
  start: number,
  deps: Pick<PortCheckDeps, 'canListen'>,
  taken = new Set<number>(),
  tries = 50,
): Promise<number | undefined> {
  for (let port = start; port < start + tries && port <= 65535; port += 1) {
    if (taken.has(port)) continue;
    if (await deps.canListen(port, '0.0.0.0')) return port;
  }
  return undefined;
}

/** Try to listen on the port and close again at once. */
export function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** `ss -ltnp` (Linux), else `lsof`: "node (pid 4242)"; undefined when neither says. */
export async function processHolder(port: number, exec: Exec): Promise<string | undefined> {
  const ss = await exec('ss', ['-Hltnp', 'sport', '=', `:${port}`], { timeoutMs: 2000 });
  if (ss.code === 0) {
    const match = /users:\(\("([^"]*)",pid=(\d+)/.exec(ss.stdout);
    if (match?.[2]) return describePid(Number(match[2]), match[1]);
  }
  const lsof = await exec('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { timeoutMs: 2000 });
  if (lsof.code === 0) {
    const pid = /^p(\d+)$/m.exec(lsof.stdout)?.[1];
    const name = /^c(.*)$/m.exec(lsof.stdout)?.[1];
    if (pid) return describePid(Number(pid), name);
  }
  return undefined;
}

/** "node server.js (pid 42)": the command line where /proc has it (node names its thread MainThread). */
async function describePid(pid: number, name: string | undefined): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0').filter(Boolean);
  const shown = args.length
    ? args
        .slice(0, 3)
        .map((a, i) => (i === 0 ? (a.split('/').pop() ?? a) : a))
        .join(' ')
        .slice(0, 60)
    : (name ?? 'a process');
  return `${shown} (pid ${pid})`;
}
