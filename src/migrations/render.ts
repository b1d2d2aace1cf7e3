// Text form of the migrations report: one line per finding with file:line, then its recipe.
import type { Paint } from '../ui.js';
import type { MigrationsReport } from './check.js';
import type { ProofResult } from './proof.js';

export function renderMigrationsReport(report: MigrationsReport, paint: Paint): string[] {
  const { ref, sha } = report.against;
  const lines: string[] = [];
  if (report.migrations.length === 0) {
    lines.push(`No new migrations since ${ref} (${sha.slice(0, 12)}).`);
  } else {
    lines.push(
      `${report.migrations.length} new migration(s) since ${ref} (${sha.slice(0, 12)}), read as ${report.dialect}:`,
    );
    for (const migration of report.migrations)
      lines.push(`  ${migration.file}${migration.contract ? '  (contract)' : ''}`);
  }
  for (const finding of report.findings) {
    const mark =
      finding.verdict === 'allowed'
        ? paint.green('ok    ')
        : finding.verdict === 'refused'
          ? paint.red('refused')
          : paint.red('unsafe');
    lines.push('', `${mark} ${finding.file}:${finding.line} ${finding.message}`);
    if (finding.recipe) lines.push(`       ${paint.gray(finding.recipe)}`);
  }
  for (const warning of report.warnings) {
    lines.push(
      '',
      `${paint.yellow('check ')} ${warning.file}${warning.line ? `:${warning.line}` : ''} ${warning.message}`,
    );
  }
  const bad = report.findings.filter((finding) => finding.verdict !== 'allowed').length;
  lines.push(
    '',
    report.safe
      ? paint.green(`Safe: the version at ${ref} can run on the new schema.`)
      : paint.red(
          `Unsafe: ${bad} operation(s) would break the version at ${ref} while it runs on the new schema.`,
        ),
  );
  return lines;
}

/** Text form of the Docker proof: what ran, and for a failure the stage, the tests, the output. */
export function renderProof(proof: ProofResult, paint: Paint): string[] {
  const migrations = proof.migrations.map((m) => m.replace(/^.*\//, '')).join(', ');
  const old = `${proof.old.ref} (git ${proof.old.sha.slice(0, 12)})`;
  const seconds = `${(proof.ms / 1000).toFixed(0)} s`;
  if (proof.safe) {
    const tests = proof.tests ? `, and its ${proof.tests.passed} tests pass` : '';
    return [
      '',
      paint.green(
        `Proven in Docker (${seconds}): the version at ${old} answers /readyz after ${migrations}${tests}.`,
      ),
    ];
  }
  const failure = proof.failure;
  const lines = ['', paint.red(`Docker proof failed (${seconds}): ${failure?.message ?? 'unknown failure'}`)];
  lines.push(`  old version: ${old}; new migrations: ${migrations}`);
  for (const test of failure?.failingTests ?? []) {
    lines.push(`  ${paint.red('✕')} ${test.file} › ${test.name}`);
    for (const line of test.message) lines.push(`      ${paint.gray(line)}`);
  }
  for (const line of failure?.output ?? []) lines.push(`    ${paint.gray(line)}`);
  return lines;
}
