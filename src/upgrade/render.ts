import { spawn } from 'node:child_process';

import { UnhealthyError } from '../errors.js';
import type { Paint } from '../ui.js';
import type { UpgradeStep, UpgradeSummary } from './summary.js';
import type { UpgradeCheck, UpgradeResult } from './upgrade.js';

const LABELS: [keyof UpgradeSummary, string, keyof Paint][] = [
  ['updated', 'updated', 'green'],
  ['merged', 'merged with your changes', 'green'],
  ['added', 'added', 'green'],
  ['removed', 'removed by the template', 'yellow'],
  ['keptDeleted', 'you deleted it: kept deleted', 'yellow'],
  ['conflicted', 'CONFLICT: for you to resolve', 'red'],
];

const describe = (r: UpgradeCheck) =>
  `template ${r.current} -> ${r.latest}${r.source === 'builtin' ? '' : ` (from ${r.source})`}`;

export function checkLines(r: UpgradeCheck, paint: Paint): string[] {
  if (r.upToDate) return [paint.green(`Up to date: template ${r.current}.`)];
  return [
    `${paint.yellow('Upgrade available:')} ${describe(r)}. Run lsvc upgrade.`,
    ...stepLines(r.steps, paint),
  ];
}

export function summaryLines(r: UpgradeResult, paint: Paint): string[] {
  if (r.upToDate) return [paint.green(`Up to date: template ${r.current}, nothing to upgrade.`)];
  const lines = [
    `${r.dryRun ? 'Would upgrade' : 'Upgrading'}: ${describe(r)}${r.adopted ? ' (template history adopted)' : ''}.`,
  ];
  let any = false;
  for (const [key, label, color] of LABELS) {
    for (const path of r.summary[key]) {
      lines.push(`  ${paint[color](label.padEnd(30))} ${path}`);
      any = true;
    }
  }
  if (!any) lines.push('  No file changes (only .lsvc/template.json).');
  const n = r.summary.conflicted.length;
  if (r.dryRun) {
    lines.push(
      n > 0
        ? paint.yellow(`${n} file${n === 1 ? '' : 's'} would conflict. Nothing was changed (dry run).`)
        : paint.dim('No conflict expected. Nothing was changed (dry run).'),
    );
  } else if (r.committed) {
    lines.push(paint.green(`Merged and committed template ${r.latest} (.lsvc/template.json updated).`));
  } else {
    lines.push(
      paint.yellow(`${n} conflict${n === 1 ? '' : 's'} to resolve`) +
        ': edit the files (look for <<<<<<< markers), `git add` them, then `git commit`. ' +
        '.lsvc/template.json is already staged. To give up: git merge --abort.',
    );
  }
  lines.push(...stepLines(r.steps, paint));
  return lines;
}

export function stepLines(steps: UpgradeStep[], paint: Paint): string[] {
  const lines: string[] = [];
  for (const s of steps) {
    lines.push(paint.bold(`Upgrade notes for ${s.version}:`));
    if (s.notes) lines.push(...s.notes.split('\n').map((l) => `  ${l}`));
    for (const cmd of s.run) lines.push(`  run: ${paint.cyan(cmd)}`);
  }
  return lines;
}

/** Run an upgrade step's command in the service folder through the shell, output passed through. */
export async function runStepCommand(
  command: string,
  cwd: string,
  onLine: (line: string) => void,
): Promise<void> {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command, { cwd, shell: true, stdio: ['inherit', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split(/\r?\n/)) if (l.trim()) onLine(l);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', () => {
      resolve(null);
    });
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new UnhealthyError(`Upgrade step "${command}" failed${code === null ? '' : ` (exit ${code})`}.`, {
      hint: 'The merge is committed: fix the cause and run the remaining upgrade steps by hand.',
    });
  }
}
