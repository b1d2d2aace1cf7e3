// Amazon ECR, the three questions push asks: where is the environment's repository, is this image
// already there, and what is the Docker login. Functions take the client so tests pass a mock.
import type { ECRClient } from '@aws-sdk/client-ecr';

import { ConfigError, LsvcError } from '../errors.js';
import { classifyAwsError } from './errors.js';

/** The part of ECRClient used here (send), so tests can pass aws-sdk-client-mock's or a fake. */
export type Ecr = Pick<ECRClient, 'send'>;

export interface EcrRepository {
  name: string;
  uri: string;
  registryId: string | undefined;
  /** IMMUTABLE repositories refuse to move an existing tag. */
  tagMutability: string | undefined;
}

export interface EcrLogin {
  username: string;
  password: string;
  /** Registry endpoint, e.g. https://123456789012.dkr.ecr.eu-west-1.amazonaws.com. */
  serveraddress: string;
}

export interface RemoteImage {
  digest: string;
  /** The manifest's config digest: equals the local image id when it is the same image. */
  configDigest: string | undefined;
}

/** Where the error came from, for messages. */
export interface EcrWhere {
  environment: string;
  region: string;
}

/**
 * The repository, or ConfigError (exit 3) pointing to `lsvc provision` when it does not exist;
 * credential / permission failures are AwsError (exit 5).
 */
export async function findRepository(ecr: Ecr, name: string, where: EcrWhere): Promise<EcrRepository> {
  const { DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  try {
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    const repo = out.repositories?.find((r) => r.repositoryName === name) ?? out.repositories?.[0];
    if (!repo?.repositoryUri) throw notFound(name, where);
    return {
      name,
      uri: repo.repositoryUri,
      registryId: repo.registryId,
      tagMutability: repo.imageTagMutability,
    };
  } catch (error) {
    if (error instanceof LsvcError) throw error;
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') throw notFound(name, where);
    throw ecrError(error, 'ecr:DescribeRepositories');
  }
}

function notFound(name: string, where: EcrWhere): ConfigError {
  return new ConfigError(
    `The ECR repository "${name}" of environment "${where.environment}" does not exist (region ${where.region}).`,
    {
      hint: `Run "lsvc provision --env ${where.environment}" to create it (or set ecrRepository for this environment in lsvc.yml if it has another name).`,
    },
  );
}

/**
 * The image ECR holds under `tag`, or undefined when there is none. When this cannot be told
 * (ecr:BatchGetImage not allowed), also undefined: push then finds out layer by layer.
 */
export async function findRemoteImage(
  ecr: Ecr,
  repo: EcrRepository,
  tag: string,
  debug: (line: string) => void = () => undefined,
): Promise<RemoteImage | undefined> {
  const { BatchGetImageCommand } = await import('@aws-sdk/client-ecr');
  let out;
  try {
    out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: repo.name,
        ...(repo.registryId ? { registryId: repo.registryId } : {}),
        imageIds: [{ imageTag: tag }],
        acceptedMediaTypes: [
          'application/vnd.docker.distribution.manifest.v2+json',
          'application/vnd.oci.image.manifest.v1+json',
        ],
      }),
    );
  } catch (error) {
    if (((error as { name?: string }).name ?? '').startsWith('AccessDenied')) {
      debug(`cannot check ECR for ${tag} (${(error as Error).message}); pushing`);
      return undefined;
    }
    throw ecrError(error, 'ecr:BatchGetImage');
  }
  const image = out.images?.[0];
  const digest = image?.imageId?.imageDigest;
  if (!image || !digest) return undefined;
  return { digest, configDigest: configDigestOf(image.imageManifest) };
}

/** `config.digest` of an image manifest (undefined for an index or anything unexpected). */
export function configDigestOf(manifest: string | undefined): string | undefined {
  if (!manifest) return undefined;
  try {
    const parsed = JSON.parse(manifest) as { config?: { digest?: unknown } };
    return typeof parsed.config?.digest === 'string' ? parsed.config.digest : undefined;
  } catch {
    return undefined;
  }
}

/** Docker login for the registry: GetAuthorizationToken's base64 "AWS:password". */
export async function ecrLogin(ecr: Ecr): Promise<EcrLogin> {
  const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  let out;
  try {
    // One token opens every registry the credentials may use (registryIds is deprecated).
    out = await ecr.send(new GetAuthorizationTokenCommand({}));
  } catch (error) {
    throw ecrError(error, 'ecr:GetAuthorizationToken');
  }
  const data = out.authorizationData?.[0];
  const decoded = data?.authorizationToken
    ? Buffer.from(data.authorizationToken, 'base64').toString('utf8')
    : '';
  const colon = decoded.indexOf(':');
  if (!data?.proxyEndpoint || colon <= 0) {
    throw new LsvcError('ECR answered GetAuthorizationToken without a usable login.', {
      hint: 'Try again; if it persists, check the AWS endpoint you use (AWS_ENDPOINT_URL).',
    });
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    serveraddress: data.proxyEndpoint,
  };
}

/** Classified as every AWS error (errors.ts); anything unrecognised still one clear line (exit 1). */
export function ecrError(error: unknown, action: string): LsvcError {
  const mapped = classifyAwsError(error, { action });
  if (mapped instanceof LsvcError) return mapped;
  const message = (error as { message?: string }).message ?? String(error);
  return new LsvcError(`ECR request failed (${action}): ${message}`, {
    hint: 'Check the network, the region and AWS_ENDPOINT_URL if you set it; --verbose shows the cause.',
    cause: error,
  });
}

/**
 * The region to talk to ECR in: flag / env / lsvc.yml (src/aws/target.ts), else the SDK's own
 * (the profile's region in ~/.aws/config). None at all is a configuration error (exit 3).
 */
export async function regionOrSdkDefault(
  region: string | undefined,
  profile: string | undefined,
): Promise<string> {
  if (region) return region;
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient(profile ? { profile } : {});
  try {
    const found = await client.config.region();
    if (found) return found;
  } catch {
    // no region anywhere: below
  } finally {
    client.destroy();
  }
  throw new ConfigError('No AWS region is set for ECR.', {
    hint: 'Set "region" in lsvc.yml (top level or for the environment), AWS_REGION, or pass --region.',
  });
}
