import { BaseCommand } from '../../src/base-command.js';

export default class DevPs extends BaseCommand<typeof DevPs> {
  static override summary = "List the dev stack's services: container, state, health, published ports.";
  static override description = `Reads the containers of the service's compose project from Docker (no compose CLI needed). --json prints an array of {service, container, state, health, ports: [{host, container}]}; health is null for a service without a health check or a container that is not running.`;
  static override examples = [
    { description: 'Table of the services', command: 'lsvc dev ps' },
    { description: 'For scripts', command: 'lsvc dev ps --json' },
  ];
  static override enableJsonFlag = true;

  async run() {
    const { devPs, renderPs } = await import('../../src/dev/ps.js');
    const { connectDocker } = await import('../../src/docker/client.js');
    const { runProcess } = await import('../../src/exec.js');

    const result = await devPs({
      cwd: process.cwd(),
      env: process.env,
      exec: runProcess,
      connectDocker: () => connectDocker(),
    });
    for (const line of renderPs(result, this.ui.paint)) this.ui.info(line);
    return result.rows;
  }
}
