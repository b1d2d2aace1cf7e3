import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags } from '../../src/flags.js';
import { previewTeardownFlags } from './down.js';

export default class PreviewPrune extends BaseCommand<typeof PreviewPrune> {
  static override summary = 'Remove the previews past their expiry (or older than --older-than).';
  static override description = `Each preview carries its expiry (tag lsvc:expires, set by "lsvc preview up" from --ttl or previews.ttl). prune removes those past it, and with --older-than also those created longer ago, each as "lsvc preview down" does. The scheduled workflow "lsvc pipeline init --provider github" writes runs it every day. At a terminal it asks for the number of previews to be typed; --yes answers in CI.

Exit codes: 0 all chosen removed (or none to remove); 6 one or more could not be removed (the others were); 5 AWS; 2 bad flags.`;
  static override examples = [
    { description: 'Remove the expired previews', command: 'lsvc preview prune --yes' },
    { description: 'Also those older than 3 days', command: 'lsvc preview prune --older-than 3d' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    'older-than': Flags.string({
      description: 'Also remove previews created longer ago than this.',
      helpValue: '<duration>',
    }),
    ...previewTeardownFlags,
    ...awsFlags,
  };

  async run() {
    const { previewScope, withTeardownDeps } = await import('../../src/preview/cli.js');
    const { parseDuration } = await import('../../src/duration.js');
    const { confirmTyped } = await import('../../src/preview/confirm.js');
    const { prunePreviews } = await import('../../src/preview/prune.js');
    const { commandReporter } = await import('../../src/deploy/cli.js');
    const { UnhealthyError } = await import('../../src/errors.js');

    const olderThan = this.flags['older-than'];
    const olderThanMs = olderThan === undefined ? undefined : parseDuration(olderThan, '--older-than');
    const timeoutMs = parseDuration(this.flags.timeout, '--timeout');
    const { aws } = await previewScope(this.flags);
    return withTeardownDeps(aws.target, commandReporter(this.ui, this.jsonEnabled()), async (deps) => {
      const result = await prunePreviews(deps, {
        service: aws.config.service,
        olderThanMs,
        timeoutMs,
        healthGraceMs: 180_000,
        confirm: (chosen) =>
          confirmTyped(
            this.prompter,
            chosen.map((c) => c.preview.environment),
            'remove them, their databases and their Redis keys',
          ),
      });
      if (result.failed.length) {
        throw new UnhealthyError(
          `${result.failed.length} preview(s) could not be removed: ${result.failed.map((f) => f.preview).join(', ')}.`,
          { hint: 'Run "lsvc preview down --name <name>" for each to see why.' },
        );
      }
      return result;
    });
  }
}
