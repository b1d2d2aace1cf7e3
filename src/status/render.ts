// The status screen: one block per environment, coloured by health, widths from plain text so
// that colour codes never break the alignment.
import type { Paint } from '../ui.js';
import { type Charset, describeRange, metricLines } from './sparkline.js';
import { formatAge, formatDateTime } from './time.js';
import type {
  AlarmStatus,
  DependencyStatus,
  EnvironmentStatus,
  InstanceStatus,
  StatusReport,
  TrafficMetrics,
} from './types.js';

export interface RenderOptions {
  paint: Paint;
  now: number;
  /** IANA zone for dates; the machine's own when undefined. */
  timeZone?: string | undefined;
  /** Terminal columns: the metric sparklines are left out when they do not fit (default 100). */
  width?: number | undefined;
  /** Block characters or the ASCII ramp for the sparklines (default: unicode). */
  charset?: Charset | undefined;
}

type Colour = (text: string) => string;

export function healthColour(paint: Paint, health: string | null | undefined): Colour {
  switch (health) {
    case 'Green':
    case 'Ok':
    case 'Info':
    case 'Ready':
    case 'OK':
    case 'available':
      return paint.green;
    case 'Yellow':
    case 'Warning':
    case 'Updating':
    case 'Launching':
    case 'INSUFFICIENT_DATA':
      return paint.yellow;
    case 'Red':
    case 'Degraded':
    case 'Severe':
    case 'ALARM':
    case 'Terminating':
    case 'Terminated':
      return paint.red;
    default:
      return paint.gray;
  }
}

const LABEL = 11;
const label = (paint: Paint, text: string) => `  ${paint.bold(text.padEnd(LABEL))}`;

function when(iso: string | null, o: RenderOptions): string {
  if (!iso) return 'unknown';
  return `${formatDateTime(iso, o.timeZone)} (${formatAge(iso, o.now)} ago)`;
}

function num(n: number | null, unit = '', digits = 1): string {
  return n === null ? '-' : `${n.toFixed(digits)}${unit}`;
}

function latency(ms: number | null): string {
  if (ms === null) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function trafficLine(t: TrafficMetrics): string {
  return `${num(t.requestsPerSecond)} req/s · p99 ${latency(t.p99Ms)} · 5xx ${num(t.http5xxPercent, '%')}`;
}

/** Columns padded on the plain text; `colour` picks a colour per cell after padding. */
function table(rows: string[][], colour: (row: number, col: number, text: string) => string): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r, i) =>
    `    ${r.map((cell, c) => colour(i, c, c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')}`.trimEnd(),
  );
}

function instanceLines(instances: InstanceStatus[], o: RenderOptions): string[] {
  const { paint } = o;
  const rows = [
    ['ID', 'HEALTH', 'VERSION', 'REQ/S', 'P99', '5XX'],
    ...instances.map((i) => [
      i.id,
      i.healthStatus ?? i.health ?? '?',
      i.version ?? '-',
      num(i.requestsPerSecond),
      latency(i.p99Ms),
      num(i.http5xxPercent, '%'),
    ]),
  ];
  const lines = table(rows, (row, col, text) => {
    if (row === 0) return paint.dim(text);
    const instance = instances[row - 1];
    return col === 1 && instance ? healthColour(paint, instance.healthStatus ?? instance.health)(text) : text;
  });
  const out = [lines[0] ?? ''];
  instances.forEach((instance, i) => {
    out.push(lines[i + 1] ?? '');
    for (const cause of instance.causes) out.push(`      ${paint.dim('-')} ${cause}`);
  });
  return out;
}

function alarmLines(alarms: AlarmStatus[], o: RenderOptions): string[] {
  const { paint } = o;
  const rows = alarms.map((a) => [a.state, a.name, a.since ? `since ${when(a.since, o)}` : '']);
  const lines = table(rows, (row, col, text) => {
    const alarm = alarms[row];
    return col === 0 && alarm ? healthColour(paint, alarm.state)(text) : text;
  });
  const out: string[] = [];
  alarms.forEach((alarm, i) => {
    out.push(lines[i] ?? '');
    if (alarm.state !== 'OK' && alarm.reason) out.push(`      ${paint.dim('-')} ${alarm.reason}`);
  });
  return out;
}

function metricsBlock(m: NonNullable<EnvironmentStatus['metrics']>, o: RenderOptions): string[] {
  const { paint } = o;
  const spark = metricLines(m, { paint, charset: o.charset ?? 'unicode', width: o.width ?? 100 });
  const title = `${label(paint, 'Metrics')}${paint.dim(describeRange(m))}`;
  return spark ? [title, ...spark] : [`${label(paint, 'Metrics')}${paint.dim('hidden (narrow terminal)')}`];
}

export function renderEnvironment(s: EnvironmentStatus, o: RenderOptions): string[] {
  const { paint } = o;
  const verdict = s.healthy ? paint.green('healthy') : paint.red('unhealthy');
  const lines = [`${paint.bold(s.fullName)} ${paint.dim(`(${s.name}, ${s.region})`)}  ${verdict}`];

  if (s.unread.includes('environment')) {
    lines.push(`  ${paint.yellow('could not read the environment: its state is unknown (see Problems)')}`);
  } else if (!s.provisioned) {
    lines.push(`  ${paint.yellow(`not provisioned (run "lsvc provision --env ${s.name}")`)}`);
  } else {
    const health = [s.health, s.healthStatus && s.healthStatus !== s.health ? `(${s.healthStatus})` : '']
      .filter(Boolean)
      .join(' ');
    lines.push(
      `${label(paint, 'Status')}${healthColour(paint, s.status)(s.status ?? '?')} · ${healthColour(paint, s.healthStatus ?? s.health)(health || '?')}`,
    );
    if (s.causes.length) {
      lines.push(`${label(paint, 'Causes')}${s.causes[0] ?? ''}`);
      for (const cause of s.causes.slice(1)) lines.push(`${' '.repeat(LABEL + 2)}${cause}`);
    }
    lines.push(`${label(paint, 'URL')}${s.url ?? '-'}`);
    lines.push(`${label(paint, 'Version')}${s.version ?? '-'} · deployed ${when(s.deployedAt, o)}`);
    if (s.traffic) {
      const window = s.traffic.windowSeconds ? paint.dim(` (last ${s.traffic.windowSeconds} s)`) : '';
      lines.push(`${label(paint, 'Traffic')}${trafficLine(s.traffic)}${window}`);
    }
    if (s.metrics) lines.push(...metricsBlock(s.metrics, o));
    lines.push(
      `${label(paint, 'Instances')}${s.instances.length ? String(s.instances.length) : 'no details'}`,
    );
    if (s.instances.length) lines.push(...instanceLines(s.instances, o));
  }

  const unknown = paint.yellow('unknown (could not read: see Problems)');
  if (s.provisioned || s.alarms.length) {
    const firing = s.alarms.filter((a) => a.state === 'ALARM').length;
    const summary = s.unread.includes('alarms')
      ? unknown
      : s.alarms.length
        ? `${s.alarms.length}${firing ? paint.red(`, ${firing} in ALARM`) : ''}`
        : 'none found';
    lines.push(`${label(paint, 'Alarms')}${summary}`);
    lines.push(...alarmLines(s.alarms, o));
  }

  if (s.database) {
    const d = s.database;
    const storage =
      d.usedStorageGb !== null && d.allocatedStorageGb !== null
        ? `${d.usedStorageGb} of ${d.allocatedStorageGb} GB used`
        : d.allocatedStorageGb !== null
          ? `${d.allocatedStorageGb} GB allocated`
          : '';
    const parts = [
      healthColour(paint, d.status)(d.status),
      [d.engine, d.engineVersion].filter(Boolean).join(' '),
      d.instanceClass ?? '',
      storage,
      d.multiAz ? 'Multi-AZ' : '',
    ].filter(Boolean);
    lines.push(`${label(paint, 'Database')}${parts.join(' · ')}`);
  } else if (s.provisioned) {
    lines.push(
      `${label(paint, 'Database')}${s.unread.includes('database') ? unknown : paint.gray('not found')}`,
    );
  }

  if (s.redis) {
    const r = s.redis;
    const parts = [
      healthColour(paint, r.status)(r.status),
      r.engineVersion ? `redis ${r.engineVersion}` : 'redis',
      r.nodeType ?? '',
      r.nodes > 1 ? `${r.nodes} nodes` : '',
    ].filter(Boolean);
    lines.push(`${label(paint, 'Redis')}${parts.join(' · ')}`);
  } else if (s.provisioned) {
    lines.push(`${label(paint, 'Redis')}${s.unread.includes('redis') ? unknown : paint.gray('not found')}`);
  }

  if (s.dependencies.length) {
    lines.push(`${label(paint, 'Depends on')}${s.dependencies.length}`);
    lines.push(...dependencyLines(s.dependencies, o));
  }

  const problems = s.provisioned ? s.problems : s.problems.filter((p) => !p.startsWith('not provisioned'));
  if (problems.length) {
    lines.push(`${label(paint, 'Problems')}${paint.red(problems[0] ?? '')}`);
    for (const p of problems.slice(1)) lines.push(`${' '.repeat(LABEL + 2)}${paint.red(p)}`);
  }
  for (const note of s.notes) lines.push(`  ${paint.dim(`note: ${note}`)}`);
  return lines;
}

function dependencyLines(deps: DependencyStatus[], o: RenderOptions): string[] {
  const { paint } = o;
  const rows = deps.map((d) => [
    d.service,
    d.provisioned
      ? [d.status, d.health, d.healthStatus && d.healthStatus !== d.health ? `(${d.healthStatus})` : '']
          .filter(Boolean)
          .join(' ')
      : '-',
    d.problem ?? d.url ?? '-',
  ]);
  return table(rows, (i, c, text) => {
    const d = deps[i];
    if (!d) return text;
    if (c === 1) return healthColour(paint, d.healthStatus ?? d.health)(text);
    if (c === 2 && d.problem) return paint.yellow(text);
    return text;
  });
}

export function renderReport(report: StatusReport, o: RenderOptions): string[] {
  const lines: string[] = [];
  report.environments.forEach((env, i) => {
    if (i > 0) lines.push('');
    lines.push(...renderEnvironment(env, o));
  });
  if (report.environments.length > 1) {
    const bad = report.environments.filter((e) => !e.healthy).map((e) => e.name);
    lines.push('');
    lines.push(
      bad.length
        ? o.paint.red(
            `${bad.length} of ${report.environments.length} environments unhealthy: ${bad.join(', ')}`,
          )
        : o.paint.green(`All ${report.environments.length} environments healthy.`),
    );
  }
  return lines;
}

/**
 * What --watch compares to decide that something changed: states, not numbers that move every
 * refresh (requests/s, latency) nor the clock.
 */
export function fingerprint(report: StatusReport): string {
  return JSON.stringify(
    report.environments.map((e) => [
      e.name,
      e.provisioned,
      e.status,
      e.health,
      e.healthStatus,
      e.causes,
      e.version,
      e.instances.map((i) => [i.id, i.health, i.healthStatus, i.version, i.causes]),
      e.alarms.map((a) => [a.name, a.state]),
      e.database?.status ?? null,
      e.redis?.status ?? null,
      e.dependencies.map((d) => [d.service, d.provisioned, d.status, d.health, d.problem]),
      e.problems,
    ]),
  );
}
