import { join } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags } from '../../src/flags.js';
import { FLEET_REFRESH_SECONDS } from '../../src/fleet/status.js';

export default class FleetStatus extends BaseCommand<typeof FleetStatus> {
  static override summary =
    'One table of every service x environment of the workspace: health, version, alarms, template drift.';
  static override description = `A row per service and environment: the version running and since when, the outcome of the last deploy, the health colour (with its first cause under an unhealthy row), the alarms in ALARM (count and names), database and Redis state, and the template version ("1.0.0 -> 2.0.0" when the template source has a newer one). Below it, the last hour of requests/min, 5xx %, p99 latency, CPU and queue backlog as sparklines with the latest value (left out when the terminal is too narrow; ASCII outside a UTF-8 locale).

The services are those of lsvc fleet list. Reads run concurrently with bounds (16 services at once; at most 160 AWS calls in flight per region and profile), one set of AWS clients per region and profile, throttled calls retried with back-off. A service that cannot be read (credentials, permissions, no region, AWS errors) shows its error in its rows; the rest still print. Region and profile per service: --region/--profile, then lsvc-fleet.yml's region:/profile: of its entry, then AWS_REGION/AWS_PROFILE, then its lsvc.yml.

--json prints {root, checkedAt, healthy, services: [{name, path, template, warning}], rows: [{service, path, environment, region, profile, status (as lsvc status --json, with the metric series), lastDeploy, read, error}]}. --watch refreshes every --interval seconds until Ctrl-C (in place on a terminal; a new block or JSON line only when a state changes when piped).

Exit codes: 0 every row healthy; 6 one is not (or could not be read); 5 none could be read; 2 an --env no service has; 3 an invalid lsvc-fleet.yml or no service found.`;
  static override examples = [
    { description: 'Every service and environment', command: 'lsvc fleet status' },
    { description: 'Production only, for a script', command: 'lsvc fleet status --env production --json' },
    { description: 'Keep watching', command: 'lsvc fleet status --watch --interval 60' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: Flags.string({
      char: 'e',
      description: 'Only this environment (services without it are left out).',
      helpValue: '<name>',
    }),
    watch: Flags.boolean({ char: 'w', description: 'Refresh until Ctrl-C.' }),
    interval: Flags.integer({
      description: 'Seconds between refreshes with --watch.',
      default: FLEET_REFRESH_SECONDS.default,
      min: FLEET_REFRESH_SECONDS.min,
      helpValue: '<seconds>',
    }),
    ...awsFlags,
  };

  async run() {
    const { loadWorkspace } = await import('../../src/fleet/workspace.js');
    const { collectFleetStatus, fleetExitCode, fleetFingerprint } = await import('../../src/fleet/status.js');
    const { renderFleetStatus } = await import('../../src/fleet/render-status.js');
    const { fleetClients } = await import('../../src/fleet/clients.js');
    const { templateReader } = await import('../../src/fleet/templates.js');
    const { inventoryWarnings } = await import('../../src/fleet/render-list.js');
    const { watchUntilStopped } = await import('../../src/status/run.js');
    const { charsetFor } = await import('../../src/status/sparkline.js');
    const { DOTFILES_SNAPSHOT } = await import('../../src/template/dotfiles.js');
    const { systemClock } = await import('../../src/clock.js');
    const { terminalWidth } = await import('../../src/ui.js');

    const ws = await loadWorkspace(process.cwd());
    for (const warning of inventoryWarnings(ws.services.map((s) => ({ path: s.path, warning: s.problem })))) {
      this.ui.warn(warning);
    }
    const clients = fleetClients({ clock: systemClock });
    const templates = templateReader({
      builtinDir: join(this.config.root, 'service-template'),
      dotfilesSnapshot: join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
    });
    const read = () =>
      collectFleetStatus(ws, clients.clientsFor, {
        env: this.flags.env,
        flags: { region: this.flags.region, profile: this.flags.profile },
        processEnv: process.env,
        now: () => systemClock.now(),
        templates,
      });
    const render = (f: Awaited<ReturnType<typeof read>>) =>
      renderFleetStatus(f, {
        paint: this.ui.paint,
        now: systemClock.now(),
        width: terminalWidth(process.stdout, process.env),
        charset: charsetFor(process.env),
      });

    if (this.flags.watch) {
      const last = await watchUntilStopped({
        read,
        render,
        fingerprint: fleetFingerprint,
        write: (text) => process.stdout.write(text),
        isTTY: process.stdout.isTTY && !this.jsonEnabled(),
        json: this.jsonEnabled(),
        intervalMs: this.flags.interval * 1000,
        clock: systemClock,
      });
      process.exitCode = last ? fleetExitCode(last) : 0;
      return undefined;
    }

    const fleet = await read();
    for (const line of render(fleet)) this.ui.info(line);
    this.ui.debug(`${clients.calls()} AWS calls (${clients.throttled()} throttled and retried)`);
    process.exitCode = fleetExitCode(fleet);
    return fleet;
  }
}
