import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, envFlag } from '../../src/flags.js';

export default class EnvList extends BaseCommand<typeof EnvList> {
  static override summary = "List an environment's variables; secrets masked.";
  static override description = `Shows the Elastic Beanstalk environment properties (plain values) and the variables mapped to Secrets Manager or SSM (aws:elasticbeanstalk:application:environmentsecrets): those show **** and the secret's name, never a value (lsvc does not read secret values at all).

Exit code: 0; 2 for an unknown --env; 3 when the environment is not provisioned; 5 for missing credentials or region, or a denied call (named).`;
  static override examples = [
    { description: 'Variables of staging', command: 'lsvc env list --env staging' },
    { description: 'As JSON', command: 'lsvc env list --env production --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = { env: envFlag({ required: true }), ...awsFlags };

  async run() {
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const [{ makeClient }, { ElasticBeanstalkClient }, settings] = await Promise.all([
      import('../../src/aws/clients.js'),
      import('@aws-sdk/client-elastic-beanstalk'),
      import('../../src/envvars/settings.js'),
    ]);
    const vars = await settings.readVariables(makeClient(ElasticBeanstalkClient, aws.target), {
      application: aws.names.application,
      environment: aws.names.environment,
      envName: aws.environment.name,
    });
    const variables = settings.variableViews(vars);
    for (const line of settings.renderVariables(variables, this.ui.paint)) this.ui.info(line);
    return { environment: aws.names.environment, variables };
  }
}
