// Build the service's image from its folder and push it to ECR under the release's tag, with
// the same code as "lsvc build" and "lsvc push" (src/docker/build.ts, src/docker/push.ts).
import type { Ecr, EcrRepository } from '../aws/ecr.js';
import type { Ui } from '../ui.js';

export interface BuildAndPushRequest {
  ecr: Ecr;
  repository: EcrRepository;
  service: string;
  /** The service's folder (where lsvc.yml and the Dockerfile are). */
  serviceDir: string;
  /** The tag to push (the version label): usually what the build tags, --version otherwise. */
  tag: string;
  ui: Ui;
  json: boolean;
  signal?: AbortSignal | undefined;
}

export async function buildAndPushImage(req: BuildAndPushRequest): Promise<void> {
  const { connectDocker } = await import('../docker/client.js');
  const { buildService, readDockerfile, readPackageVersion } = await import('../docker/build.js');
  const { pushToEcr } = await import('../docker/push.js');
  const { readGitState } = await import('../git.js');
  const { isCI } = await import('../ui.js');

  await readDockerfile(req.serviceDir);
  const docker = await connectDocker();
  const progress = { json: req.json };
  const built = await buildService(docker, {
    service: req.service,
    serviceDir: req.serviceDir,
    git: await readGitState(req.serviceDir),
    packageVersion: await readPackageVersion(req.serviceDir),
    ...(req.signal ? { signal: req.signal } : {}),
    progress,
    showOutput: req.ui.verbose || (process.stdout.isTTY && !isCI(process.env)),
    // deploy already warned about a dirty tree.
    onWarning: (w) => {
      req.ui.debug(w);
    },
  });
  await pushToEcr({
    docker,
    ecr: req.ecr,
    repository: req.repository,
    image: { ref: built.image, id: built.id },
    tag: req.tag,
    progress,
    ...(req.signal ? { signal: req.signal } : {}),
    debug: (line) => {
      req.ui.debug(line);
    },
  });
}
