// `lsvc dev ps` and `lsvc dev logs`: read-only views of the service's dev stack, from the engine
// (dockerode, by compose labels), so they need no compose CLI.
import { UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { Paint } from '../ui.js';
import { projectContainers } from './containers.js';
import { type DevDeps, openDevContext } from './context.js';
import type { ContainerSnapshot } from './health.js';
import { printLogs } from './logs.js';
import type { DevProject } from './project.js';

export interface PsRow {
  service: string;
  container: string;
  /** running, exited, created, restarting... */
  state: string;
  /** healthy, unhealthy, starting; null without a health check or when not running. */
  health: string | null;
  ports: { host: number; container: number }[];
}

export interface PsResult {
  project: string;
  rows: PsRow[];
}

/** Containers in the compose file's order (then any others, e.g. orphans). */
function inFileOrder(project: DevProject, containers: ContainerSnapshot[]): ContainerSnapshot[] {
  const order = project.model.services.map((s) => s.name);
  const rank = (c: ContainerSnapshot) => {
    const i = order.indexOf(c.service);
    return i < 0 ? order.length : i;
  };
  return [...containers].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export async function devPs(deps: DevDeps): Promise<PsResult> {
  const { project, docker } = await openDevContext(deps);
  const containers = inFileOrder(project, await projectContainers(docker, project.name));
  return { project: project.name, rows: containers.map(toRow) };
}

export function toRow(c: ContainerSnapshot): PsRow {
  return {
    service: c.service,
    container: c.name,
    state: c.status === 'exited' ? `exited (${c.exitCode})` : c.status,
    // Docker leaves a stopped container's last health status behind: meaningless once it stopped.
    health: c.status === 'running' ? (c.health ?? null) : null,
    ports: c.ports.map((p) => ({ host: p.host, container: p.container })),
  };
}

/** A plain table; health coloured (green healthy, yellow starting, red unhealthy). */
export function renderPs(result: PsResult, paint: Paint): string[] {
  if (!result.rows.length) return [`No containers for ${result.project}: "lsvc dev" starts them.`];
  const header = ['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'PORTS'];
  const cells = result.rows.map((r) => [
    r.service,
    r.container,
    r.state,
    r.health ?? '-',
    r.ports.map((p) => `${p.host}->${p.container}`).join(', ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const colour = (text: string, i: number) => {
    if (i !== 3) return text;
    if (text.startsWith('healthy')) return paint.green(text);
    if (text.startsWith('starting')) return paint.yellow(text);
    if (text.startsWith('unhealthy')) return paint.red(text);
    return text;
  };
  const line = (row: string[], style: (t: string, i: number) => string) =>
    row
      .map((cell, i) => style(i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0), i))
      .join('  ')
      .trimEnd();
  return [line(header, (t) => paint.bold(t)), ...cells.map((row) => line(row, colour))];
}

export interface LogsOptions {
  service: string | undefined;
  follow: boolean;
  tail: number | undefined;
  color: boolean;
  write: (text: string) => void;
  signal: AbortSignal;
}

/** Print the stack's logs with service prefixes; returns how many containers were shown. */
export async function devLogs(
  deps: DevDeps,
  options: LogsOptions,
): Promise<{ project: string; containers: number }> {
  const { project, docker } = await openDevContext(deps);
  const names = project.model.services.map((s) => s.name);
  if (options.service !== undefined && !names.includes(options.service)) {
    const guess = didYouMean(options.service, names);
    throw new UsageError(
      `There is no service "${options.service}" in the compose file${guess ? `; did you mean "${guess}"?` : '.'}`,
      { hint: `Services: ${names.join(', ')}.` },
    );
  }
  const containers = inFileOrder(project, await projectContainers(docker, project.name, options.service));
  if (containers.length) {
    await printLogs(docker, containers, {
      follow: options.follow,
      ...(options.tail === undefined ? {} : { tail: options.tail }),
      color: options.color,
      write: options.write,
      signal: options.signal,
    });
  }
  return { project: project.name, containers: containers.length };
}
