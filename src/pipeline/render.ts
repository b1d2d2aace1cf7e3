// The pipeline plan as lines of text, in `lsvc provision`'s format.
import type { Paint } from '../ui.js';
import type { ResolvedPipeline } from './settings.js';
import type { Action, PipelineRow } from './types.js';

const MARKS: Record<Action, string> = { create: '+', update: '~', unchanged: '=' };

function counts(rows: PipelineRow[]): Record<Action, number> {
  const out: Record<Action, number> = { create: 0, update: 0, unchanged: 0 };
  for (const r of rows) out[r.action]++;
  return out;
}

export function pipelineCountLine(rows: PipelineRow[]): string {
  const c = counts(rows);
  return `${c.create} to create, ${c.update} to update, ${c.unchanged} unchanged`;
}

export function pipelineDoneLine(rows: PipelineRow[]): string {
  const c = counts(rows);
  return `${c.create} created, ${c.update} updated, ${c.unchanged} unchanged`;
}

export function renderPipelinePlan(rows: PipelineRow[], settings: ResolvedPipeline, paint: Paint): string[] {
  const order = settings.environments
    .map((e) => (e === settings.approvalBefore ? `[approval] ${e}` : e))
    .join(' -> ');
  const kindWidth = Math.max(0, ...rows.map((r) => r.kind.length));
  const colour = { create: paint.green, update: paint.yellow, unchanged: paint.dim };
  const lines = [
    paint.bold(`Plan for the ${settings.provider} pipeline (${settings.region}): ${pipelineCountLine(rows)}`),
    paint.dim(`  ${settings.repository}@${settings.branch} -> build -> ${order}`),
  ];
  for (const row of rows) {
    lines.push(
      colour[row.action](
        `${MARKS[row.action]} ${row.action.padEnd(9)}  ${row.kind.padEnd(kindWidth)}  ${row.name}`,
      ),
    );
    for (const d of row.details) lines.push(paint.dim(`      ${d}`));
  }
  return lines;
}
