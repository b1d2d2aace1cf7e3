import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, envFlag } from '../../src/flags.js';

export default class EnvUnset extends BaseCommand<typeof EnvUnset> {
  static override summary =
    'Remove environment variables (plain or secret) and wait until the environment is Ready.';
  static override description = `Removes the variables from the Elastic Beanstalk environment (a plain property or a secret mapping, whichever it is), then waits until the environment is Ready again. Names that are not set are reported and skipped.

The secret behind a variable is kept unless --secret is given: then the secret lsvc env set made for it (lsvc/<service>/<env>/<KEY>) is scheduled for deletion once the environment no longer uses it, with a 7-day recovery window (undo with "aws secretsmanager restore-secret"). Secrets lsvc did not create (e.g. the database's) are never deleted.

Environments with "confirm: true" in lsvc.yml ask first (--yes answers).

Exit code: 0; 2 for a bad name or an unknown --env; 3 when the environment is not provisioned; 5 for credentials or a denied call (named); 6 the update failed; 7 timed out waiting.`;
  static override examples = [
    { description: 'Remove a variable', command: 'lsvc env unset --env staging FEATURE_X' },
    {
      description: 'Remove a secret variable and delete its secret',
      command: 'lsvc env unset --env staging --secret WEBHOOK_TOKEN',
    },
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'Variable names (several allowed).' }) };
  static override flags = {
    env: envFlag({ required: true }),
    secret: Flags.boolean({
      description: 'Also schedule the deletion of the secrets lsvc env set made for them.',
    }),
    ...awsFlags,
  };

  async run() {
    const { argv } = await this.parse(EnvUnset);
    const names = argv.map(String);
    const { checkName } = await import('../../src/envvars/parse.js');
    const { UsageError, LsvcError } = await import('../../src/errors.js');
    if (!names.length) throw new UsageError('Nothing to unset.', { hint: 'Pass the variable names.' });
    names.forEach(checkName);
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    if (aws.environment.confirm) {
      const question = `Remove ${names.join(', ')} from ${aws.names.environment} (the app restarts)?`;
      if (!(await this.prompter.confirm(question))) throw new LsvcError('Nothing changed: you said no.');
    }
    const { envDeps, envTarget, summarize } = await import('../../src/envvars/cli.js');
    const { unsetVariables } = await import('../../src/envvars/apply.js');
    const { interruptible } = await import('../../src/interrupt.js');
    const result = await interruptible(async (signal) =>
      unsetVariables(await envDeps(aws, { json: false, signal }), envTarget(aws), names, {
        secret: this.flags.secret,
      }),
    );
    summarize(result, this.ui);
  }
}
