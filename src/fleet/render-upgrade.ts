// `lsvc fleet upgrade`'s summary: one row per service, then what each conflicted service's owner
// runs, and the upgrade commands left to run.
import { renderTable } from '../table.js';
import type { Paint } from '../ui.js';
import type { FleetUpgrade, FleetUpgradeRow } from './upgrade.js';

const RESULT: Record<FleetUpgradeRow['outcome'], string> = {
  upgraded: 'merged',
  conflicts: 'CONFLICTS',
  'up-to-date': 'up to date',
  skipped: 'skipped',
  failed: 'FAILED',
};

export function renderFleetUpgrade(u: FleetUpgrade, paint: Paint): string[] {
  const header = ['SERVICE', 'FROM -> TO', 'RESULT', 'UPDATED', 'MERGED', 'ADDED', 'CONFLICTS', 'BRANCH'];
  const rows = u.rows.map((r) => [
    r.service,
    r.from && r.to && r.from !== r.to ? `${r.from} -> ${r.to}` : (r.from ?? '-'),
    RESULT[r.outcome],
    String(r.counts?.updated ?? '-'),
    String(r.counts?.merged ?? '-'),
    String(r.counts?.added ?? '-'),
    String(r.counts?.conflicts ?? '-'),
    r.branch
      ? `${r.branch}${r.pushed ? ' (pushed)' : r.pushed === false ? ' (push failed)' : ''}`
      : (r.reason ?? '-'),
  ]);
  const colour = (row: number, col: number, text: string) => {
    if (row === 0) return paint.dim(text);
    const r = u.rows[row - 1];
    if (col !== 2 || !r) return text;
    if (r.outcome === 'upgraded') return paint.green(text);
    return r.outcome === 'up-to-date' ? text : r.outcome === 'skipped' ? paint.yellow(text) : paint.red(text);
  };
  const lines = renderTable([header, ...rows], colour);
  for (const r of u.rows) {
    if (r.outcome === 'conflicts') {
      lines.push('', `${paint.red(`${r.service}: conflicts in`)} ${r.conflicts.join(', ')}`);
      lines.push(
        `  nothing was left behind; to merge and resolve them on a branch of your own: ${paint.cyan(r.resolve ?? '')}`,
      );
    }
    if (r.outcome === 'failed') lines.push('', paint.red(`${r.service}: ${r.reason ?? 'failed'}`));
    if (r.pushError) lines.push('', paint.yellow(`${r.service}: push failed: ${r.pushError}`));
    if (r.steps.commands.length && !r.steps.ran && r.branch) {
      lines.push('', paint.yellow(`${r.service}: upgrade commands ${r.steps.note ?? 'not run'}:`));
      for (const cmd of r.steps.commands) lines.push(`  ${paint.cyan(cmd)} (on ${r.branch})`);
    }
  }
  const made = u.rows.filter((r) => r.branch);
  lines.push('');
  lines.push(
    made.length
      ? paint.green(
          `${made.length} branch${made.length === 1 ? '' : 'es'} made: ${made.map((r) => `${r.path} ${r.branch ?? ''}`).join(', ')}.`,
        )
      : 'No branch made.',
  );
  return lines;
}

/** 0 when nothing failed (conflicts and skips are reported, as lsvc upgrade reports conflicts); 1 otherwise. */
export function fleetUpgradeExitCode(u: FleetUpgrade): 0 | 1 {
  return u.rows.some((r) => r.outcome === 'failed') ? 1 : 0;
}
