import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags } from '../../src/flags.js';

export default class PreviewList extends BaseCommand<typeof PreviewList> {
  static override summary = "List the service's preview environments.";
  static override description = `One line per preview (environments with the lsvc:preview tag): name, branch, version, URL, age, expiry and the estimated cost so far (hours running times the hourly price; "unknown" until a price is known: --hourly-price gives one).

Exit codes: 0; 5 AWS credentials, permissions or no region; 3 no lsvc.yml.`;
  static override examples = [
    { description: 'All previews', command: 'lsvc preview list' },
    { description: 'As JSON', command: 'lsvc preview list --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    'from-env': Flags.string({
      description: 'The base environment (for its region and profile).',
      helpValue: '<env>',
    }),
    'hourly-price': Flags.string({
      description: 'USD per hour of one preview, for the cost so far (default: unknown).',
      helpValue: '<usd>',
    }),
    ...awsFlags,
  };

  async run() {
    const { previewScope, previewClients } = await import('../../src/preview/cli.js');
    const { listPreviews } = await import('../../src/preview/aws.js');
    const { previewRow, tableRows } = await import('../../src/preview/list.js');
    const { renderTable } = await import('../../src/table.js');
    const { UsageError } = await import('../../src/errors.js');

    const price = this.flags['hourly-price'];
    if (price !== undefined && !/^\d+(\.\d+)?$/.test(price)) {
      throw new UsageError(`--hourly-price "${price}" is not a price.`, {
        hint: 'Pass USD per hour, e.g. 0.0104.',
      });
    }
    const { aws } = await previewScope(this.flags);
    const { eb } = await previewClients(aws.target);
    const now = Date.now();
    const rows = (await listPreviews(eb, aws.config.service)).map((p) =>
      previewRow(p, now, price === undefined ? undefined : Number(price)),
    );
    if (!rows.length) this.ui.info(`No previews of ${aws.config.service} (lsvc preview up makes one).`);
    else for (const line of renderTable(tableRows(rows, now))) this.ui.info(line);
    return { service: aws.config.service, previews: rows };
  }
}
