// `lsvc fleet list` on a terminal: one row per service; a row that is not a service says why.
import { renderTable } from '../table.js';
import type { Paint } from '../ui.js';
import type { Inventory, ServiceEntry } from './inventory.js';

function treeCell(s: ServiceEntry): string {
  if (s.warning) return s.warning;
  if (!s.git) return 'not a git repository';
  if (s.git.operation) return `${s.git.operation} in progress`;
  return s.git.clean ? 'clean' : `${s.git.changes} change${s.git.changes === 1 ? '' : 's'}`;
}

export function renderInventory(inv: Inventory, paint: Paint): string[] {
  const header = ['SERVICE', 'PATH', 'TEMPLATE', 'ENVIRONMENTS', 'BRANCH', 'TREE'];
  const rows = inv.services.map((s) => [
    s.name ?? '-',
    s.path,
    s.template?.version ?? '-',
    s.environments.join(', ') || '-',
    s.git ? (s.git.branch ?? '(detached)') : '-',
    treeCell(s),
  ]);
  const lines = renderTable([header, ...rows], (row, col, text) => {
    if (row === 0) return paint.dim(text);
    const s = inv.services[row - 1];
    if (!s || col !== 5) return text;
    if (s.warning || s.git?.operation) return paint.yellow(text);
    return s.git?.clean ? paint.green(text) : paint.yellow(text);
  });
  const usable = inv.services.filter((s) => !s.warning).length;
  const where = inv.file ? `listed in ${inv.file}` : `found under ${inv.root}`;
  return [...lines, '', paint.dim(`${usable} service${usable === 1 ? '' : 's'} ${where}.`)];
}

/** The warning lines (stderr) for rows that are not services. */
export function inventoryWarnings(rows: { path: string; warning?: string | null | undefined }[]): string[] {
  return rows.filter((s) => s.warning).map((s) => `${s.path}: ${s.warning ?? ''}`);
}
