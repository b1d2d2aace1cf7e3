import { BaseCommand } from '../src/base-command.js';
import { envFlag } from '../src/flags.js';

export default class Config extends BaseCommand<typeof Config> {
  static override summary = "Print the service's resolved lsvc.yml (defaults applied).";
  static override description = `Finds lsvc.yml in this folder or the nearest one above it, validates it and prints every setting with the defaults filled in: built-in defaults, then "defaults:", then the environment's own settings.

Exit code 3 when lsvc.yml is missing or invalid (the message names file, line, column and key); 2 for an unknown --env.`;
  static override examples = [
    { description: 'All environments', command: 'lsvc config' },
    { description: 'One environment', command: 'lsvc config --env production' },
    {
      description: 'As JSON, e.g. for scripts',
      command: 'lsvc config --env staging --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = { env: envFlag() };

  async run() {
    const { loadServiceConfig, getEnvironment } = await import('../src/config/resolve.js');
    const { stringify } = await import('yaml');
    const config = await loadServiceConfig(process.cwd());
    const { file, ...rest } = config;
    // Resolved before the header is printed: on an error, stdout stays empty.
    const environment = this.flags.env ? getEnvironment(config, this.flags.env) : undefined;
    this.ui.info(this.ui.paint.dim(`# ${file}, resolved (built-in defaults < defaults: < environment)`));
    if (environment) {
      this.ui.info(stringify({ service: config.service, environment }).trimEnd());
      return { file, service: config.service, environment };
    }
    this.ui.info(stringify(rest).trimEnd());
    return config;
  }
}
