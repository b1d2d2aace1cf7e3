// The text lsvc upgrade prints (the command layer's; the core returns data).
import type { Paint } from '../ui.js';
import type { CommandsOutcome } from './commands.js';
import type { UpgradeStep, UpgradeSummary } from './summary.js';
import type { UpgradeCheck, UpgradeResult } from './upgrade.js';

type ListKey = Exclude<keyof UpgradeSummary, 'renamed'>;

const LABELS: [ListKey, string, keyof Paint][] = [
  ['updated', 'updated', 'green'],
  ['merged', 'merged with your changes', 'green'],
  ['added', 'added', 'green'],
  ['removed', 'removed by the template', 'yellow'],
  ['keptDeleted', 'you deleted it: kept deleted', 'yellow'],
  ['skipped', 'yours (skipIfExists): kept', 'dim'],
  ['unmanaged', 'excluded by the template: kept', 'dim'],
  ['conflicted', 'CONFLICT: for you to resolve', 'red'],
];
const WIDTH = 30;

function describe(r: UpgradeCheck): string {
  const from = r.source === 'builtin' ? '' : ` (from ${r.source})`;
  const origin = r.ref && r.commit ? `, ${r.ref} at ${r.commit.slice(0, 12)}: not a tagged version` : '';
  const answers = r.changedAnswers.map((a) => `${a.question} ${a.from ?? '(none)'} -> ${a.to}`).join(', ');
  const version =
    r.current === r.latest
      ? `template ${r.current}${answers ? '' : ' (same version, changed files)'}`
      : `template ${r.current} -> ${r.latest}`;
  return `${version}${answers ? `, ${answers}` : ''}${origin}${from}`;
}

/** `--check`: up to date, or what is available and the command that brings it. */
export function checkLines(r: UpgradeCheck, paint: Paint, command: string): string[] {
  if (r.upToDate) return [paint.green(`Up to date: template ${r.current}.`)];
  return [
    `${paint.yellow('Upgrade available:')} ${describe(r)}. Run ${command}.`,
    ...stepLines(r.steps, paint),
  ];
}

export function summaryLines(r: UpgradeResult, paint: Paint): string[] {
  if (r.upToDate) return [paint.green(`Up to date: template ${r.current}, nothing to upgrade.`)];
  const lines = [
    `${r.dryRun ? 'Would upgrade' : 'Upgrading'}: ${describe(r)}${r.adopted ? ' (template history adopted)' : ''}.`,
  ];
  const row = (label: string, color: keyof Paint, text: string) =>
    lines.push(`  ${paint[color](label.padEnd(WIDTH))} ${text}`);
  for (const [key, label, color] of LABELS) {
    for (const path of r.summary[key]) row(label, color, path);
    if (key === 'added') {
      for (const m of r.summary.renamed) {
        row(m.edited ? 'renamed (your edits kept)' : 'renamed', 'green', `${m.from} -> ${m.to}`);
      }
    }
  }
  if (lines.length === 1) lines.push('  No file changes (only .lsvc/template.json).');
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

/** After the merge: what became of the template's commands (nothing when there were none or all ran). */
export function commandLines(c: CommandsOutcome, source: string, paint: Paint): string[] {
  const left = c.all.length - c.ran.length;
  if (left === 0 || c.failed) return [];
  const them = left === 1 ? 'the command above' : `the ${left} commands above`;
  switch (c.notRun) {
    case 'untrusted':
      return [
        paint.yellow(
          `Not run: ${them} come${left === 1 ? 's' : ''} from the template at ${source}, which lsvc does not trust by itself.`,
        ),
        paint.dim(
          'Read them, then run them yourself in the service folder, or run lsvc upgrade with --trust next time.',
        ),
      ];
    case 'declined':
      return [paint.dim(`Run ${them} when ready (or run lsvc upgrade with --yes next time).`)];
    case 'conflicts':
      return [paint.dim(`Run ${them} once the conflicts are resolved and committed.`)];
    default:
      return [];
  }
}
