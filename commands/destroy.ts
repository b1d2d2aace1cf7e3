import { Flags } from '@oclif/core';

import type { AwsEnvironment } from '../src/aws/environment.js';
import { BaseCommand } from '../src/base-command.js';
import type { PricedParts } from '../src/cost/estimate.js';
import { awsFlags, costFlag, envFlag } from '../src/flags.js';

export default class Destroy extends BaseCommand<typeof Destroy> {
  static override summary = 'Delete an environment and everything lsvc provisioned for it.';
  static override description = `Lists what it finds, then asks you to type the environment's full name (<service>-<env>); in CI pass --yes --force instead (--yes alone is refused). Then, step by step with progress: deletes the environment's CloudWatch alarms (first, so that no alert fires while things go down) and its endpoint parameters in SSM (/lsvc/<env>/<service>/url and /openapi, so that no caller is pointed at it), terminates the Elastic Beanstalk environment and waits for it, deletes the RDS instance with a final snapshot <id>-final-<UTC timestamp> (unless --skip-final-snapshot; deletion protection, if on, is turned off first, only after your confirmation), deletes the Redis replication group, the SNS topic, and schedules the environment's secrets (lsvc/<service>/<env>/*) for deletion with a 7-day recovery window; once the database and Redis are gone, their subnet groups, parameter group and security groups, and the environment's IAM instance profile and role.

The ECR repository (shared by the service's environments) and its images are kept, unless --purge and no other environment of the service exists (in lsvc.yml, or live in Elastic Beanstalk). Something already gone counts as done, so running destroy again finishes an interrupted one. --dry-run lists what would be deleted and changes nothing.

Exit code: 0 done (or nothing left); 2 unknown --env, a confirmation that did not match, or --yes without --force; 5 credentials or a denied call (named); 7 timed out waiting (run it again to finish); 130 interrupted.`;
  static override examples = [
    { description: 'See what would be deleted', command: 'lsvc destroy --env staging --dry-run' },
    { description: 'Delete (asks you to type billing-api-staging)', command: 'lsvc destroy --env staging' },
    {
      description: 'In CI, without the final snapshot',
      command: 'lsvc destroy --env preview-42 --yes --force --skip-final-snapshot',
    },
    {
      description: 'The last environment, with the image repository',
      command: 'lsvc destroy --env staging --purge',
    },
  ];
  static override flags = {
    env: envFlag({ required: true }),
    force: Flags.boolean({ description: 'With --yes: destroy without typing the name (for CI).' }),
    purge: Flags.boolean({
      description: 'Also delete the ECR repository and its images when no other environment uses it.',
    }),
    'skip-final-snapshot': Flags.boolean({ description: 'Delete the database without a final snapshot.' }),
    'dry-run': Flags.boolean({ description: 'Only list what would be deleted.' }),
    ...costFlag,
    ...awsFlags,
  };

  async run() {
    const { loadAwsEnvironment } = await import('../src/aws/environment.js');
    const { destroy, destroyTarget, checkUnattended } = await import('../src/destroy/run.js');
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const confirmation = { dryRun: this.flags['dry-run'], yes: this.flags.yes, force: this.flags.force };
    // Refuse CI misuse before making clients or calls.
    checkUnattended(confirmation, this.prompter, aws.names.environment);
    const [{ makeDestroyClients }, { runSteps }, { systemClock }] = await Promise.all([
      import('../src/destroy/clients.js'),
      import('../src/progress.js'),
      import('../src/clock.js'),
    ]);
    const stop = new AbortController();
    const onSigint = () => {
      stop.abort();
    };
    process.once('SIGINT', onSigint);
    try {
      await destroy(
        {
          clients: await makeDestroyClients(aws.target),
          timing: { clock: systemClock, pollMs: 10_000, signal: stop.signal },
          runSteps: (steps) => runSteps(steps, { json: false, signal: stop.signal }),
          prompter: this.prompter,
          ui: this.ui,
          ...(this.flags.cost ? { estimate: await costEstimator(aws) } : {}),
        },
        destroyTarget(aws, aws.config),
        {
          ...confirmation,
          skipFinalSnapshot: this.flags['skip-final-snapshot'],
          purge: this.flags.purge,
        },
      );
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
}

/** The monthly cost of the parts of the environment destroy found, priced as lsvc.yml says. */
async function costEstimator(aws: AwsEnvironment) {
  const [{ environmentCostItems }, { estimateWithPriceList }] = await Promise.all([
    import('../src/cost/estimate.js'),
    import('../src/cost/prices.js'),
  ]);
  return (parts: PricedParts) =>
    estimateWithPriceList(aws.target, environmentCostItems(aws.environment, aws.target.region, parts));
}
