// `lsvc fleet status` on a terminal: one table row per service x environment (the first cause or
// error on a line under an unhealthy row), then the last hour's sparklines as a second table
// that shrinks to the terminal and is left out when it cannot fit.
import { healthColour } from '../status/render.js';
import { type Charset, formatMetric, sparkline } from '../status/sparkline.js';
import { formatAge } from '../status/time.js';
import { renderTable, tableWidth } from '../table.js';
import type { Paint } from '../ui.js';
import { type FleetRow, type FleetStatus, rowHealthy } from './status.js';

export interface FleetRenderOptions {
  paint: Paint;
  now: number;
  width: number;
  charset: Charset;
}

function healthCell(r: FleetRow): string {
  if (r.read === 'failed' || !r.status) return 'unknown';
  if (!r.status.provisioned) return 'not provisioned';
  return r.status.health ?? '?';
}

function alarmsCell(r: FleetRow): string {
  const s = r.status;
  if (!s) return '?';
  if (s.unread.includes('alarms')) return '?';
  const prefix = `${s.fullName}-`;
  const firing = s.alarms.filter((a) => a.state === 'ALARM').map((a) => a.name.replace(prefix, ''));
  return firing.length ? `${firing.length}: ${firing.join(', ')}` : s.alarms.length ? 'ok' : '-';
}

function stateCell(r: FleetRow, part: 'database' | 'redis'): string {
  const s = r.status;
  if (!s?.provisioned) return '-';
  if (s.unread.includes(part)) return '?';
  return s[part]?.status ?? 'none';
}

function deployCell(r: FleetRow, now: number): string {
  const d = r.lastDeploy;
  if (!d) return '-';
  // A failed release is not the version that runs (VERSION): name it.
  const which = d.version && d.outcome !== 'deployed' ? ` ${d.version}` : '';
  return `${d.outcome}${which} ${formatAge(d.at, now)} ago`;
}

/** Why an unhealthy row is: the read error, the first health cause, else the first problem. */
function reasonOf(r: FleetRow): string | null {
  if (rowHealthy(r)) return null;
  if (r.error) return r.error;
  return r.status?.causes[0] ?? r.status?.problems[0] ?? null;
}

export function renderFleetStatus(f: FleetStatus, o: FleetRenderOptions): string[] {
  const { paint } = o;
  const template = new Map(f.services.map((s) => [s.path, s.template]));
  const shownTemplate = new Set<string>();
  const header = [
    'SERVICE',
    'ENV',
    'HEALTH',
    'VERSION',
    'SINCE',
    'LAST DEPLOY',
    'ALARMS',
    'DB',
    'REDIS',
    'TEMPLATE',
  ];
  const rows = f.rows.map((r) => {
    const t = template.get(r.path);
    const first = !shownTemplate.has(r.path);
    shownTemplate.add(r.path);
    const templateText =
      !first || !t ? '' : t.upgradeAvailable ? `${t.version} -> ${t.latest ?? '?'}` : t.version;
    return [
      r.service,
      r.environment,
      healthCell(r),
      r.status?.version ?? '-',
      r.status?.deployedAt ? formatAge(r.status.deployedAt, o.now) : '-',
      deployCell(r, o.now),
      alarmsCell(r),
      stateCell(r, 'database'),
      stateCell(r, 'redis'),
      templateText,
    ];
  });
  const table = renderTable([header, ...rows], (row, col, text) => {
    if (row === 0) return paint.dim(text);
    const r = f.rows[row - 1];
    if (!r) return text;
    if (col === 2)
      return r.read === 'failed' ? paint.yellow(text) : healthColour(paint, r.status?.health)(text);
    if (col === 5 && r.lastDeploy) return r.lastDeploy.outcome === 'deployed' ? text : paint.yellow(text);
    if (col === 6 && /^\d+:/.test(text)) return paint.red(text);
    if ((col === 7 || col === 8) && text !== '-') return healthColour(paint, text)(text);
    if (col === 9 && text.includes('->')) return paint.yellow(text);
    return text;
  });
  const lines = [table[0] ?? ''];
  f.rows.forEach((r, i) => {
    lines.push(table[i + 1] ?? '');
    const reason = reasonOf(r);
    if (reason) lines.push(`  ${paint.dim('-')} ${r.read === 'failed' ? paint.yellow(reason) : reason}`);
  });

  const metrics = metricsTable(f, o);
  if (metrics.length) lines.push('', ...metrics);
  lines.push('', ...summary(f, paint));
  return lines;
}

/** Cells per sparkline: 20 (three minutes each) when the terminal has room, fewer down to MIN. */
const SPARK_MAX = 20;
const SPARK_MIN = 6;
const VALUE = 6;

function metricsTable(f: FleetStatus, o: FleetRenderOptions): string[] {
  const withMetrics = f.rows.filter((r) => r.status?.metrics);
  const first = withMetrics[0]?.status?.metrics;
  if (!first) return [];
  const labels = first.series.map((s) => s.label);
  const fixed = tableWidth(withMetrics.map((r) => [r.service, r.environment])) + 2;
  const perSeries = Math.floor((o.width - fixed) / labels.length) - 2 - 1 - VALUE;
  const cells = Math.min(SPARK_MAX, perSeries);
  if (cells < SPARK_MIN)
    return [o.paint.dim('Metrics hidden: the terminal is too narrow (--json has them).')];
  const header = ['SERVICE', 'ENV', ...labels.map((l) => l.padEnd(cells + 1 + VALUE))];
  const rows = withMetrics.map((r) => [
    r.service,
    r.environment,
    ...(r.status?.metrics?.series ?? []).map(
      (s) => `${sparkline(s.values, cells, o.charset)} ${formatMetric(s, s.latest).padStart(VALUE)}`,
    ),
  ]);
  const title = o.paint.dim('Last hour (one cell per 3 minutes at full width; the value is the latest):');
  return [
    title,
    ...renderTable([header, ...rows], (row, col, text) => {
      if (row === 0) return o.paint.dim(text);
      if (col < 2) return text;
      const spark = text.slice(0, cells);
      return `${o.paint.cyan(spark)}${text.slice(cells)}`;
    }),
  ];
}

function summary(f: FleetStatus, paint: Paint): string[] {
  const failed = f.rows.filter((r) => r.read === 'failed');
  const unhealthy = f.rows.filter((r) => r.read !== 'failed' && !rowHealthy(r));
  const services = new Set(f.rows.map((r) => r.path)).size;
  const parts = [
    `${services} service${services === 1 ? '' : 's'}, ${f.rows.length} environment${f.rows.length === 1 ? '' : 's'}`,
  ];
  const out: string[] = [];
  if (!unhealthy.length && !failed.length) out.push(paint.green(`${parts[0]}: all healthy.`));
  else {
    const detail = [
      unhealthy.length
        ? `${unhealthy.length} unhealthy (${unhealthy.map((r) => `${r.service}/${r.environment}`).join(', ')})`
        : '',
      failed.length
        ? `${failed.length} could not be read (${failed.map((r) => `${r.service}/${r.environment}`).join(', ')})`
        : '',
    ].filter(Boolean);
    out.push(paint.red(`${parts[0]}: ${detail.join(', ')}.`));
  }
  const behind = f.services.filter((s) => s.template?.upgradeAvailable);
  if (behind.length) {
    out.push(
      paint.yellow(
        `${behind.length} service${behind.length === 1 ? '' : 's'} behind the template (${behind.map((s) => s.name ?? s.path).join(', ')}): run lsvc fleet upgrade.`,
      ),
    );
  }
  return out;
}
