import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';

export default class CheckMigrations extends BaseCommand<typeof CheckMigrations> {
  static override summary =
    'Check that the migrations this checkout adds are safe for the version running now.';
  static override description = `During a deploy the old and new versions share the database, and a rollback runs the old version on the new schema for good. This finds the migration files (migrations/) this checkout adds relative to --against (a git tag, branch or commit of the running release, or the image lsvc built for it, <service>:<commit>; uncommitted files count), reads each one's up() without running it (Kysely schema-builder calls, and raw SQL in sql\`...\` in the service's dialect: Postgres, or MariaDB with database.engine: mysql) and flags what breaks old code: dropping or renaming a table or column, changing a column's type, adding NOT NULL without a default, adding a unique constraint to a table with rows. Each finding has its file:line and the expand/contract way to do it.

A migration with \`export const contract = true\` may drop or rename: it passes when the code at --against (src/ and views/) no longer names what it removes, and is refused otherwise (it comes too early).

Exit codes: 0 safe; 6 unsafe (or a contract refused); 2 unknown git ref or not a git repository; 3 no lsvc.yml or git missing.`;
  static override examples = [
    {
      description: 'Against the release tag running in production',
      command: 'lsvc check migrations --against v1.4.0',
    },
    {
      description: 'Against main, as JSON (CI)',
      command: 'lsvc check migrations --against origin/main --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    against: Flags.string({
      description:
        'The version running now: a git tag, branch or commit, or an image lsvc built (<service>:<commit>).',
      required: true,
    }),
  };

  async run() {
    const { findService } = await import('../../src/testing/service.js');
    const { checkMigrations } = await import('../../src/migrations/check.js');
    const { renderMigrationsReport } = await import('../../src/migrations/render.js');
    const { ExitCode } = await import('../../src/errors.js');
    const service = await findService(process.cwd());
    this.ui.debug(
      `service ${service.name} in ${service.dir}; database ${service.engine} (${service.engineSource})`,
    );
    const report = await checkMigrations({
      dir: service.dir,
      ref: this.flags.against,
      dialect: service.engine,
    });
    for (const line of renderMigrationsReport(report, this.ui.paint)) this.ui.info(line);
    process.exitCode = report.safe ? ExitCode.Ok : ExitCode.Unhealthy;
    return report;
  }
}
