import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, costFlag } from '../../src/flags.js';
import { previewBaseFlags } from './down.js';

export default class PreviewList extends BaseCommand<typeof PreviewList> {
  static override summary = "List the service's preview environments.";
  static override description = `One line per preview (environments with the lsvc:preview tag): name, branch, version, URL, age, expiry and the estimated cost so far (hours running times the on-demand hourly price of its instance type, from the AWS Price List API and cached a day; --hourly-price sets one price for all; "unknown" when no price can be read).

Exit codes: 0; 5 AWS credentials, permissions or no region; 3 no lsvc.yml.`;
  static override examples = [
    { description: 'All previews', command: 'lsvc preview list' },
    { description: 'As JSON', command: 'lsvc preview list --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...previewBaseFlags,
    'hourly-price': Flags.string({
      description:
        "USD per hour of one preview, for the cost so far (default: its instance type's on-demand price).",
      helpValue: '<usd>',
    }),
    ...costFlag,
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
    const previews = await listPreviews(eb, aws.config.service);
    const { instanceHourlyPrices } = await import('../../src/cost/prices.js');
    const hourly =
      price === undefined && this.flags.cost
        ? await instanceHourlyPrices(
            aws.target,
            previews.flatMap((p) => (p.instanceType ? [p.instanceType] : [])),
          )
        : new Map<string, number>();
    const rows = previews.map((p) =>
      previewRow(
        p,
        now,
        price !== undefined ? Number(price) : p.instanceType ? hourly.get(p.instanceType) : undefined,
      ),
    );
    if (!rows.length) this.ui.info(`No previews of ${aws.config.service} (lsvc preview up makes one).`);
    else for (const line of renderTable(tableRows(rows, now))) this.ui.info(line);
    return { service: aws.config.service, previews: rows };
  }
}
