// --since: a duration back from now ("90s", "10m", "1h30m", "2d", "1w") or a date/time
// ("2026-11-28", "2026-11-28T10:00:00Z", "2026-11-28 10:00" read in the local zone).
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds in a duration such as "1h30m", or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?\s*(ms|sec|min|s|m|h|d|w)\s*)+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d|w)/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  return total;
}

/** The start time (epoch ms) that --since names. */
export function parseSince(text: string, now: number): number {
  const duration = parseDuration(text);
  if (duration !== undefined) return now - duration;
  const iso = /^\d{4}-\d{2}-\d{2}( |T|$)/.test(text.trim()) ? Date.parse(text.trim().replace(' ', 'T')) : NaN;
  if (!Number.isNaN(iso)) {
    if (iso > now) throw new UsageError(`--since ${text} is in the future.`);
    return iso;
  }
  throw new UsageError(`--since "${text}" is neither a duration nor a date.`, {
    hint: 'Use a duration such as 30s, 10m, 1h30m, 2d, or a date/time such as 2026-11-28T10:00:00Z.',
  });
}
