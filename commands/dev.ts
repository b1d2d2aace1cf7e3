import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';

export default class Dev extends BaseCommand<typeof Dev> {
  static override summary =
    "Run the service's whole stack in Docker: build, wait until healthy, stream logs.";
  static override description = `Runs the service's own docker-compose.yml through Docker Compose ("docker compose" v2, else "docker-compose" v1): builds web and worker, starts every service, shows each one until it is healthy (or running, without a health check), prints the URLs, then streams the logs of web and worker with the service name in front. Ctrl-C stops the containers and keeps the data volume.

node_modules comes from the image, in a named volume per app service (web-node-modules, worker-node-modules in the template) that "lsvc dev down" keeps: a start copies no dependencies. lsvc creates those volumes stamped with the service's image and package*.json; when the stamp changes it removes and recreates them (one progress line). An older compose file with an anonymous /app/node_modules volume works as before.

Before starting it checks that Docker answers, that Compose is installed and that the host ports the compose file publishes are free (a taken port: which one, who holds it, how to pick another, e.g. PORT=3001 lsvc dev).

With dependsOn in lsvc.yml, each dependency's own lsvc dev stack running on this machine is found by its containers' labels and <DEPENDENCY>_URL is set in web and worker to its published web port (http://host.docker.internal:<port>); one that is not running but is in the workspace (its folder from lsvc-fleet.yml or beside this service) is started first with its own "lsvc dev --detach" there, on a free port, and then pointed at (--no-deps: not started, only named with how to start it).

The compose project is named after the service (COMPOSE_PROJECT_NAME overrides it), so "docker compose -p <service> ..." reaches the same containers.

A service that exits or does not become healthy within --timeout: its last log lines and health-check output are shown, the stack is stopped (volumes kept) and lsvc exits 4.

Exit codes: 0 ok (also after Ctrl-C once the containers are running); 3 no lsvc.yml or compose file; 4 Docker or Compose missing, a port taken, a build that fails, a service that does not become healthy; 130 Ctrl-C before the stack was up.`;
  static override examples = [
    { description: 'Start the stack and follow the logs (Ctrl-C stops it)', command: 'lsvc dev' },
    { description: 'Start it in the background; return once healthy', command: 'lsvc dev --detach' },
    { description: 'Publish the API on another host port', command: 'PORT=3001 lsvc dev' },
    { description: 'Allow 5 minutes to become healthy', command: 'lsvc dev --timeout 300' },
  ];
  static override flags = {
    detach: Flags.boolean({
      char: 'd',
      description: 'Return once every service is healthy, leaving the stack running.',
    }),
    timeout: Flags.integer({
      description: 'Seconds to wait for the services to become healthy (after the build).',
      default: 180,
      min: 1,
    }),
    deps: Flags.boolean({
      description:
        'Start the services in dependsOn that are in the workspace but not running (lsvc dev --detach in their folder). --no-deps only points at running ones.',
      allowNo: true,
      default: true,
    }),
  };

  async run() {
    const { devUp } = await import('../src/dev/up.js');
    const { connectDocker } = await import('../src/docker/client.js');
    const { runProcess } = await import('../src/exec.js');
    const { colorEnabled, isCI } = await import('../src/ui.js');

    const abort = new AbortController();
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(
          '\nInterrupted again: exiting now. Containers may still run: "lsvc dev down" stops them.\n',
        );
        process.exit(130);
      }
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await devUp(
        { cwd: process.cwd(), env: process.env, exec: runProcess, connectDocker: () => connectDocker() },
        {
          detach: this.flags.detach,
          startDependencies: this.flags.deps,
          timeoutMs: this.flags.timeout * 1000,
          signal: abort.signal,
          color: colorEnabled({ flag: this.flags.color, env: process.env, isTTY: process.stdout.isTTY }),
          ui: this.ui,
          progress: { json: false, ci: isCI(process.env) },
          write: (text) => process.stdout.write(text),
        },
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
