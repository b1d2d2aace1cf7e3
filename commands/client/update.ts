import { Args } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { openApiUrlLookup, sourceFlags, sourceFromFlags, timeoutFromFlags } from '../../src/clients/flags.js';
import { formatBreak } from '../../src/clients/contract.js';
import { UsageError } from '../../src/errors.js';

export default class ClientUpdate extends BaseCommand<typeof ClientUpdate> {
  static override summary =
    'Regenerate typed clients from where they were made (recorded in .lsvc/clients.json).';
  static override description = `Reads each client's recorded source again (its folder's npm run openapi, or its URL), saves the new document and rewrites src/clients/<service>.ts. What the new document breaks compared with the saved one is listed (the update is still made: your code's type check shows where it matters). --from / --url change the recorded source of one service.

Exit codes as lsvc client add; 2 for a service with no recorded client.`;
  static override examples = [
    { description: 'Every client', command: 'lsvc client update' },
    {
      description: 'One, from another checkout',
      command: 'lsvc client update billing-api --from ~/src/billing-api',
    },
  ];
  static override enableJsonFlag = true;
  static override args = { service: Args.string({ description: 'Only this client (default: all).' }) };
  static override flags = sourceFlags;

  async run() {
    const given = sourceFromFlags(this.flags);
    const only = this.args.service;
    if (given && !only) {
      throw new UsageError('--from / --url name the source of one service: give its name too.', {
        hint: 'lsvc client update <service> --from <folder>',
      });
    }
    const { serviceRoot } = await import('../../src/clients/files.js');
    const { generateClient, recordedSources, sourceForFetch } = await import('../../src/clients/clients.js');
    const cwd = process.cwd();
    const root = await serviceRoot(cwd);
    const targets = given && only ? [[only, given] as const] : await recordedSources(root, only);
    const results = [];
    for (const [service, source] of targets) {
      const result = await generateClient(service, given ? source : sourceForFetch(root, source), {
        root,
        cwd: given ? cwd : root,
        lsvcVersion: this.config.version,
        timeoutMs: timeoutFromFlags(this.flags),
        onWait: (line) => process.stderr.write(`${line}\n`),
        openApiUrlIn: openApiUrlLookup(this.flags),
      });
      this.ui.info(`Updated the client of ${service} (${result.files.join(', ')}).`);
      for (const b of result.breaks) this.ui.warn(`  breaking: ${formatBreak(b)}`);
      results.push(result);
    }
    return { clients: results };
  }
}
