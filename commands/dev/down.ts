import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';

export default class DevDown extends BaseCommand<typeof DevDown> {
  static override summary =
    "Stop and remove the service's dev stack (containers and network; data too with --volumes).";
  static override description = `Runs compose down for the service's project: stops and removes its containers and network. The volumes (Postgres data, and the node_modules of web and worker so the next start copies nothing) are kept unless --volumes is given; --images also removes the images compose built for web and worker. Prints what was removed.`;
  static override examples = [
    { description: 'Remove the containers, keep the database', command: 'lsvc dev down' },
    { description: 'Remove everything, data included', command: 'lsvc dev down --volumes' },
    { description: 'Also remove the built images', command: 'lsvc dev down --volumes --images' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    volumes: Flags.boolean({
      char: 'v',
      description: 'Also remove the volumes (the database data, node_modules).',
    }),
    images: Flags.boolean({ description: 'Also remove the images compose built for the service.' }),
  };

  async run() {
    const { devDown } = await import('../../src/dev/down.js');
    const { connectDocker } = await import('../../src/docker/client.js');
    const { runProcess } = await import('../../src/exec.js');
    const { isCI } = await import('../../src/ui.js');

    const result = await devDown(
      { cwd: process.cwd(), env: process.env, exec: runProcess, connectDocker: () => connectDocker() },
      {
        volumes: this.flags.volumes,
        images: this.flags.images,
        progress: { json: this.jsonEnabled(), ci: isCI(process.env) },
      },
    );
    const { paint } = this.ui;
    const { removed } = result;
    const parts: string[] = [];
    const list = (what: string, names: string[]) => {
      if (names.length)
        parts.push(`${names.length} ${what}${names.length > 1 ? 's' : ''} (${names.join(', ')})`);
    };
    list('container', removed.containers);
    list('network', removed.networks);
    list('volume', removed.volumes);
    list('image', removed.images);
    this.ui.info(
      parts.length
        ? `${paint.green('✔')} Removed ${parts.join(', ')}.`
        : `Nothing to remove: ${result.project} has no containers.`,
    );
    if (result.keptVolumes.length) {
      this.ui.info(
        `Kept ${result.keptVolumes.join(', ')} (the data, and node_modules for a quick start): ${paint.cyan('lsvc dev down --volumes')} removes ${result.keptVolumes.length > 1 ? 'them' : 'it'}.`,
      );
    }
    return result;
  }
}
