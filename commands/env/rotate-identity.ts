import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, envFlag } from '../../src/flags.js';

export default class EnvRotateIdentity extends BaseCommand<typeof EnvRotateIdentity> {
  static override summary = "Replace the environment's service identity key, with an overlap window.";
  static override description = `Generates a new signing key for the environment's service identity and publishes the public keys (JWKS, SSM /lsvc/<env>/<service>/jwks) with both the new and the old key first, then stores the new private key in the secret lsvc/<service>/<env>/identity. The services this one calls fetch its keys again when they see a token with a key id they do not know, so calls keep working throughout.

Instances read the key when they start (Elastic Beanstalk maps LSVC_IDENTITY_KEY from the secret): run lsvc deploy --env <env> after the rotation so that every instance signs with the new key. Until then, and for the overlap (--overlap, default 1h), the old key is still accepted.

After the overlap, run it again with --finish: the old key is removed from the JWKS and the secret, and tokens signed with it are refused. --finish before the overlap has passed is refused unless --force. A second rotation while one is in progress is refused.

Exit code: 0; 2 for a bad --overlap, an unknown --env, a rotation in progress or --finish too early; 3 when the environment has no identity yet (run lsvc provision); 5 for credentials or a denied call (named).`;
  static override examples = [
    {
      description: 'Start a rotation (old key accepted for 1 hour)',
      command: 'lsvc env rotate-identity --env production',
    },
    {
      description: 'Then, after a deploy and the overlap',
      command: 'lsvc env rotate-identity --env production --finish',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    overlap: Flags.string({
      description: 'How long the old key stays accepted (e.g. 30m, 1h, 24h).',
      default: '1h',
      exclusive: ['finish'],
    }),
    finish: Flags.boolean({ description: 'Remove the old key once the overlap has passed.' }),
    force: Flags.boolean({
      description: 'With --finish: remove the old key before the overlap has passed.',
      dependsOn: ['finish'],
    }),
    ...awsFlags,
  };

  async run() {
    const { parseDuration } = await import('../../src/duration.js');
    const overlapMs = this.flags.finish ? 0 : parseDuration(this.flags.overlap, '--overlap');
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const [{ makeClient }, { SecretsManagerClient }, { SSMClient }, rotate] = await Promise.all([
      import('../../src/aws/clients.js'),
      import('@aws-sdk/client-secrets-manager'),
      import('@aws-sdk/client-ssm'),
      import('../../src/identity/rotate.js'),
    ]);
    const deps = {
      secrets: makeClient(SecretsManagerClient, aws.target),
      ssm: makeClient(SSMClient, aws.target),
      now: () => Date.now(),
      output: (line: string) => {
        this.ui.info(line);
      },
    };
    const target = { service: aws.config.service, env: aws.environment.name };
    const result = this.flags.finish
      ? await rotate.finishRotation(deps, target, this.flags.force)
      : await rotate.rotateIdentity(deps, target, overlapMs);
    for (const line of rotate.renderRotation(result, target.env)) this.ui.info(line);
    return result;
  }
}
