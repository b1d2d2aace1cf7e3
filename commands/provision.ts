import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, costFlag, envFlag } from '../src/flags.js';

export default class Provision extends BaseCommand<typeof Provision> {
  static override summary = 'Create or update everything an environment needs on AWS.';
  static override description = `Idempotent: each resource is looked at first, then created, updated or left alone. The plan (create / update / unchanged per resource, with what differs) is printed before anything changes; --dry-run stops there and makes no change. A second run changes nothing.

Resources: ECR repository (scan on push, keeps the last 30 images), Elastic Beanstalk application (version lifecycle) and environment (Docker on Amazon Linux 2023, load balanced, enhanced health, deployment policy, instance type and counts from lsvc.yml, logs streamed to CloudWatch Logs), the instance role and profile (least privilege) and the Elastic Beanstalk service role, security groups, RDS (encrypted, backups, deletion protection in production; its password generated into Secrets Manager and handed to the app as the secret DATABASE_PASSWORD), ElastiCache Redis (noeviction, TLS), an SNS topic (optional email from notifyEmail), and CloudWatch alarms (5xx rate, p99 latency, unhealthy hosts, environment health, database CPU/storage/connections, Redis memory, queue backlog). Everything is tagged lsvc:service, lsvc:environment and managed-by=lsvc.

The environment's endpoints are published for its callers in SSM Parameter Store: /lsvc/<env>/<service>/url (the environment's CNAME; https when its load balancer listens on 443) and /lsvc/<env>/<service>/openapi (that URL + /openapi.json). Each service in lsvc.yml dependsOn is read first from the same place and set as the environment property <SERVICE>_URL (BILLING_API_URL); one that is not provisioned in this environment stops provision before the plan, naming it and the fix (exit 3).

Creating the database, Redis and the environment takes 10-20 minutes; progress shows what is being waited for. Environments with "confirm: true" in lsvc.yml ask before changing anything (--yes answers).

Exit codes: 2 unknown --env; 3 lsvc.yml missing or invalid, or a dependsOn service not provisioned in this environment; 5 no AWS region or credentials, or access denied (the message names the action); 7 timed out waiting, 130 interrupted (AWS goes on either way: run provision again to continue).`;
  static override examples = [
    {
      description: 'See what would be created or changed, without changing anything',
      command: 'lsvc provision --env staging --dry-run',
    },
    { description: 'Create or update the staging environment', command: 'lsvc provision --env staging' },
    {
      description: 'In CI, with the plan and result as JSON',
      command: 'lsvc provision --env production --yes --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    'dry-run': Flags.boolean({
      description: 'Print the plan and its estimated monthly cost, and stop: no change is made.',
      default: false,
    }),
    ...costFlag,
    ...awsFlags,
  };

  async run() {
    const { loadAwsEnvironment } = await import('../src/aws/environment.js');
    const { makeProvisionClients, destroyClients } = await import('../src/provision/clients.js');
    const { provision } = await import('../src/provision/run.js');
    const { renderPlan, countLine, doneLine } = await import('../src/provision/render.js');

    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const { paint } = this.ui;
    const dryRun = this.flags['dry-run'];
    const clients = makeProvisionClients(aws.target);
    const { interruptible } = await import('../src/interrupt.js');
    try {
      this.ui.info(paint.dim(`Looking at ${aws.names.environment} in ${aws.target.region}...`));
      const result = await interruptible((signal) =>
        provision(
          {
            service: aws.config.service,
            environment: aws.environment,
            names: aws.names,
            region: aws.target.region,
            clients,
          },
          {
            dryRun,
            progress: { json: this.jsonEnabled(), signal },
            onPlan: (rows) => {
              for (const line of renderPlan(rows, aws.names.environment, aws.target.region, paint))
                this.ui.info(line);
              this.ui.info();
            },
            confirm: aws.environment.confirm
              ? () => this.prompter.confirm(`Apply these changes to ${aws.names.environment}?`)
              : undefined,
          },
        ),
      );
      const changes = result.resources.filter((r) => r.action !== 'unchanged');
      if (dryRun && this.flags.cost) {
        const [{ environmentCostItems }, { estimateWithPriceList }, { renderCost }] = await Promise.all([
          import('../src/cost/estimate.js'),
          import('../src/cost/prices.js'),
          import('../src/cost/render.js'),
        ]);
        const cost = await estimateWithPriceList(
          aws.target,
          environmentCostItems(aws.environment, aws.target.region),
        );
        for (const line of renderCost(cost, paint)) this.ui.info(line);
        this.ui.info();
        Object.assign(result, { cost });
      }
      if (dryRun) {
        this.ui.info(paint.bold(`Dry run: nothing was changed (${countLine(result.resources)}).`));
      } else if (result.cancelled) {
        this.ui.info('Cancelled: nothing was changed.');
      } else if (changes.length === 0) {
        this.ui.info(paint.green(`${aws.names.environment} is up to date: nothing to change.`));
      } else {
        this.ui.info();
        this.ui.info(paint.bold(`Done: ${aws.names.environment} (${doneLine(result.resources)}).`));
      }
      for (const warning of result.warnings) this.ui.warn(warning);
      return result;
    } finally {
      destroyClients(clients);
    }
  }
}
