import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class Releases extends BaseCommand<typeof Releases> {
  static override summary =
    "List the service's versions, newest first: where each runs and how its deploys ended.";
  static override description = `Shows the Elastic Beanstalk application versions of the service: version label, git commit, when it was made, which environments run it now (live), how its last deploy to each environment ended (deployed, failed and rolled back, failed, aborted, timed out, in progress: from the release records every deploy and rollback writes to AWS), and the description (author and commit message). With --env, about that environment only. --json adds every recorded deploy of each version: environment, outcome, when, by whom.

Exit codes: 0; 5 AWS credentials, permissions or no region; 3 no lsvc.yml; 2 unknown environment.`;
  static override examples = [
    { description: 'All versions, and which environments run them', command: 'lsvc releases' },
    { description: 'Which version production runs', command: 'lsvc releases --env production' },
    { description: 'As JSON', command: 'lsvc releases --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = { env: envFlag(), ...awsFlags };

  async run() {
    const { loadServiceConfig, getEnvironment } = await import('../src/config/resolve.js');
    const { resolveAwsTarget } = await import('../src/aws/target.js');
    const { AwsError } = await import('../src/errors.js');
    const { makeClient } = await import('../src/aws/clients.js');
    const { makeS3Client } = await import('../src/aws/s3.js');
    const { ElasticBeanstalkClient } = await import('@aws-sdk/client-elastic-beanstalk');
    const { listReleases, renderReleases } = await import('../src/deploy/releases.js');

    const config = await loadServiceConfig(process.cwd());
    const settings = this.flags.env ? getEnvironment(config, this.flags.env) : config;
    const target = resolveAwsTarget({ flags: this.flags, env: process.env, config: settings });
    if (!target.region) {
      throw new AwsError(
        `No AWS region for ${this.flags.env ? `environment "${this.flags.env}"` : config.service}.`,
        {
          hint: 'Set region: in lsvc.yml, AWS_REGION, or pass --region.',
        },
      );
    }
    const aws = { region: target.region, profile: target.profile };
    const eb = makeClient(ElasticBeanstalkClient, aws);
    const releases = await listReleases(
      { eb, s3: makeS3Client(aws) },
      {
        application: config.service,
        service: config.service,
        envNames: this.flags.env ? [this.flags.env] : Object.keys(config.environments),
        envName: this.flags.env,
      },
    );
    const lines = renderReleases(
      releases,
      this.ui.paint,
      process.stdout.columns || 120,
      Boolean(this.flags.env),
    );
    for (const line of lines) this.ui.info(line);
    return { application: config.service, releases };
  }
}
