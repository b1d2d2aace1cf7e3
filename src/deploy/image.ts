// "Build and push when the version is not in ECR yet", behind a small interface so deploy does
// not depend on how images are built (src/docker/ build + push) and tests use fakes.
import { type Ecr, type EcrRepository, findRemoteImage } from '../aws/ecr.js';

export interface ImagePublisher {
  /** Is `<repository>:<tag>` in the registry? */
  exists(tag: string): Promise<boolean>;
  /** Build the image from the working tree and push it as `<repository>:<tag>`. */
  buildAndPush(tag: string, signal?: AbortSignal): Promise<void>;
}

/** Publishes to ECR: `exists` asks ECR; building and pushing is the given function's job. */
export function ecrPublisher(opts: {
  ecr: Ecr;
  repository: EcrRepository;
  buildAndPush: (tag: string, signal?: AbortSignal) => Promise<void>;
  debug?: (line: string) => void;
}): ImagePublisher {
  return {
    exists: async (tag) => (await findRemoteImage(opts.ecr, opts.repository, tag, opts.debug)) !== undefined,
    buildAndPush: opts.buildAndPush,
  };
}
