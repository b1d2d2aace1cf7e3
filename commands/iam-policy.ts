import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class IamPolicy extends BaseCommand<typeof IamPolicy> {
  static override summary = 'Print the least-privilege IAM policy lsvc needs for this service.';
  static override description = `The policy for the person or CI role that runs lsvc provision, deploy, status, logs, env, releases, rollback and destroy: every action lsvc calls, scoped by name to this service's resources (ARNs built from the service and environment names, and the lsvc:service tag where the API allows). Elastic Beanstalk builds environments with the caller's permissions (CloudFormation, Auto Scaling, load balancers, EC2): that statement is as narrow as Elastic Beanstalk allows.

The policy is larger than IAM allows in one managed policy (6,144 characters), so it comes in parts, each a policy document that fits: create one managed policy per part and attach them all. --json prints the parts as a JSON array; --json --part N prints document N alone, ready for "aws iam create-policy". Without --json each statement gets a comment line (// ...), which IAM does not accept. The account is * unless --account is given (a policy only grants within its own account anyway); the region comes from --region, AWS_REGION or lsvc.yml, else *.

Exit code 3 when lsvc.yml is missing or invalid; 2 for an unknown --env.`;
  static override examples = [
    { description: 'Read the policy with a comment per statement', command: 'lsvc iam-policy' },
    {
      description: 'Create part 1 as a managed policy (repeat for each part the output lists)',
      command:
        'lsvc iam-policy --account 123456789012 --json --part 1 > lsvc-1.json && aws iam create-policy --policy-name shop-lsvc-1 --policy-document file://lsvc-1.json',
    },
    { description: 'Every part, as a JSON array', command: 'lsvc iam-policy --env staging --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({
      description: 'Scope the policy to one environment from lsvc.yml (default: all of them).',
    }),
    part: Flags.integer({
      description: 'Print only this part (1, 2, ...) of the policy.',
      min: 1,
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
    const { lsvcPolicy, partitionOf, splitPolicy } = await import('../src/aws/iam.js');
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
      dependsOn: [
        ...new Set(
          (environment ? [environment] : Object.values(config.environments)).flatMap((e) => e.dependsOn),
        ),
      ].sort(),
    });
    const parts = splitPolicy(policy.document);
    const part = this.flags.part;
    if (part !== undefined && part > parts.length) {
      throw new UsageError(`--part ${String(part)}: the policy has ${String(parts.length)} part(s).`);
    }
    const shown = part === undefined ? parts : parts.slice(part - 1, part);
    const scope = environment ? `environment ${environment.name}` : 'all environments';
    shown.forEach((document, i) => {
      const n = part ?? i + 1;
      if (i > 0) this.ui.info();
      for (const line of renderAnnotated(
        { document, comments: policy.comments },
        `lsvc needs for ${config.service} (${scope}, region ${region}, account ${account}), part ${String(n)} of ${String(parts.length)}`,
      )) {
        this.ui.info(line);
      }
    });
    return part === undefined ? parts : parts[part - 1];
  }
}
