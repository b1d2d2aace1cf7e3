import { join, resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';

export default class Upgrade extends BaseCommand<typeof Upgrade> {
  static override summary = 'Bring a newer template version into this service (three-way merge with git).';
  static override description = `Renders the template version the service was made from (or last upgraded to) and the new one with the answers recorded in .lsvc/template.json, and merges the difference into your branch with git: changes that do not overlap yours apply, overlapping ones become ordinary git conflicts (markers in the files, "git status" lists them; resolve, git add, git commit), files you deleted stay deleted, files the template renamed move with your edits, new template files appear, files the template marks skipIfExists or newly excludes are left as they are, and .lsvc/template.json is updated in the merge commit.

The pristine renders live on the branch lsvc/template (lsvc init creates it; your branch starts from it). For a service without it, upgrade rebuilds the version you were made from (from the recorded template folder, its git history, or --from <folder>) and records it in your history with a merge that changes no file.

The new version comes from the recorded template: lsvc's built-in template (the version shipped with this lsvc) or the --template folder given at init (the version it holds now). --to names the version (2.1.0 or v2.1.0): the one the source holds, or a git tag of the repository holding the template folder; or an untagged branch or commit of that repository. All are exported with git archive; the clone is not touched. Going back to an older template is refused. --set question=choice changes an answer (also at the same version) and records it.

Refuses a working tree with uncommitted changes. --dry-run lists what would change and conflict, and changes nothing (no file, index or branch). Notes and commands the template ships for the versions crossed ("upgrades" in lsvc-template.json) are shown. The commands are the template's shell commands: after a clean merge they run for lsvc's built-in template (asked at a terminal; --yes or CI runs them), for any other template only with --trust or after a yes at a terminal that showed them. Otherwise they are listed, not run, and the exit code is 8.

Exit codes: 0 done (or up to date); 1 with --check: an upgrade is available (0: up to date); 2 uncommitted changes, a merge in progress, a version the source cannot provide, a downgrade, a bad --set; 3 not a git repository, a missing or invalid .lsvc/template.json, a template folder that is gone or not an lsvc template, a template with a symlink or path leading outside it, --dry-run with git older than 2.38; 6 an upgrade step command failed; 8 merged, but the template's commands were not run (not trusted). A merge left with conflicts exits 0 and says what to do next.`;
  static override examples = [
    {
      description: 'See what an upgrade would change and where it would conflict',
      command: 'lsvc upgrade --dry-run',
    },
    { description: 'Upgrade to the template shipped with this lsvc', command: 'lsvc upgrade' },
    {
      description: 'In CI: fail the job when a newer template version exists',
      command: 'lsvc upgrade --check --json',
    },
    {
      description: "From your team's template clone, at its tag v2.1.0, running its upgrade commands",
      command: 'lsvc upgrade --template ../our-service-template --to 2.1.0 --trust',
    },
    {
      description: 'Switch the service to MySQL (same template version)',
      command: 'lsvc upgrade --set db=mysql',
    },
    {
      description: "Try the template's unreleased main branch",
      command: 'lsvc upgrade --template ../our-service-template --to main --dry-run',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    to: Flags.string({
      description:
        'Version to upgrade to (2.1.0 or v2.1.0: the one the template folder holds, or a git tag of its repository), or a branch or commit of that repository.',
    }),
    set: Flags.string({
      description: 'Change an answer, e.g. --set db=mysql (repeatable); recorded in .lsvc/template.json.',
      multiple: true,
      helpValue: 'question=choice',
    }),
    trust: Flags.boolean({
      description:
        "Run the template's upgrade commands (shell commands from the template) without asking. Needed in CI for any template but lsvc's own.",
      default: false,
    }),
    'dry-run': Flags.boolean({
      description: 'List what would change and conflict; change nothing.',
      default: false,
    }),
    check: Flags.boolean({
      description: 'Only say whether an upgrade is available: exit 0 when up to date, 1 when one is.',
      default: false,
      exclusive: ['dry-run', 'set'],
    }),
    template: Flags.string({
      description: 'Template folder to take the new version from (default: the recorded one).',
    }),
    from: Flags.string({
      description:
        'Folder of the template version the service was made from (only without the lsvc/template branch).',
    }),
    dir: Flags.string({ char: 'd', description: 'Service folder (default: the current folder).' }),
  };

  async run() {
    const { checkUpgrade, upgradeService } = await import('../src/upgrade/upgrade.js');
    const { checkLines, commandLines, summaryLines } = await import('../src/upgrade/render.js');
    const { parseSetFlags, upgradeCommandLine } = await import('../src/upgrade/flags.js');
    const { DOTFILES_SNAPSHOT } = await import('../src/template/dotfiles.js');
    const { interruptible } = await import('../src/interrupt.js');
    const { ExitCode, UnhealthyError } = await import('../src/errors.js');

    const dir = resolve(this.flags.dir ?? '.');
    const absolute = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
    const options = {
      dir,
      builtinDir: join(this.config.root, 'service-template'),
      dotfilesSnapshot: join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
      template: absolute(this.flags.template),
      to: this.flags.to,
      set: parseSetFlags(this.flags.set ?? []),
    };
    const { paint } = this.ui;

    if (this.flags.check) {
      const check = await interruptible((signal) => checkUpgrade({ ...options, signal }));
      const again = upgradeCommandLine(this.config.bin, { template: this.flags.template, to: this.flags.to });
      for (const line of checkLines(check, paint, again)) this.ui.info(line);
      // A deliberate exit 1 (no error printed): CI can gate on "an upgrade is available".
      process.exitCode = check.upToDate ? 0 : 1;
      return check;
    }

    // At a terminal the commands are asked about; elsewhere (a pipe, a script) nothing is granted
    // unless --yes (or CI) lets lsvc's own template run them, or --trust lets any template.
    const asking = this.prompter.mode === 'ask' && !this.flags.trust;
    const terminal = asking && !this.jsonEnabled() && process.stdin.isTTY;
    const result = await interruptible((signal) =>
      upgradeService({
        ...options,
        from: absolute(this.flags.from),
        dryRun: this.flags['dry-run'],
        lsvcVersion: this.config.version,
        signal,
        onSummary: (r) => {
          for (const warning of r.warnings) this.ui.warn(warning);
          for (const line of summaryLines(r, paint)) this.ui.info(line);
        },
        commands: {
          trust: this.flags.trust,
          confirm: asking
            ? async ({ source, commands, trusted }) => {
                if (!terminal) return false;
                if (trusted)
                  return this.prompter.confirm('Run the upgrade commands above now?', { default: false });
                this.ui.info(
                  paint.yellow(`The template at ${source} asks to run, in ${dir}, with your permissions:`),
                );
                for (const c of commands) this.ui.info(`  ${paint.cyan(c)}`);
                return this.prompter.confirm('Trust this template and run them?', { default: false });
              }
            : undefined,
          onStart: (c) => {
            this.ui.info(paint.cyan(`$ ${c}`));
          },
          onLine: (l) => {
            this.ui.info(`  ${l}`);
          },
        },
      }),
    );
    for (const line of commandLines(result.commands, result.source, paint)) this.ui.info(line);
    const failed = result.commands.failed;
    if (failed) {
      const why = failed.timedOut
        ? ' (timed out)'
        : failed.exitCode === null
          ? ''
          : ` (exit ${failed.exitCode})`;
      throw new UnhealthyError(`Upgrade step "${failed.command}" failed${why}.`, {
        hint: 'The merge is committed: fix the cause and run the remaining upgrade steps by hand.',
      });
    }
    if (result.commands.notRun === 'untrusted') process.exitCode = ExitCode.Untrusted;
    return result;
  }
}
