import { Flags } from '@oclif/core';

// Flag sets shared by commands. Spread them into a command's `static flags`.

/** On every command (BaseCommand.baseFlags). */
export const globalFlags = {
  verbose: Flags.boolean({
    description: 'Print debug lines, and stack traces on errors.',
    helpGroup: 'GLOBAL',
  }),
  yes: Flags.boolean({
    char: 'y',
    description: 'Never prompt: answer yes to confirmations (implied in CI without a terminal).',
    helpGroup: 'GLOBAL',
  }),
  color: Flags.boolean({
    description: 'Colour the output. --no-color (or NO_COLOR=1) turns it off.',
    allowNo: true,
    default: true,
    helpGroup: 'GLOBAL',
  }),
};

/**
 * For commands that talk to AWS. Precedence (see src/aws/target.ts): flag, then AWS_PROFILE /
 * AWS_REGION, then lsvc.yml (environment, then top level), then the SDK's own shared config.
 */
export const awsFlags = {
  profile: Flags.string({
    description: 'AWS profile to use (default: AWS_PROFILE, then lsvc.yml).',
    helpGroup: 'AWS',
  }),
  region: Flags.string({
    description: 'AWS region to use (default: AWS_REGION, then lsvc.yml).',
    helpGroup: 'AWS',
  }),
};

/** `--env E`: an environment from lsvc.yml. Call as envFlag() or envFlag({ required: true }). */
export const envFlag = Flags.custom({
  char: 'e',
  description: 'Environment from lsvc.yml (e.g. staging, production).',
  helpValue: '<name>',
});

/** For commands that change an environment under its deploy lock (src/deploy/lock.ts). */
export const lockFlags = {
  'force-unlock': Flags.boolean({
    description:
      "Remove the environment's deploy lock first (left by a run that crashed): asks at a terminal, --yes without one.",
  }),
};

/** `--cost` / `--no-cost`: the estimated monthly cost from the AWS Price List API. */
export const costFlag = {
  cost: Flags.boolean({
    description:
      'Show the estimated monthly cost per resource (AWS Price List API, cached a day). --no-cost skips the lookup.',
    allowNo: true,
    default: true,
  }),
};
