// The dashboard page: the fleet table, then the selected environment's charts (uPlot) with the
// deploys and rollbacks marked, each chart labelled and with its points as a table, and the alarm
// history. Data from ./api/*, live fleet updates from ./events (server-sent events). Everything is
// text built with the DOM API (textContent), never HTML from data.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

import type { EnvironmentDetail, FleetRow, FleetStatus, Marker, MetricSeries, RangeKey } from './types.js';

const RANGE_LABELS: Record<RangeKey, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d' };
const RANGE_WORDS: Record<RangeKey, string> = {
  '1h': 'the last hour',
  '24h': 'the last 24 hours',
  '7d': 'the last 7 days',
};

interface State {
  fleet: FleetStatus | null;
  selected: { service: string; environment: string } | null;
  range: RangeKey;
  charts: uPlot[];
}
const state: State = { fleet: null, selected: null, range: '24h', charts: [] };

const $ = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== null) node.append(c);
  return node;
}

const time = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

// ---- the fleet table ---------------------------------------------------------------------------

const HEALTH_SIGN: Record<string, string> = { Green: '●', Yellow: '▲', Red: '■', Grey: '○' };

function healthCell(row: FleetRow): HTMLTableCellElement {
  const health = row.status?.health ?? 'unknown';
  const healthy = row.status?.healthy === true;
  const text = `${HEALTH_SIGN[health] ?? '?'} ${health}${row.status?.status && row.status.status !== 'Ready' ? ` (${row.status.status})` : ''}`;
  return el('td', { class: `health health-${healthy ? 'ok' : health.toLowerCase()}` }, text);
}

function rowCells(row: FleetRow, template: string): (HTMLTableCellElement | null)[] {
  const s = row.status;
  const firing = s?.alarms.filter((a) => a.state === 'ALARM') ?? [];
  const deploy = row.lastDeploy;
  return [
    el('td', {}, s?.version ?? '—'),
    healthCell(row),
    el(
      'td',
      { class: firing.length ? 'alarm' : '' },
      firing.length
        ? `${firing.length} in ALARM: ${firing.map((a) => a.name).join(', ')}`
        : `${s?.alarms.length ?? 0} OK`,
    ),
    el('td', {}, deploy ? `${deploy.outcome} · ${time(deploy.at)}` : '—'),
    el('td', {}, template),
  ];
}

function renderFleet(f: FleetStatus) {
  const templates = new Map(f.services.map((s) => [s.path, s.template]));
  const table = el(
    'table',
    { class: 'fleet', 'aria-describedby': 'fleet-help' },
    el('caption', {}, `${f.rows.length} environments of ${f.services.length} services`),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Service', 'Environment', 'Version', 'Health', 'Alarms', 'Last deploy', 'Template'].map((h) =>
          el('th', { scope: 'col' }, h),
        ),
      ),
    ),
  );
  const body = el('tbody');
  for (const row of f.rows) {
    const t = templates.get(row.path);
    const template = t ? (t.upgradeAvailable && t.latest ? `${t.version} → ${t.latest}` : t.version) : '—';
    const selected =
      state.selected?.service === row.service && state.selected.environment === row.environment;
    const tr = el('tr', {
      tabindex: '0',
      'data-service': row.service,
      'data-environment': row.environment,
      'aria-selected': String(selected),
      class: row.error ? 'unread' : '',
    });
    tr.append(el('th', { scope: 'row' }, row.service), el('td', {}, row.environment));
    if (row.read === 'failed') {
      tr.append(el('td', { colspan: '5', class: 'error', role: 'status' }, `Could not read: ${row.error}`));
    } else {
      for (const c of rowCells(row, template)) if (c) tr.append(c);
      if (row.error) tr.cells[3]?.append(el('div', { class: 'error' }, row.error));
    }
    tr.addEventListener('click', () => {
      select(row.service, row.environment);
    });
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        select(row.service, row.environment);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
        if (next instanceof HTMLElement) next.focus();
      }
    });
    body.append(tr);
  }
  table.append(body);
  const help = el(
    'p',
    { id: 'fleet-help', class: 'help' },
    'Enter or click a row for its charts; arrow keys move between rows.',
  );
  $('fleet').replaceChildren(help, el('div', { class: 'scroll' }, table));
  $('updated').textContent =
    `Updated ${time(f.checkedAt)} · ${f.healthy ? 'all healthy' : 'not all healthy'}`;
}

// ---- charts ------------------------------------------------------------------------------------

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const SERIES_COLOUR: Record<string, string> = {
  requestsPerMinute: '--c-blue',
  http5xxPercent: '--c-vermillion',
  p99LatencyMs: '--c-orange',
  cpuPercent: '--c-green',
  queueBacklog: '--c-purple',
};

function summary(s: MetricSeries, markers: Marker[], range: RangeKey): string {
  const values = s.values.filter((v): v is number => v !== null);
  const max = values.length ? Math.max(...values) : null;
  const deploys = markers.length ? `; ${markers.length} deploy${markers.length > 1 ? 's' : ''} marked` : '';
  return `${s.label} (${s.unit}) over ${RANGE_WORDS[range]}: ${values.length} points, latest ${s.latest ?? 'none'}, highest ${max ?? 'none'}${deploys}`;
}

function pointsTable(s: MetricSeries): HTMLElement {
  const body = el('tbody');
  s.timestamps.forEach((t, i) => {
    const v = s.values[i];
    if (v !== null && v !== undefined)
      body.append(el('tr', {}, el('td', {}, time(t)), el('td', {}, String(v))));
  });
  return el(
    'details',
    {},
    el('summary', {}, `${s.label}: the points as a table`),
    el(
      'table',
      { class: 'points' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Time'),
          el('th', { scope: 'col' }, `${s.label} (${s.unit})`),
        ),
      ),
      body,
    ),
  );
}

/** Deploy and rollback markers: DOM elements over the plot (labelled, keyboard-reachable). */
function placeMarkers(u: uPlot, markers: Marker[]) {
  u.over.querySelectorAll('.marker').forEach((m) => {
    m.remove();
  });
  for (const m of markers) {
    const left = u.valToPos(Date.parse(m.at) / 1000, 'x');
    if (!Number.isFinite(left) || left < 0 || left > u.over.clientWidth) continue;
    const label = `${m.kind} of ${m.version} by ${m.by} at ${time(m.at)}: ${m.outcome}`;
    const mark = el('span', {
      class: `marker marker-${m.kind === 'rollback' || m.outcome === 'rolled-back' ? 'rollback' : m.outcome === 'deployed' ? 'ok' : 'bad'}`,
      title: label,
      'aria-label': label,
      role: 'img',
      tabindex: '0',
      'data-version': m.version,
    });
    mark.style.left = `${left}px`;
    u.over.append(mark);
  }
}

function chart(s: MetricSeries, markers: Marker[], range: RangeKey, into: HTMLElement): void {
  const label = summary(s, markers, range);
  const figure = el('figure', {
    class: 'chart',
    role: 'group',
    'aria-label': label,
    'data-key': s.key,
    'data-points': String(s.values.filter((v) => v !== null).length),
    'data-markers': String(markers.length),
  });
  const plot = el('div', { role: 'img', 'aria-label': label });
  figure.append(
    el('figcaption', {}, `${s.label} (${s.unit}) · latest ${s.latest ?? '—'}`),
    plot,
    pointsTable(s),
  );
  // In the grid first: the plot takes the width of its column.
  into.append(figure);
  const width = Math.max(240, figure.clientWidth);
  const xs = s.timestamps.map((t) => Date.parse(t) / 1000);
  const colour = cssVar(SERIES_COLOUR[s.key] ?? '--c-blue');
  const axis = {
    stroke: cssVar('--fg-muted'),
    grid: { stroke: cssVar('--grid'), width: 1 },
    ticks: { stroke: cssVar('--grid') },
  };
  const u = new uPlot(
    {
      width,
      height: 150,
      legend: { show: false },
      cursor: { y: false },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 56 }],
      series: [{}, { label: s.label, stroke: colour, width: 2, fill: `${colour}22`, spanGaps: false }],
      hooks: {
        draw: [
          (plotted: uPlot) => {
            // The markers as dashed lines across the plot, and as labelled elements over it.
            const ctx = plotted.ctx;
            ctx.save();
            ctx.strokeStyle = cssVar('--marker');
            ctx.setLineDash([4, 3]);
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            for (const m of markers) {
              const x = plotted.valToPos(Date.parse(m.at) / 1000, 'x', true);
              ctx.beginPath();
              ctx.moveTo(x, plotted.bbox.top);
              ctx.lineTo(x, plotted.bbox.top + plotted.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
            placeMarkers(plotted, markers);
          },
        ],
      },
    },
    [xs, s.values],
    plot,
  );
  state.charts.push(u);
}

function rangePicker(): HTMLElement {
  const group = el('fieldset', { class: 'ranges' }, el('legend', {}, 'Time range'));
  for (const key of Object.keys(RANGE_LABELS) as RangeKey[]) {
    const input = el('input', { type: 'radio', name: 'range', value: key, id: `range-${key}` });
    input.checked = key === state.range;
    input.addEventListener('change', () => {
      state.range = key;
      void loadDetail();
    });
    group.append(el('label', { for: `range-${key}` }, input, ` ${RANGE_LABELS[key]}`));
  }
  return group;
}

function renderDetail(d: EnvironmentDetail) {
  for (const c of state.charts) c.destroy();
  state.charts = [];
  const body = $('detail-body');
  const parts: HTMLElement[] = [rangePicker()];
  for (const e of d.errors) parts.push(el('p', { class: 'error', role: 'status' }, `Could not read ${e}`));
  const charts = el('div', { class: 'charts' });
  parts.push(charts);
  if (d.markers.length) {
    parts.push(
      el('h3', {}, 'Deploys and rollbacks'),
      el(
        'ul',
        { class: 'markers' },
        ...d.markers.map((m) =>
          el('li', {}, `${time(m.at)} · ${m.kind} of ${m.version} by ${m.by}: ${m.outcome}`),
        ),
      ),
    );
  }
  const history = el(
    'table',
    { class: 'alarm-history' },
    el('caption', {}, `Alarm history, ${RANGE_WORDS[d.range]}`),
  );
  history.append(
    el('thead', {}, el('tr', {}, ...['Time', 'Alarm', 'Change'].map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      ...(d.alarmHistory.length
        ? d.alarmHistory.map((h) =>
            el('tr', {}, el('td', {}, time(h.at)), el('td', {}, h.alarm), el('td', {}, h.summary)),
          )
        : [el('tr', {}, el('td', { colspan: '3' }, 'No alarm changed state.'))]),
    ),
  );
  parts.push(history);
  body.replaceChildren(...parts);
  for (const s of d.metrics?.series ?? []) chart(s, d.markers, d.range, charts);
  if (!d.metrics) charts.append(el('p', {}, 'No metrics.'));
}

// ---- data ----------------------------------------------------------------------------------------

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error((body as { error?: string }).error ?? `HTTP ${res.status}`);
  return body as T;
}

let detailAsked = 0;
async function loadDetail() {
  const sel = state.selected;
  if (!sel) return;
  const asked = ++detailAsked;
  $('detail-h').textContent = `${sel.service} · ${sel.environment}`;
  const q = new URLSearchParams({ service: sel.service, env: sel.environment, range: state.range });
  try {
    const d = await getJson<EnvironmentDetail>(`api/detail?${q.toString()}`);
    if (asked === detailAsked) renderDetail(d);
  } catch (error) {
    if (asked === detailAsked)
      $('detail-body').replaceChildren(
        el(
          'p',
          { class: 'error', role: 'status' },
          `Could not read: ${String(error instanceof Error ? error.message : error)}`,
        ),
      );
  }
}

function select(service: string, environment: string) {
  state.selected = { service, environment };
  for (const tr of document.querySelectorAll<HTMLElement>('tr[data-service]'))
    tr.setAttribute(
      'aria-selected',
      String(tr.dataset.service === service && tr.dataset.environment === environment),
    );
  void loadDetail();
}

function showFleet(f: FleetStatus, first: boolean) {
  state.fleet = f;
  if (!state.selected) {
    const pick = f.rows.find((r) => r.status) ?? f.rows[0];
    if (pick) state.selected = { service: pick.service, environment: pick.environment };
  }
  renderFleet(f);
  if (first || state.selected) void loadDetail();
}

async function start() {
  try {
    showFleet(await getJson<FleetStatus>('api/fleet'), true);
  } catch (error) {
    $('fleet').replaceChildren(
      el(
        'p',
        { class: 'error', role: 'status' },
        `Could not read the fleet: ${String(error instanceof Error ? error.message : error)}`,
      ),
    );
  }
  const events = new EventSource('events');
  events.addEventListener('fleet', (e) => {
    showFleet(JSON.parse((e as MessageEvent<string>).data) as FleetStatus, false);
  });
  events.addEventListener('failure', (e) => {
    const { error } = JSON.parse((e as MessageEvent<string>).data) as { error: string };
    $('updated').textContent = `Refresh failed: ${error}`;
  });
  // The canvas colours come from the CSS variables: draw again when light/dark mode changes.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    void loadDetail();
  });
  let resizing = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = window.setTimeout(() => {
      void loadDetail();
    }, 200);
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void start());
else void start();
