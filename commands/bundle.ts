import { resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class Bundle extends BaseCommand<typeof Bundle> {
  static override summary = 'Write the Elastic Beanstalk source bundle of a version (what deploy uploads).';
  static override description = `Makes the zip that "lsvc deploy" uploads: a docker-compose.yml for Elastic Beanstalk's Docker platform (Amazon Linux 2023) running web and worker as two services of the image <repository>:<version>, port 80 to 3000, the environment's properties from .env, a 35 s stop grace period. The same version gives the same bytes on every machine, so a pipeline (CodeBuild) and a laptop deploy the same thing.

The repository URI comes from ECR (the service's repository, in the environment's region) unless --repository-uri gives it (then no AWS call is made).

Exit codes: 0; 2 bad flags or unknown environment; 3 no ECR repository (run "lsvc provision"); 5 AWS credentials or permissions.`;
  static override examples = [
    {
      description: 'The bundle of a version, repository looked up in ECR',
      command: 'lsvc bundle --env staging --version 3f9c2a1b7d4e --out bundle.zip',
    },
    {
      description: 'In CodeBuild, with the repository known (no AWS call)',
      command:
        'lsvc bundle --env staging --version "$IMAGE_TAG" --repository-uri "$ECR_REPOSITORY_URI" --out bundle.zip',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    version: Flags.string({ description: 'Image tag (and version label).', required: true }),
    out: Flags.string({
      char: 'o',
      description: 'Where to write the zip.',
      required: true,
      helpValue: '<file>',
    }),
    'repository-uri': Flags.string({
      description: 'ECR repository URI without a tag (default: looked up in ECR).',
      helpValue: '<uri>',
    }),
    ...awsFlags,
  };

  async run() {
    const { writeFile } = await import('node:fs/promises');
    const { buildBundle, checkBundleInput } = await import('../src/bundle/index.js');
    let uri = this.flags['repository-uri'];
    if (uri) {
      const { loadServiceConfig, getEnvironment } = await import('../src/config/resolve.js');
      getEnvironment(await loadServiceConfig(process.cwd()), this.flags.env);
    } else {
      const { loadAwsEnvironment } = await import('../src/aws/environment.js');
      const { makeClient } = await import('../src/aws/clients.js');
      const { ECRClient } = await import('@aws-sdk/client-ecr');
      const { findRepository } = await import('../src/aws/ecr.js');
      const aws = await loadAwsEnvironment(this.flags.env, this.flags);
      // Bad input first, before any AWS call.
      checkBundleInput({ repositoryUri: 'registry.example/x', version: this.flags.version });
      const ecr = makeClient(ECRClient, aws.target);
      uri = (
        await findRepository(ecr, aws.names.repository, {
          environment: this.flags.env,
          region: aws.target.region,
        })
      ).uri;
    }
    const bundle = await buildBundle({ repositoryUri: uri, version: this.flags.version });
    const out = resolve(this.flags.out);
    await writeFile(out, bundle.zip);
    this.ui.info(
      `Wrote ${this.flags.out} (${bundle.zip.length} bytes, sha256 ${bundle.sha256}): ${bundle.files.join(', ')}`,
    );
    this.ui.info(`  image ${uri}:${this.flags.version} (web, worker)`);
    return {
      out,
      image: `${uri}:${this.flags.version}`,
      sha256: bundle.sha256,
      bytes: bundle.zip.length,
      files: bundle.files,
    };
  }
}
