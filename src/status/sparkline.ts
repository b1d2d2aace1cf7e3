// Sparklines of metric series for terminals: Unicode blocks where the terminal's locale can show
// them, an ASCII ramp otherwise; scaled from 0 to the series' maximum (a quiet hour stays low
// instead of filling the height with noise); a gap in the data stays blank.
import type { Paint } from '../ui.js';
import type { EnvironmentMetrics, MetricSeries } from './metrics.js';

export type Charset = 'unicode' | 'ascii';

const RAMPS: Record<Charset, string[]> = {
  unicode: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  ascii: ['_', '.', '-', ':', '=', '+', '*', '#'],
};

/**
 * Whether the terminal can show block characters: a UTF-8 locale (LC_ALL, then LC_CTYPE, then
 * LANG, as C's setlocale picks), or Windows Terminal / VS Code, which always can.
 */
export function charsetFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Charset {
  if (platform === 'win32') return env.WT_SESSION || env.TERM_PROGRAM === 'vscode' ? 'unicode' : 'ascii';
  // An empty variable counts as unset, as for setlocale.
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v) ?? '';
  return /utf-?8/i.test(locale) ? 'unicode' : 'ascii';
}

/** `values` squeezed (bucket averages) or kept to `width` cells; null where a bucket has no point. */
export function resample(values: (number | null)[], width: number): (number | null)[] {
  if (values.length <= width) return values;
  return Array.from({ length: width }, (_, i) => {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    const bucket = values.slice(from, Math.max(to, from + 1)).filter((v): v is number => v !== null);
    return bucket.length ? bucket.reduce((a, b) => a + b, 0) / bucket.length : null;
  });
}

export function sparkline(values: (number | null)[], width: number, charset: Charset): string {
  const ramp = RAMPS[charset];
  const cells = resample(values, width);
  const max = Math.max(0, ...cells.filter((v): v is number => v !== null));
  return cells
    .map((v) => {
      if (v === null) return ' ';
      if (max <= 0) return ramp[0];
      const level = Math.round((Math.max(0, v) / max) * (ramp.length - 1));
      return ramp[Math.min(ramp.length - 1, level)];
    })
    .join('');
}

const compact = (n: number) =>
  n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n)}`;

/** The current value as shown beside a sparkline: "1.2k", "0.4%", "230 ms", "34%", "12". */
export function formatMetric(series: Pick<MetricSeries, 'unit' | 'key'>, value: number | null): string {
  if (value === null) return '-';
  switch (series.unit) {
    case '%':
      return series.key === 'http5xxPercent' ? `${value.toFixed(1)}%` : `${Math.round(value)}%`;
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
    default:
      return compact(value);
  }
}

export interface MetricLinesOptions {
  paint: Paint;
  charset: Charset;
  /** Columns the lines may use; they are left out when the sparklines would not fit. */
  width: number;
  indent?: number;
}

/** Fewer cells than this and a sparkline says nothing: hide the block instead. */
export const MIN_SPARK = 12;
const LABEL = 9;
const VALUE = 8;

/** One line per series: label, sparkline (one cell per point when it fits), current value. */
export function metricLines(m: EnvironmentMetrics, o: MetricLinesOptions): string[] | null {
  const indent = o.indent ?? 4;
  const points = m.series[0]?.values.length ?? 0;
  const room = o.width - indent - LABEL - VALUE - 2;
  const width = Math.min(points, room);
  if (width < MIN_SPARK) return null;
  return m.series.map((s) => {
    const spark = o.paint.cyan(sparkline(s.values, width, o.charset));
    return `${' '.repeat(indent)}${s.label.padEnd(LABEL)}${spark}  ${formatMetric(s, s.latest)}`;
  });
}

/** "last hour, one point a minute" / "last 24 h, one point every 5 min". */
export function describeRange(m: Pick<EnvironmentMetrics, 'start' | 'end' | 'periodSeconds'>): string {
  const minutes = Math.round((Date.parse(m.end) - Date.parse(m.start)) / 60_000);
  const span =
    minutes === 60
      ? 'last hour'
      : minutes < 120
        ? `last ${minutes} min`
        : `last ${Math.round(minutes / 60)} h`;
  const p = m.periodSeconds;
  const every =
    p === 60
      ? 'one point a minute'
      : p % 60 === 0
        ? `one point every ${p / 60} min`
        : `one point every ${p} s`;
  return `${span}, ${every}`;
}
