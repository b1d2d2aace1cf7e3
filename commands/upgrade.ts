import { join, resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';

export default class Upgrade extends BaseCommand<typeof Upgrade> {
  static override summary = 'Bring a newer template version into this service (three-way merge with git).';
  static override description = `Renders the template version the service was made from (or last upgraded to) and the new one with the answers recorded in .lsvc/template.json, and merges the difference into your branch with git: changes that do not overlap yours apply, overlapping ones become ordinary git conflicts (markers in the files, "git status" lists them; resolve, git add, git commit), files you deleted stay deleted, new template files appear, and .lsvc/template.json is updated in the merge commit.

The pristine renders live on the branch lsvc/template (lsvc init creates it; your branch starts from it). For a service without it, upgrade rebuilds the version you were made from (from the recorded template folder, a git tag of that version in its repository, or --from <folder>) and records it in your history with a merge that changes no file.

The new version comes from the recorded template: lsvc's built-in template (the version shipped with this lsvc) or the --template folder given at init (the version it holds now). --to names the version: the one the source holds, or a git tag v<version> of the repository holding the template folder (exported with git archive; the clone is not touched).

Refuses a working tree with uncommitted changes. --dry-run lists what would change and conflict, and changes nothing (no file, index or branch). Notes and commands the template ships for the versions crossed ("upgrades" in lsvc-template.json) are shown; the commands run in the service folder after a clean merge when confirmed (--yes, or CI without a terminal); otherwise they are listed.

Exit codes: 0 done (or up to date); 1 with --check: an upgrade is available (0: up to date); 2 uncommitted changes, a merge in progress, or a version the source cannot provide; 3 not a git repository, no .lsvc/template.json, the template folder is gone, or --dry-run with git older than 2.38; 6 an upgrade step command failed. A merge left with conflicts exits 0 and says what to do next.`;
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
      description: "From your team's fork, checked out at the version you want",
      command: 'lsvc upgrade --template ../our-service-template --to 2.1.0',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    to: Flags.string({
      description:
        'Version to upgrade to: the one the template folder holds, or a git tag v<version> of its repository.',
    }),
    'dry-run': Flags.boolean({
      description: 'List what would change and conflict; change nothing.',
      default: false,
    }),
    check: Flags.boolean({
      description: 'Only say whether an upgrade is available: exit 0 when up to date, 1 when one is.',
      default: false,
      exclusive: ['dry-run'],
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
    const { checkLines, summaryLines, runStepCommand } = await import('../src/upgrade/render.js');
    const { DOTFILES_SNAPSHOT } = await import('../src/template/dotfiles.js');

    const dir = resolve(this.flags.dir ?? '.');
    const options = {
      dir,
      builtinDir: join(this.config.root, 'service-template'),
      dotfilesSnapshot: join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
      template: this.flags.template,
      to: this.flags.to,
      from: this.flags.from,
      lsvcVersion: this.config.version,
    };
    const { paint } = this.ui;

    if (this.flags.check) {
      const check = await checkUpgrade(options);
      for (const line of checkLines(check, paint)) this.ui.info(line);
      // A deliberate exit 1 (no error printed): CI can gate on "an upgrade is available".
      process.exitCode = check.upToDate ? 0 : 1;
      return check;
    }

    const result = await upgradeService({ ...options, dryRun: this.flags['dry-run'] });
    for (const warning of result.warnings) this.ui.warn(warning);
    for (const line of summaryLines(result, paint)) this.ui.info(line);
    const commands = result.steps.flatMap((s) => s.run);
    let ran: string[] = [];
    if (!result.dryRun && result.committed && commands.length > 0) {
      const go =
        this.prompter.mode === 'yes' ||
        (!this.jsonEnabled() &&
          process.stdin.isTTY &&
          (await this.prompter.confirm('Run the upgrade commands above now?', { default: false })));
      if (go) {
        for (const cmd of commands) {
          this.ui.info(paint.cyan(`$ ${cmd}`));
          await runStepCommand(cmd, dir, (l) => {
            this.ui.info(`  ${l}`);
          });
          ran = [...ran, cmd];
        }
      } else
        this.ui.info(
          paint.dim('Run the commands above when ready (or run lsvc upgrade with --yes next time).'),
        );
    }
    return { ...result, ran };
  }
}
