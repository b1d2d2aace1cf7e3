import type { Paint } from '../ui.js';
import type { CheckStatus, DoctorReport } from './checks.js';

const LABEL: Record<CheckStatus, (p: Paint) => string> = {
  ok: (p) => p.green('ok  '),
  warn: (p) => p.yellow('warn'),
  fail: (p) => p.red('fail'),
  skip: (p) => p.dim('skip'),
};

/** The human form of a doctor report: one line per check, its fix under it, a summary. */
export function renderReport(report: DoctorReport, paint: Paint): string[] {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status](paint)}  ${c.title.padEnd(width)}  ${c.message}`);
    if (c.fix && (c.status === 'warn' || c.status === 'fail')) {
      lines.push(`${' '.repeat(6 + width + 2)}${paint.cyan('fix:')} ${c.fix}`);
    }
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('');
  if (failed === 0) {
    lines.push(
      paint.green(
        `All required checks passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`,
      ),
    );
  } else {
    lines.push(
      paint.red(`${failed} check${failed > 1 ? 's' : ''} failed`) +
        `${warned ? `, ${warned} warning${warned > 1 ? 's' : ''}` : ''} (exit code ${report.exitCode}).`,
    );
  }
  return lines;
}
