// The docker-compose.yml of the Elastic Beanstalk source bundle (Docker on Amazon Linux 2023):
// web and worker as two services of the same ECR image. EB writes the environment's properties
// (and secrets) to `.env` next to this file; compose hands them to both containers.
import { stringify } from 'yaml';

import { UsageError } from '../errors.js';

/** What the service template's image listens on (service-template/src/config.ts PORT). */
export const CONTAINER_PORT = 3000;
/** EB's load balancer sends traffic to port 80 of the instance (no nginx with compose). */
export const HOST_PORT = 80;
/**
 * Docker's SIGTERM -> SIGKILL delay. The template drains and stops within SHUTDOWN_TIMEOUT_MS
 * (25 s); the grace must be longer so that in-flight requests and jobs finish.
 */
export const STOP_GRACE_SECONDS = 35;

export interface BundleInput {
  /** ECR repository URI without a tag: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api */
  repositoryUri: string;
  /** The image tag (git sha12, optionally -dirty). */
  version: string;
}

// Docker's reference grammar, simplified: a registry host, a path, no tag or digest.
const REPOSITORY_URI = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function checkBundleInput({ repositoryUri, version }: BundleInput): void {
  if (!REPOSITORY_URI.test(repositoryUri)) {
    throw new UsageError(`"${repositoryUri}" is not an image repository URI.`, {
      hint: 'Expected <registry>/<name> without a tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api.',
    });
  }
  if (!IMAGE_TAG.test(version)) {
    throw new UsageError(`"${version}" is not a valid image tag.`, {
      hint: 'Use letters, digits, _, . and - (at most 128 characters), e.g. a git sha.',
    });
  }
}

const HEADER = `# Made by "lsvc bundle": the Elastic Beanstalk source bundle of one release. Do not edit;
# "lsvc deploy" and the pipeline make it again for every version.
# Elastic Beanstalk writes the environment's properties and secrets to .env next to this file.
`;

/** The compose file's text; the same input always gives the same bytes. */
export function composeFile(input: BundleInput): string {
  checkBundleInput(input);
  const image = `${input.repositoryUri}:${input.version}`;
  const common = {
    image,
    env_file: '.env',
    restart: 'unless-stopped',
    stop_grace_period: `${STOP_GRACE_SECONDS}s`,
    // json-file: EB reads container logs through Docker for log streaming and bundle logs.
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } },
  };
  const doc = {
    services: {
      web: {
        ...common,
        command: ['web'],
        ports: [`${HOST_PORT}:${CONTAINER_PORT}`],
        // Pinned: a PORT property in the environment must not break the port mapping.
        environment: { PORT: String(CONTAINER_PORT) },
      },
      worker: { ...common, command: ['worker'] },
    },
  };
  return HEADER + stringify(doc, { lineWidth: 0 });
}
