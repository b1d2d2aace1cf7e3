import { BaseCommand } from '../../src/base-command.js';

export default class FleetList extends BaseCommand<typeof FleetList> {
  static override summary =
    "List the workspace's services: path, template version, environments, branch, clean tree.";
  static override description = `The workspace is the folder holding lsvc-fleet.yml (here or above), which lists the service folders (paths and globs, optionally with region: and profile: per entry). Without it, every lsvc.yml one or two levels below the current folder is a service.

Reads only the disk and git (no AWS). A listed path that is missing, not a service or has an invalid lsvc.yml is shown in its row with the reason (and a warning on stderr); the other rows still print.

--json prints {root, file, services: [{name, path, environments, template: {version, source}, git: {branch, clean, changes, operation, repoRoot}, warning}]}.

Exit codes: 0 listed (also with warning rows); 3 an invalid lsvc-fleet.yml (file, line and key named) or no service found.`;
  static override examples = [
    { description: 'Every service of the workspace', command: 'lsvc fleet list' },
    { description: 'For scripts', command: 'lsvc fleet list --json' },
  ];
  static override enableJsonFlag = true;

  async run() {
    const { loadWorkspace } = await import('../../src/fleet/workspace.js');
    const { readInventory } = await import('../../src/fleet/inventory.js');
    const { renderInventory, inventoryWarnings } = await import('../../src/fleet/render-list.js');

    const inventory = await readInventory(await loadWorkspace(process.cwd()));
    for (const line of renderInventory(inventory, this.ui.paint)) this.ui.info(line);
    for (const warning of inventoryWarnings(inventory.services)) this.ui.warn(warning);
    return inventory;
  }
}
