import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import type { AwsEnvironment } from '../src/aws/environment.js';
import type { Timings } from '../src/deploy/watch.js';
import { awsFlags, envFlag, lockFlags } from '../src/flags.js';

export default class Rollback extends BaseCommand<typeof Rollback> {
  static override summary = 'Go back to an earlier version: the deploy flow with an existing version.';
  static override description = `Deploys an application version that already exists (nothing is built or uploaded) and waits, like "lsvc deploy", until the environment is Ready, Green and on that version with no alarm firing during the bake.

Without --to it picks the last version that deployed to this environment and passed its bake (from the release records lsvc keeps in AWS: failed, aborted and unfinished deploys are passed over), and says why it picked it. Without records (deploys older than them), the newest version created before the running one that no record calls a failure. --to a version that already runs changes nothing. See the versions and their outcomes with "lsvc releases". If the older version fails too, lsvc goes back to the one that ran (exit 6).

Migrations are not rolled back. A version older than a contract migration (\`export const contract = true\`) that a later release applied would read what it dropped: such a rollback is refused (exit 6) with the contract migration and the newest version it is safe to go back to (from the migration heads in the release records). --force goes anyway after a confirmation (--yes without a terminal), and the record says so.

Like deploy, it takes the environment's deploy lock (refused while another deploy, rollback or env set holds it; --force-unlock removes a stale one) and refuses an environment whose settings defeat the health gate.

Exit codes: 0 done (or already on that version); 6 it failed, or refused by the migration guard; 7 timed out; 9 the environment is locked by another run; 5 AWS credentials, permissions or connectivity; 3 not provisioned, or settings that defeat the health gate; 2 unknown environment or version; 130 interrupted (Ctrl-C), 143 SIGTERM, 129 SIGHUP: the rollback's update is aborted as with deploy.`;
  static override examples = [
    { description: 'Back to the version before the current one', command: 'lsvc rollback --env production' },
    { description: 'To a given version', command: 'lsvc rollback --env production --to 3f9c2a1b7d4e' },
    { description: 'Start it and return', command: 'lsvc rollback --env staging --detach' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    to: Flags.string({
      description: 'Version label to go back to (default: the last one that deployed and passed its bake).',
    }),
    timeout: Flags.string({
      description: 'How long to wait for the environment to be Ready, Green and on that version.',
      default: '20m',
      helpValue: '<duration>',
    }),
    'health-grace': Flags.string({
      description:
        'How long health may stay Red (Severe, Degraded; Yellow with basic health) before it counts as failed.',
      default: '2m',
      helpValue: '<duration>',
    }),
    bake: Flags.string({
      description: 'How long it must stay healthy with no alarm firing.',
      default: '60s',
      helpValue: '<duration>',
    }),
    detach: Flags.boolean({ description: 'Return once the update has started (exit 0).' }),
    force: Flags.boolean({
      description:
        'Go back past a contract migration that already ran (asks first at a terminal; --yes without one). Recorded in the release.',
    }),
    ...lockFlags,
    ...awsFlags,
  };

  async run() {
    const { loadAwsEnvironment } = await import('../src/aws/environment.js');
    const { parseDuration } = await import('../src/duration.js');
    const { DEFAULT_TIMINGS } = await import('../src/deploy/watch.js');
    const timings = {
      ...DEFAULT_TIMINGS,
      timeoutMs: parseDuration(this.flags.timeout, '--timeout'),
      bakeMs: parseDuration(this.flags.bake, '--bake'),
      healthGraceMs: parseDuration(this.flags['health-grace'], '--health-grace'),
    };
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    // One deploy, rollback or env set at a time on an environment (src/deploy/lock.ts).
    const { lockTtl, underDeployLock } = await import('../src/deploy/lock-command.js');
    return underDeployLock(
      {
        target: aws.target,
        service: aws.config.service,
        environment: this.flags.env,
        command: 'rollback',
        version: this.flags.to ?? 'the last good version',
        ttlMs: lockTtl(timings.timeoutMs, timings.bakeMs),
        forceUnlock: this.flags['force-unlock'],
        yes: this.flags.yes,
        prompter: this.prompter,
        ui: this.ui,
      },
      async () => this.rollbackLocked(aws, timings),
    );
  }

  private async rollbackLocked(aws: AwsEnvironment, timings: Timings) {
    const { abortConfirmation, commandReporter, deployClients, failureResult, interruptOnSigint } =
      await import('../src/deploy/cli.js');
    const { rollback } = await import('../src/deploy/deploy.js');
    const { systemClock } = await import('../src/clock.js');
    const { UsageError } = await import('../src/errors.js');
    const interrupt = interruptOnSigint();
    // The current wait's deadline (see deploy): no AWS call outlives it.
    let deadline = Date.now() + timings.timeoutMs;
    const clients = await deployClients(aws.target, {
      interrupt: interrupt.signal,
      deadline: () => deadline,
    });
    try {
      return await rollback(
        {
          eb: clients.eb,
          cloudwatch: clients.cloudwatch,
          s3: clients.s3,
          logs: clients.logs,
          clock: systemClock,
          reporter: commandReporter(this.ui, this.jsonEnabled()),
          signal: interrupt.signal,
          onDeadline: (at) => {
            deadline = at;
          },
          confirmAbort: abortConfirmation(this.prompter, this.ui),
        },
        {
          names: aws.names,
          envName: this.flags.env,
          readinessPath: aws.environment.healthCheckPath,
          to: this.flags.to,
          detach: this.flags.detach,
          timings,
          force: this.flags.force,
          confirmForce: async (question) => {
            if (this.flags.yes) return true;
            if (!process.stdin.isTTY) {
              throw new UsageError('--force needs a confirmation, and there is no terminal to ask on.', {
                hint: 'Pass --yes with --force.',
              });
            }
            return this.prompter.confirm(question);
          },
        },
      );
    } catch (error) {
      const json = this.jsonEnabled() ? failureResult(error) : undefined;
      if (json) return json;
      throw error;
    } finally {
      interrupt.dispose();
    }
  }
}
