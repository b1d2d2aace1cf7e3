import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags } from '../../src/flags.js';
import { previewNameFlags } from './up.js';

/** --from-env of the commands that only read or remove previews (down, list, prune). */
export const previewBaseFlags = {
  'from-env': Flags.string({
    description: 'The base environment (for its region and profile).',
    helpValue: '<env>',
  }),
};

/** down's and prune's: the base environment, and how long each wait may take. */
export const previewTeardownFlags = {
  ...previewBaseFlags,
  timeout: Flags.string({
    description: 'How long each wait may take.',
    default: '20m',
    helpValue: '<duration>',
  }),
};

export default class PreviewDown extends BaseCommand<typeof PreviewDown> {
  static override summary = 'Remove a preview: its database, Redis keys, environment and versions.';
  static override description = `Its database and Redis keys are on the base environment's private RDS instance and ElastiCache, which only the VPC reaches, so the preview removes them itself: lsvc sets PREVIEW_TEARDOWN=true on it, the service's containers restart into the template's teardown (drop the database, delete the keys under its prefix) and report it through the health check; once it is Green the environment is terminated. Then its application versions (<version>-<name>, with their S3 bundles) and release records are deleted.

Idempotent: a preview already gone only has its versions and records cleaned up. At a terminal it asks for the preview's environment name to be typed; --yes answers in CI. An environment without the lsvc:preview tag is never touched.

Exit codes: 0 removed (or nothing left); 6 the teardown did not report done (the environment is kept, nothing else deleted); 7 timed out; 5 AWS; 2 bad name, or not a preview.`;
  static override examples = [
    { description: 'From the pull request "closed" workflow', command: 'lsvc preview down --yes' },
    { description: 'Remove preview 12', command: 'lsvc preview down --name 12' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...previewNameFlags,
    ...previewTeardownFlags,
    'health-grace': Flags.string({
      description: 'How long health may stay Red after the teardown before it counts as failed.',
      default: '3m',
      helpValue: '<duration>',
    }),
    ...awsFlags,
  };

  async run() {
    const { previewTarget, withTeardownDeps } = await import('../../src/preview/cli.js');
    const { parseDuration } = await import('../../src/duration.js');
    const { confirmTyped } = await import('../../src/preview/confirm.js');
    const { previewDown } = await import('../../src/preview/down.js');
    const { commandReporter } = await import('../../src/deploy/cli.js');

    const t = await previewTarget(this.flags);
    const timeoutMs = parseDuration(this.flags.timeout, '--timeout');
    const healthGraceMs = parseDuration(this.flags['health-grace'], '--health-grace');
    await confirmTyped(this.prompter, [t.name.environment], 'remove it, its database and its Redis keys');
    return withTeardownDeps(t.aws.target, commandReporter(this.ui, this.jsonEnabled()), (deps) =>
      previewDown(deps, { service: t.aws.config.service, name: t.name, timeoutMs, healthGraceMs }),
    );
  }
}
