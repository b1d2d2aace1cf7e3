// The plan and the summary as lines of text.
import type { Paint } from '../ui.js';
import type { Action, PlanRow } from './types.js';

const MARKS: Record<Action, string> = { create: '+', update: '~', unchanged: '=' };

export function counts(rows: PlanRow[]): Record<Action, number> {
  const out: Record<Action, number> = { create: 0, update: 0, unchanged: 0 };
  for (const r of rows) out[r.action]++;
  return out;
}

export function countLine(rows: PlanRow[]): string {
  const c = counts(rows);
  return `${c.create} to create, ${c.update} to update, ${c.unchanged} unchanged`;
}

export function doneLine(rows: PlanRow[]): string {
  const c = counts(rows);
  return `${c.create} created, ${c.update} updated, ${c.unchanged} unchanged`;
}

/** One line per resource (create/update/unchanged), details indented under creates and updates. */
export function renderRows(rows: PlanRow[], paint: Paint): string[] {
  const kindWidth = Math.max(...rows.map((r) => r.kind.length));
  const colour = { create: paint.green, update: paint.yellow, unchanged: paint.dim };
  const lines: string[] = [];
  for (const row of rows) {
    const head = `${MARKS[row.action]} ${row.action.padEnd(9)}  ${row.kind.padEnd(kindWidth)}  ${row.name}`;
    lines.push(colour[row.action](head));
    for (const d of row.details) lines.push(paint.dim(`      ${d}`));
  }
  return lines;
}

export function renderPlan(rows: PlanRow[], environment: string, region: string, paint: Paint): string[] {
  return [paint.bold(`Plan for ${environment} (${region}): ${countLine(rows)}`), ...renderRows(rows, paint)];
}
