import { join } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';

export default class FleetUpgrade extends BaseCommand<typeof FleetUpgrade> {
  static override summary =
    'Run lsvc upgrade for every service behind its template, each on a new branch lsvc/upgrade-<version>.';
  static override description = `For each service of the workspace (see lsvc fleet list) whose template source has a newer version: lsvc upgrade's three-way merge in a separate git worktree, on a new branch lsvc/upgrade-<version> made from your HEAD. Your branch, index and working tree are never touched. A clean merge is committed on that branch. A service with conflicts gets no branch (nothing half-merged is left): its conflicting files are listed with the command its owner runs to resolve them (lsvc upgrade in that service). A service with uncommitted changes or a merge, rebase or cherry-pick in progress is skipped with the reason, as is one whose branch exists already. A few services are upgraded at a time (--concurrency).

The template's upgrade commands ("upgrades[].run" in lsvc-template.json) run in the worktree, and what they change is committed on the branch, only for lsvc's built-in template or with --trust; otherwise they are listed for the owner to run on the branch.

--push pushes each new branch to its service's origin. --json prints {root, rows: [{service, path, from, to, outcome (upgraded, conflicts, up-to-date, skipped, failed), reason, counts, branch, pushed, pushError, conflicts, resolve, steps}]}.

Exit codes: 0 nothing failed (conflicts and skipped services are reported, not failures); 1 a service's upgrade failed (its row says why, e.g. a --to version its template source cannot provide); 3 an invalid lsvc-fleet.yml or no service found.`;
  static override examples = [
    {
      description: 'Upgrade every service that is behind, each on its own branch',
      command: 'lsvc fleet upgrade',
    },
    {
      description: 'To a given version, and push the branches for review',
      command: 'lsvc fleet upgrade --to 2.1.0 --push',
    },
    { description: 'In CI, with the result as JSON', command: 'lsvc fleet upgrade --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    to: Flags.string({
      description: 'Version to upgrade to (as lsvc upgrade --to).',
      helpValue: '<version>',
    }),
    push: Flags.boolean({ description: "Push each new branch to the service's origin.", default: false }),
    trust: Flags.boolean({
      description: "Run the upgrade commands of a template that is not lsvc's built-in one.",
      default: false,
    }),
    concurrency: Flags.integer({ description: 'Services upgraded at once.', default: 4, min: 1, max: 16 }),
  };

  async run() {
    const { loadWorkspace } = await import('../../src/fleet/workspace.js');
    const { upgradeFleet } = await import('../../src/fleet/upgrade.js');
    const { renderFleetUpgrade, fleetUpgradeExitCode } = await import('../../src/fleet/render-upgrade.js');
    const { inventoryWarnings } = await import('../../src/fleet/render-list.js');
    const { DOTFILES_SNAPSHOT } = await import('../../src/template/dotfiles.js');

    const ws = await loadWorkspace(process.cwd());
    for (const warning of inventoryWarnings(ws.services.map((s) => ({ path: s.path, warning: s.problem })))) {
      this.ui.warn(warning);
    }
    const result = await upgradeFleet(ws, {
      builtinDir: join(this.config.root, 'service-template'),
      dotfilesSnapshot: join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
      to: this.flags.to,
      push: this.flags.push,
      trust: this.flags.trust,
      lsvcVersion: this.config.version,
      concurrency: this.flags.concurrency,
      progress: (line) => {
        this.ui.info(this.ui.paint.dim(line));
      },
    });
    this.ui.info();
    for (const line of renderFleetUpgrade(result, this.ui.paint)) this.ui.info(line);
    process.exitCode = fleetUpgradeExitCode(result);
    return result;
  }
}
