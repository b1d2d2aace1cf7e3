import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { ExitCode } from '../src/errors.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show the health of an environment (or all of them): one screen, exit code says.';
  static override description = `Reads everything at once (in parallel): the Elastic Beanstalk environment's status and health with its causes, URL, the deployed version and when it reached the instances, each instance (health, version, requests/s, p99 latency, 5xx share), the environment's CloudWatch alarms (<service>-<env>-*), the RDS database and the Redis replication group, and each service of lsvc.yml dependsOn (its environment of the same name: status, health, URL, or why it could not be read; its health does not count towards this one's). Without --env: every environment in lsvc.yml.

Healthy means: Ready, health Green (Ok or Info), no alarm in ALARM, database and Redis available. An environment that is not provisioned yet, or a part lsvc could not read, counts as unhealthy.

--watch refreshes every --interval seconds until Ctrl-C: redrawn in place on a terminal; when piped, a new block is printed only when a state changes (with --json: one JSON line per change).

Exit code: 0 when every environment shown is healthy, 6 when one is not (the screen or JSON is printed first), 2 for an unknown --env, 3 without lsvc.yml, 5 for missing credentials or region, a denied call (named), or an environment that could not be read (AWS unreachable or throttling: its state is unknown).`;
  static override examples = [
    { description: 'Every environment in lsvc.yml', command: 'lsvc status' },
    { description: 'One environment', command: 'lsvc status --env production' },
    {
      description: 'Keep watching, refreshing every 5 s',
      command: 'lsvc status --env staging --watch --interval 5',
    },
    {
      description: 'Gate a script on health (exit code 6 when unhealthy)',
      command: 'lsvc status --env production --json > status.json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag(),
    watch: Flags.boolean({ char: 'w', description: 'Refresh until Ctrl-C.' }),
    interval: Flags.integer({
      description: 'Seconds between refreshes with --watch.',
      default: 10,
      min: 2,
      helpValue: '<seconds>',
    }),
    ...awsFlags,
  };

  async run() {
    const { loadServiceConfig, getEnvironment } = await import('../src/config/resolve.js');
    const { planTargets, readStatus, unreadError, watchUntilStopped } = await import('../src/status/run.js');
    const { makeStatusClients, clientCache } = await import('../src/status/clients.js');
    const { renderReport } = await import('../src/status/render.js');
    const { systemClock } = await import('../src/clock.js');
    const { charsetFor } = await import('../src/status/sparkline.js');
    const { terminalWidth } = await import('../src/ui.js');

    const config = await loadServiceConfig(process.cwd());
    const envNames = this.flags.env
      ? [getEnvironment(config, this.flags.env).name]
      : Object.keys(config.environments);
    const planned = planTargets(config, envNames, this.flags, process.env);
    const clientsFor = clientCache(makeStatusClients);
    const read = () => readStatus(planned, clientsFor, systemClock);
    const render = (report: Awaited<ReturnType<typeof read>>) =>
      renderReport(report, {
        paint: this.ui.paint,
        now: systemClock.now(),
        width: terminalWidth(process.stdout, process.env),
        charset: charsetFor(process.env),
      });

    if (this.flags.watch) {
      const last = await watchUntilStopped({
        read,
        render,
        write: (text) => process.stdout.write(text),
        isTTY: process.stdout.isTTY && !this.jsonEnabled(),
        json: this.jsonEnabled(),
        intervalMs: this.flags.interval * 1000,
        clock: systemClock,
      });
      process.exitCode = last && !last.healthy ? ExitCode.Unhealthy : ExitCode.Ok;
      // Already printed, one JSON line per change.
      return undefined;
    }

    const report = await read();
    for (const line of render(report)) this.ui.info(line);
    // An environment that could not be read: the report, then exit 5 saying why (JSON: the report).
    const unread = unreadError(report);
    if (unread && !this.jsonEnabled()) throw unread;
    // Unhealthy is an answer, not a failure: print it (JSON too), then exit 6 without an error.
    process.exitCode = unread ? ExitCode.Aws : report.healthy ? ExitCode.Ok : ExitCode.Unhealthy;
    return report;
  }
}
