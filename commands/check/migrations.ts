import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import type { MigrationsReport } from '../../src/migrations/check.js';
import type { ProofResult } from '../../src/migrations/proof.js';
import type { ServiceInfo } from '../../src/testing/service.js';
import { awsFlags, envFlag } from '../../src/flags.js';

type ProofSummary = { ran: true; result: ProofResult } | { ran: false; reason: string };

export default class CheckMigrations extends BaseCommand<typeof CheckMigrations> {
  static override summary =
    'Check that the migrations this checkout adds are safe for the version running now.';
  static override description = `During a deploy the old and new versions share the database, and a rollback runs the old version on the new schema for good. This finds the migration files (migrations/) this checkout adds relative to --against (a git tag, branch or commit of the running release, or the image lsvc built for it, <service>:<commit>; uncommitted files count), reads each one's up() without running it (Kysely schema-builder calls, and raw SQL in sql\`...\` in the service's dialect: Postgres, or MariaDB with database.engine: mysql) and flags what breaks old code: dropping or renaming a table or column, changing a column's type, adding NOT NULL without a default, adding a unique constraint to a table with rows. Each finding has its file:line and the expand/contract way to do it.

A migration with \`export const contract = true\` may drop or rename: it passes when the code at --against (src/ and views/) no longer names what it removes, and is refused otherwise (it comes too early).

Then, when the checkout adds migrations and Docker answers, the proof: in throwaway containers (labelled like "lsvc test"'s, all removed afterwards, also on failure and Ctrl-C) it builds the test stage of the old version (from git at --against, into a temporary folder) and of this checkout, starts Postgres (or MariaDB) and Redis, migrates the database with the old image, applies the new migrations with the new one, then runs the old version on it: its web process must answer /readyz and its own tests (npm test) must pass, each test file's database a copy of the migrated one (TEST_DATABASE_TEMPLATE, honoured by the template's test/support/database.ts since template 1.0.3). A failure names the stage, the old tests that broke and the new migrations. --static-only skips the proof; without Docker the static pass runs alone and says so.

--env E compares with the version running in E instead: the git commit of the last release record of E that deployed (the commit must be in this clone: check out the whole history in CI). No such record (the first deploy): nothing to compare with, exit 0.

Exit codes: 0 safe; 6 unsafe (a finding, a contract refused, or the proof failed); 4 Docker failed during the proof (a build, a container); 2 unknown git ref, not a git repository, or no release record of E with a commit; 3 no lsvc.yml or git missing; 5 AWS credentials or permissions (--env).`;
  static override examples = [
    {
      description: 'Against the release tag running in production',
      command: 'lsvc check migrations --against v1.4.0',
    },
    {
      description: 'Against the version running in production (its release record)',
      command: 'lsvc check migrations --env production',
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
      exactlyOne: ['against', 'env'],
    }),
    env: envFlag({
      description:
        'Against the version running in this environment: the git commit of its last deployed release record.',
    }),
    'static-only': Flags.boolean({
      description: 'Only read the migration files: skip the Docker proof (old code run on the new schema).',
      default: false,
    }),
    ...awsFlags,
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
    const ref = this.flags.env ? await this.runningIn(this.flags.env) : this.flags.against;
    if (ref === undefined) {
      this.ui.info(
        `No release record of ${this.flags.env ?? ''} says a version deployed there: no old version to check against.`,
      );
      return {
        environment: this.flags.env,
        against: null,
        migrations: [],
        findings: [],
        warnings: [],
        safe: true,
        proof: { ran: false, reason: 'no old version' },
      };
    }
    const report = await checkMigrations({
      dir: service.dir,
      ref,
      dialect: service.engine,
    });
    for (const line of renderMigrationsReport(report, this.ui.paint)) this.ui.info(line);
    const proof = await this.proof(service, report);
    const safe = report.safe && (!proof.ran || proof.result.safe);
    process.exitCode = safe ? ExitCode.Ok : ExitCode.Unhealthy;
    return { ...report, safe, proof };
  }

  /** The Docker proof when there is something to prove and Docker answers; says which was done. */
  private async proof(service: ServiceInfo, report: MigrationsReport): Promise<ProofSummary> {
    const skipped = (reason: string): ProofSummary => {
      this.ui.info(this.ui.paint.dim(`Static check only: ${reason}.`));
      return { ran: false, reason };
    };
    if (report.migrations.length === 0) return skipped('no new migrations to prove');
    if (this.flags['static-only']) return skipped('--static-only (no Docker proof)');
    const { dockerfileStages } = await import('../../src/testing/service.js');
    const { readFile } = await import('node:fs/promises');
    const dockerfile = await readFile(`${service.dir}/Dockerfile`, 'utf8').catch(() => '');
    if (!dockerfileStages(dockerfile).includes('test'))
      return skipped('no Dockerfile with a "test" stage to run the old version\'s tests in');
    const { connectDocker } = await import('../../src/docker/client.js');
    let docker;
    try {
      docker = await connectDocker();
    } catch (error) {
      this.ui.warn(
        `Docker is not reachable (${(error as Error).message.split('\n')[0]}): only the static check ran; "lsvc doctor" checks Docker.`,
      );
      return { ran: false, reason: 'Docker not reachable' };
    }
    const { dockerTestRunner } = await import('../../src/docker/test-runner.js');
    const { proveMigrations } = await import('../../src/migrations/proof.js');
    const { renderProof } = await import('../../src/migrations/render.js');
    const { interruptible } = await import('../../src/interrupt.js');
    const { isCI } = await import('../../src/ui.js');
    this.ui.info('');
    this.ui.info(
      this.ui.paint.bold(`Proving it in Docker: the version at ${report.against.ref} on the new schema`),
    );
    const result = await interruptible((signal) =>
      proveMigrations({
        docker: dockerTestRunner(docker),
        service,
        old: report.against,
        migrations: report.migrations.map((m) => m.file),
        ui: this.ui,
        progress: { json: this.jsonEnabled() },
        signal,
        env: { ...(isCI(process.env) ? { CI: 'true' } : {}), NO_COLOR: '1', FORCE_COLOR: '0' },
      }),
    );
    for (const line of renderProof(result, this.ui.paint)) this.ui.info(line);
    return { ran: true, result };
  }

  /** The commit of the release running in the environment, from its release records. */
  private async runningIn(envName: string): Promise<string | undefined> {
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const { deployClients } = await import('../../src/deploy/cli.js');
    const { environmentRecords, runningCommit } = await import('../../src/migrations/release.js');
    const aws = await loadAwsEnvironment(envName, this.flags);
    const clients = await deployClients(aws.target);
    const records = await environmentRecords(clients, {
      application: aws.names.application,
      service: aws.names.application,
      environment: envName,
    });
    const running = runningCommit(records, envName);
    if (!running) return undefined;
    this.ui.info(`${envName} runs ${running.version} (git ${running.sha.slice(0, 12)}).`);
    return running.sha;
  }
}
