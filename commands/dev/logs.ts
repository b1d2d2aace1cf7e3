import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';

export default class DevLogs extends BaseCommand<typeof DevLogs> {
  static override summary = "Show the dev stack's logs, each line prefixed with its service.";
  static override description = `Prints the logs of every service of the stack (or of one), from Docker, with the service name in front of each line (coloured on a terminal; plain with NO_COLOR or when piped). -f keeps following until Ctrl-C.`;
  static override examples = [
    { description: 'The last 100 lines of every service', command: 'lsvc dev logs' },
    { description: "Follow the worker's logs", command: 'lsvc dev logs worker -f' },
    { description: 'The last 20 lines of web', command: 'lsvc dev logs web --tail 20' },
  ];
  static override args = {
    service: Args.string({ description: 'Only this service (e.g. web, worker, postgres).' }),
  };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep following new lines until Ctrl-C.' }),
    tail: Flags.integer({
      char: 'n',
      description: 'Lines per container to start with.',
      default: 100,
      min: 0,
    }),
  };

  async run() {
    const { devLogs } = await import('../../src/dev/ps.js');
    const { connectDocker } = await import('../../src/docker/client.js');
    const { runProcess } = await import('../../src/exec.js');
    const { colorEnabled } = await import('../../src/ui.js');

    const abort = new AbortController();
    const onSignal = () => {
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await devLogs(
        { cwd: process.cwd(), env: process.env, exec: runProcess, connectDocker: () => connectDocker() },
        {
          service: this.args.service,
          follow: this.flags.follow,
          tail: this.flags.tail,
          color: colorEnabled({ flag: this.flags.color, env: process.env, isTTY: process.stdout.isTTY }),
          write: (text) => process.stdout.write(text),
          signal: abort.signal,
        },
      );
      if (!result.containers) {
        this.ui.info(
          `No containers for ${result.project}${this.args.service ? ` ${this.args.service}` : ''}: "lsvc dev" starts them.`,
        );
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
