import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class IamPolicy extends BaseCommand<typeof IamPolicy> {
  static override summary = 'Print the least-privilege IAM policy lsvc needs for this service.';
  static override description = `The policy for the person or CI role that runs lsvc provision, deploy, status, logs, env, releases, rollback and destroy: every action lsvc calls, scoped by name to this service's resources (ARNs built from the service and environment names, and the lsvc:service tag where the API allows). Elastic Beanstalk builds environments with the caller's permissions (CloudFormation, Auto Scaling, load balancers, EC2): that statement is as narrow as Elastic Beanstalk allows.

Without --json each statement gets a comment line (// ...), which IAM does not accept: use --json for the document itself. The account is * unless --account is given (a policy only grants within its own account anyway); the region comes from --region, AWS_REGION or lsvc.yml, else *.

Exit code 3 when lsvc.yml is missing or invalid; 2 for an unknown --env.`;
  static override examples = [
    { description: 'Read the policy with a comment per statement', command: 'lsvc iam-policy' },
    {
      description: 'Create it as a managed policy for the staging deploy role',
      command:
        'lsvc iam-policy --env staging --account 123456789012 --json > policy.json && aws iam create-policy --policy-name shop-staging-lsvc --policy-document file://policy.json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({
      description: 'Scope the policy to one environment from lsvc.yml (default: all of them).',
    }),
    account: Flags.string({
      description: 'AWS account id to put in the ARNs (default: *).',
      helpValue: '<id>',
    }),
    ...awsFlags,
  };

  async run() {
    const { loadServiceConfig, getEnvironment } = await import('../src/config/resolve.js');
    const { resolveAwsTarget } = await import('../src/aws/target.js');
    const { resourceNames } = await import('../src/aws/names.js');
    const { lsvcPolicy, partitionOf } = await import('../src/aws/iam.js');
    const { renderAnnotated } = await import('../src/provision/policy-render.js');
    const { UsageError } = await import('../src/errors.js');

    const account = this.flags.account ?? '*';
    if (account !== '*' && !/^\d{12}$/.test(account)) {
      throw new UsageError(`--account must be a 12-digit AWS account id, not "${account}".`);
    }
    const config = await loadServiceConfig(process.cwd());
    const environment = this.flags.env ? getEnvironment(config, this.flags.env) : undefined;
    const target = resolveAwsTarget({
      flags: this.flags,
      env: process.env,
      config: environment ?? { region: config.region, profile: config.profile },
    });
    const region = target.region ?? '*';
    const settings = environment as { ecrRepository?: string } | undefined;
    const names = resourceNames(config.service, environment?.name ?? '*', {
      ecrRepository: settings?.ecrRepository,
    });
    const policy = lsvcPolicy({
      scope: { partition: region === '*' ? 'aws' : partitionOf(region), region, account },
      service: config.service,
      env: environment?.name,
      repository: names.repository,
    });
    const scope = environment ? `environment ${environment.name}` : 'all environments';
    for (const line of renderAnnotated(
      policy,
      `lsvc needs for ${config.service} (${scope}, region ${region}, account ${account})`,
    )) {
      this.ui.info(line);
    }
    return policy.document;
  }
}
