import { dirname } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';

export default class Build extends BaseCommand<typeof Build> {
  static override summary = "Build the service's Docker image, tagged with the git commit.";
  static override description = `Builds the Dockerfile next to lsvc.yml through the Docker engine (the build context filtered by .dockerignore, as Docker does), by default to its last stage (the production image).

Tags: <service>:<first 12 characters of the HEAD commit> and <service>:latest. With uncommitted changes the tag ends in "-dirty" (and a warning says so); outside a git repository it is <service>:dev-<UTC time>. Another stage (--target test) is tagged <service>:<tag>-<stage> only, so it never takes the production image's tags. The image gets the OCI labels title, created, version, revision and source (the git remote), and the build args GIT_SHA and VERSION (<package.json version>+<tag>).

Shows each step and whether it came from the cache; a failing step is shown with its command and its last output lines. Prints the image id, size and build time.

Exit codes: 4 when Docker is not reachable, there is no Dockerfile, or the build fails; 3 outside a service (no lsvc.yml); 2 for an unknown --target.`;
  static override examples = [
    { description: 'Build the production image', command: 'lsvc build' },
    {
      description: 'From scratch, without the layer cache',
      command: 'lsvc build --no-cache',
    },
    {
      description: 'Another stage, with an extra tag',
      command: 'lsvc build --target test --tag ci',
    },
    { description: 'For scripts: the result as JSON', command: 'lsvc build --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    'no-cache': Flags.boolean({ description: 'Build every step again (no layer cache).' }),
    target: Flags.string({
      description: 'Dockerfile stage to build (default: the last one).',
      helpValue: '<stage>',
    }),
    tag: Flags.string({
      char: 't',
      description: 'Extra tag: "v1.2" (as <service>:v1.2) or a full "name:tag". Repeatable.',
      multiple: true,
      helpValue: '<tag>',
    }),
    label: Flags.string({
      description: 'Extra image label "key=value". Repeatable.',
      multiple: true,
      helpValue: '<key=value>',
    }),
  };

  async run() {
    const { loadServiceConfig } = await import('../src/config/resolve.js');
    const { readGitState } = await import('../src/git.js');
    const { parseTagFlag } = await import('../src/docker/image-name.js');
    const { readDockerfile, buildService, formatBytes, formatDuration, parseLabels, readPackageVersion } =
      await import('../src/docker/build.js');
    const { interruptible } = await import('../src/interrupt.js');
    const { connectDocker } = await import('../src/docker/client.js');
    const { isCI } = await import('../src/ui.js');

    const config = await loadServiceConfig(process.cwd());
    const serviceDir = dirname(config.file);
    const extraTags = (this.flags.tag ?? []).map((t) => parseTagFlag(t, config.service));
    const extraLabels = parseLabels(this.flags.label ?? []);
    // No Dockerfile is known before talking to Docker.
    await readDockerfile(serviceDir);
    const git = await readGitState(serviceDir);
    const packageVersion = await readPackageVersion(serviceDir);
    const docker = await connectDocker();

    const result = await interruptible((signal) =>
      buildService(docker, {
        service: config.service,
        serviceDir,
        git,
        packageVersion,
        noCache: this.flags['no-cache'],
        target: this.flags.target,
        extraTags,
        extraLabels,
        signal,
        progress: { json: this.jsonEnabled() },
        showOutput: this.flags.verbose || (process.stdout.isTTY && !isCI(process.env)),
        onWarning: (w) => {
          this.ui.warn(w);
        },
      }),
    );

    const { paint } = this.ui;
    this.ui.info();
    this.ui.info(paint.green(`Built ${result.image}`));
    this.ui.info(`  tags   ${result.tags.join(', ')}`);
    this.ui.info(`  id     ${result.id}`);
    this.ui.info(`  size   ${formatBytes(result.sizeBytes)}`);
    this.ui.info(
      `  time   ${formatDuration(result.durationMs)} (${result.cached.steps} steps, ${result.cached.hits} from cache)`,
    );
    return {
      image: result.image,
      tags: result.tags,
      id: result.id,
      sizeBytes: result.sizeBytes,
      durationMs: result.durationMs,
      cached: result.cached,
    };
  }
}
