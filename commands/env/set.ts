import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, envFlag, lockFlags } from '../../src/flags.js';

export default class EnvSet extends BaseCommand<typeof EnvSet> {
  static override summary = 'Set environment variables (or secrets) and wait until the environment is Ready.';
  static override description = `Sets Elastic Beanstalk environment properties, then waits for the environment update (progress shown) until it is Ready again; exit 6 when Elastic Beanstalk reports the update failed (it keeps the previous configuration).

--secret stores each value in Secrets Manager as lsvc/<service>/<env>/<KEY> (created, or a new value put into it; tagged) and maps the variable to it (aws:elasticbeanstalk:application:environmentsecrets), replacing a plain property of the same name. The value never goes to Elastic Beanstalk nor to the screen. When only a secret's value changes, the app is restarted so that it reads it (Elastic Beanstalk fetches secrets when the app starts). To keep a secret out of your shell history, pipe it: give the KEY alone.

Environments with "confirm: true" in lsvc.yml ask first (--yes answers).

It takes the environment's deploy lock like deploy and rollback: refused at once while one of them (or another env set) runs there; --force-unlock removes a stale lock.

Exit code: 0; 2 for a bad name or argument, or an unknown --env; 3 when the environment is not provisioned; 5 for credentials, a denied call (named) or AWS unreachable; 6 the update failed; 7 timed out waiting (the update may still run); 9 another run holds the environment's lock; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP (after the update was sent, it is aborted: the previous configuration stays).`;
  static override examples = [
    { description: 'Plain values', command: 'lsvc env set --env staging LOG_LEVEL=debug FEATURE_X=true' },
    {
      description: 'A secret read from stdin (a file or a pipe), so it stays out of the shell history',
      command: 'lsvc env set --env production --secret STRIPE_KEY < stripe-key.txt',
    },
    {
      description: 'A secret given inline',
      command: 'lsvc env set --env staging --secret WEBHOOK_TOKEN=s3cr3t',
    },
  ];
  static override strict = false;
  static override args = {
    assignment: Args.string({
      description: 'KEY=VALUE (several allowed); a lone KEY takes its value from stdin.',
    }),
  };
  static override flags = {
    env: envFlag({ required: true }),
    secret: Flags.boolean({ description: 'Store the values in Secrets Manager and map them.' }),
    ...lockFlags,
    ...awsFlags,
  };

  async run() {
    const { argv } = await this.parse(EnvSet);
    const args = argv.map(String);
    const { parseAssignments } = await import('../../src/envvars/parse.js');
    const { readStdin, envDeps, envTarget, summarize } = await import('../../src/envvars/cli.js');
    const bare = args.filter((a) => !a.includes('='));
    const piped = bare.length === 1 && !process.stdin.isTTY ? await readStdin() : undefined;
    const assignments = parseAssignments(args, piped);

    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    if (aws.environment.confirm) {
      const question = `Change ${aws.names.environment}'s variables (the app restarts)?`;
      if (!(await this.prompter.confirm(question))) {
        const { LsvcError } = await import('../../src/errors.js');
        throw new LsvcError('Nothing changed: you said no.');
      }
    }
    const { setVariables } = await import('../../src/envvars/apply.js');
    const { interruptible } = await import('../../src/interrupt.js');
    const { underDeployLock } = await import('../../src/deploy/lock-command.js');
    const result = await underDeployLock(
      {
        target: aws.target,
        service: aws.config.service,
        environment: this.flags.env,
        command: 'env set',
        version: `variables ${assignments.map((a) => a.name).join(', ')}`,
        ttlMs: 3_600_000,
        forceUnlock: this.flags['force-unlock'],
        yes: this.flags.yes,
        prompter: this.prompter,
        ui: this.ui,
      },
      async () =>
        interruptible(async (signal) =>
          setVariables(await envDeps(aws, { json: false, signal }), envTarget(aws), assignments, {
            secret: this.flags.secret,
          }),
        ),
    );
    summarize(result, this.ui);
  }
}
