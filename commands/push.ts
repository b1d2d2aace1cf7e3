import { dirname } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class Push extends BaseCommand<typeof Push> {
  static override summary = "Push the service's image to the environment's ECR repository.";
  static override description = `Pushes the local image <service>:<tag> to the environment's Amazon ECR repository (ecrRepository in lsvc.yml, default: the service name) under the same tag. The tag is the one "lsvc build" gives the current commit (--tag picks another); --build builds it first.

When ECR already holds this image under the tag, nothing is transferred ("already in ECR"). Otherwise lsvc logs in with ecr:GetAuthorizationToken and pushes with per-layer progress; layers the registry has are not sent again. Transient registry errors are retried twice, with back-off.

Exit codes: 2 for an unknown --env; 3 when the ECR repository does not exist (create it with "lsvc provision --env E") or no region is set; 4 when Docker is not reachable, the image is not built, or the push fails; 5 for AWS credentials or permissions (also a login the registry refuses).`;
  static override examples = [
    { description: 'Push the image of the current commit', command: 'lsvc push --env staging' },
    { description: 'Build, then push', command: 'lsvc push --env staging --build' },
    {
      description: 'Another local tag, another AWS profile',
      command: 'lsvc push --env production --tag 3f9c2a1b4d5e --profile prod',
    },
    { description: 'For scripts: the result as JSON', command: 'lsvc push --env staging --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    tag: Flags.string({
      char: 't',
      description:
        'Local tag of <service> to push (default: the current commit\'s, as "lsvc build" tags it).',
      helpValue: '<tag>',
    }),
    build: Flags.boolean({ description: 'Run "lsvc build" first, then push what it built.' }),
    ...awsFlags,
  };

  async run() {
    const { loadServiceConfig, getEnvironment, ecrRepositoryName } = await import('../src/config/resolve.js');
    const { resolveAwsTarget } = await import('../src/aws/target.js');
    const { makeClient } = await import('../src/aws/clients.js');
    const { findRepository, regionOrSdkDefault } = await import('../src/aws/ecr.js');
    const { ECRClient } = await import('@aws-sdk/client-ecr');
    const { readGitState } = await import('../src/git.js');
    const { imageTagFor, isValidTag } = await import('../src/docker/image-name.js');
    const { buildService, readDockerfile, readPackageVersion } = await import('../src/docker/build.js');
    const { interruptible } = await import('../src/interrupt.js');
    const { pushToEcr, requireLocalImage } = await import('../src/docker/push.js');
    const { connectDocker } = await import('../src/docker/client.js');
    const { runSteps } = await import('../src/progress.js');
    const { UsageError } = await import('../src/errors.js');
    const { isCI } = await import('../src/ui.js');

    const config = await loadServiceConfig(process.cwd());
    const environment = getEnvironment(config, this.flags.env);
    const serviceDir = dirname(config.file);
    const repositoryName = ecrRepositoryName(config, environment);
    const json = this.jsonEnabled();

    if (this.flags.tag !== undefined && !isValidTag(this.flags.tag)) {
      throw new UsageError(`Invalid image tag "${this.flags.tag}".`, {
        hint: 'A tag is letters, digits, "_", "." and "-" (at most 128), e.g. 3f9c2a1b4d5e.',
      });
    }
    if (this.flags.tag !== undefined && this.flags.build) {
      throw new UsageError('--tag and --build do not go together.', {
        hint: "--build pushes what it builds (the current commit's tag); --tag pushes an image you built before.",
      });
    }
    const git = this.flags.tag === undefined ? await readGitState(serviceDir) : undefined;
    let tag = this.flags.tag;
    if (git && !this.flags.build) {
      if (!git.repo) {
        throw new UsageError(`No git commit to find the image by (${git.reason}).`, {
          hint: 'Pass --tag <tag> (as "lsvc build" printed it), or --build to build and push in one go.',
        });
      }
      const named = imageTagFor(git);
      if (named.warning)
        this.ui.warn(`Pushing ${config.service}:${named.tag}, built from uncommitted changes.`);
      tag = named.tag;
    }
    if (this.flags.build) await readDockerfile(serviceDir);

    const docker = await connectDocker();
    const { region: wanted, profile } = resolveAwsTarget({
      flags: this.flags,
      env: process.env,
      config: { region: environment.region, profile: environment.profile },
    });
    // Without --build the image must exist: say so before asking AWS anything.
    let image = tag === undefined ? undefined : await requireLocalImage(docker, `${config.service}:${tag}`);
    const region = await regionOrSdkDefault(wanted, profile);
    const ecr = makeClient(ECRClient, { region, profile });
    const progress = { json };

    const result = await interruptible(async (signal) => {
      let repository: Awaited<ReturnType<typeof findRepository>> | undefined;
      await runSteps(
        [
          {
            title: `Find ECR repository ${repositoryName} (${region})`,
            run: async (step) => {
              repository = await findRepository(ecr, repositoryName, {
                environment: environment.name,
                region,
              });
              step.title(`ECR repository ${repository.uri}`);
            },
          },
        ],
        { ...progress, signal },
      );
      if (!repository) throw new Error('no repository');
      if (this.flags.build && git) {
        const built = await buildService(docker, {
          service: config.service,
          serviceDir,
          git,
          packageVersion: await readPackageVersion(serviceDir),
          signal,
          progress,
          showOutput: this.flags.verbose || (process.stdout.isTTY && !isCI(process.env)),
          onWarning: (w) => {
            this.ui.warn(w);
          },
        });
        tag = built.tag;
        image = { ref: built.image, id: built.id };
      }
      if (!image || tag === undefined) throw new Error('no image to push');
      return pushToEcr({
        docker,
        ecr,
        repository,
        image,
        tag,
        progress,
        signal,
        debug: (line) => {
          this.ui.debug(line);
        },
      });
    });

    const { paint } = this.ui;
    const { formatBytes } = await import('../src/docker/build.js');
    this.ui.info();
    if (result.pushed) {
      this.ui.info(paint.green(`Pushed ${result.image} to ${result.repository}:${result.tag}`));
      this.ui.info(
        `  layers  ${result.layers.pushed} pushed (${formatBytes(result.bytesPushed)}), ${result.layers.existed} already there`,
      );
    } else {
      this.ui.info(paint.green(`${result.repository}:${result.tag} is already in ECR: nothing to push.`));
    }
    this.ui.info(`  digest  ${result.digest}`);
    return {
      repository: result.repository,
      tag: result.tag,
      digest: result.digest,
      pushed: result.pushed,
      layers: result.layers,
      bytesPushed: result.bytesPushed,
    };
  }
}
