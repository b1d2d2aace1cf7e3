import { join } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags } from '../src/flags.js';
import { FLEET_REFRESH_SECONDS } from '../src/fleet/status.js';

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static override summary =
    'The fleet (or this service) on a local web page: health, charts, deploys, alarms.';
  static override description = `Serves a read-only page on 127.0.0.1 (a free port unless --port), under a random token in the URL (any request without it gets 403). The page shows the lsvc fleet status table (service x environment: version, health, alarms, last deploy, template drift) and, for the environment you pick, requests/min, 5xx %, p99 latency, CPU and queue backlog over 1 h / 24 h / 7 d with the deploys and rollbacks marked, and its alarm history. It updates itself (server-sent events) every --interval seconds while a page is open.

In a workspace (lsvc-fleet.yml, or services one or two levels below) it shows every service; inside one service, that one. AWS is read by this process with your credentials; the page gets the data only. Ctrl-C (or SIGTERM) stops it and frees the port.

--json prints one line {"url", "port"} once it listens.

Exit codes: 0 stopped by Ctrl-C/SIGTERM; 2 a bad --port or an --env no service has, or the port is taken; 3 no service found or an invalid lsvc.yml / lsvc-fleet.yml.`;
  static override examples = [
    { description: 'Serve and open a browser', command: 'lsvc dashboard --open' },
    {
      description: 'Production only, on a fixed port',
      command: 'lsvc dashboard --env production --port 8420',
    },
  ];
  static override flags = {
    port: Flags.integer({
      description: 'Port on 127.0.0.1 (default: a free one).',
      min: 1,
      max: 65535,
      helpValue: '<n>',
    }),
    open: Flags.boolean({ description: 'Open the page in the default browser.' }),
    env: Flags.string({
      char: 'e',
      description: 'Only this environment (services without it are left out).',
      helpValue: '<name>',
    }),
    interval: Flags.integer({
      description: 'Seconds between refreshes while a page is open.',
      default: FLEET_REFRESH_SECONDS.default,
      min: FLEET_REFRESH_SECONDS.min,
      helpValue: '<seconds>',
    }),
    json: Flags.boolean({ description: 'Print {"url", "port"} as one JSON line once serving.' }),
    ...awsFlags,
  };

  async run() {
    const { dashboardWorkspace, serveDashboard } = await import('../src/dashboard/run.js');
    const { fleetClients } = await import('../src/fleet/clients.js');
    const { templateReader } = await import('../src/fleet/templates.js');
    const { DOTFILES_SNAPSHOT } = await import('../src/template/dotfiles.js');
    const { systemClock } = await import('../src/clock.js');

    const ws = await dashboardWorkspace(process.cwd());
    await serveDashboard(
      {
        ws,
        clients: fleetClients({ clock: systemClock }),
        env: this.flags.env,
        flags: { region: this.flags.region, profile: this.flags.profile },
        processEnv: process.env,
        templates: templateReader({
          builtinDir: join(this.config.root, 'service-template'),
          dotfilesSnapshot: join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
        }),
        clock: systemClock,
        intervalMs: this.flags.interval * 1000,
        port: this.flags.port,
        assetsDir: join(this.config.root, 'dist', 'dashboard'),
      },
      async (d) => {
        if (this.flags.json) process.stdout.write(`${JSON.stringify({ url: d.url, port: d.port })}\n`);
        else this.ui.info(`Dashboard: ${d.url}  (Ctrl-C to stop)`);
        if (this.flags.open) {
          const { default: open } = await import('open');
          await open(d.url).catch((error: unknown) => {
            this.ui.warn(`Could not open a browser (${String(error)}): open the URL yourself.`);
          });
        }
      },
    );
  }
}
