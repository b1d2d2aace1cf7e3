// The real implementations behind DoctorDeps. dockerode and the AWS SDK are imported here, lazily,
// so that only `lsvc doctor` pays for them.
import type { AwsIdentity, DockerInfo } from './checks.js';

export async function dockerVersion(timeoutMs: number): Promise<DockerInfo> {
  const { default: Docker } = await import('dockerode');
  // DOCKER_HOST (unix, tcp, ssh, npipe) and Docker Desktop's socket are handled by docker-modem.
  const docker = new Docker({ timeout: timeoutMs });
  const v = await docker.version();
  return { version: v.Version, apiVersion: v.ApiVersion };
}

export async function sdkRegion(profile: string | undefined): Promise<string | undefined> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient(profile ? { profile } : {});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

export async function awsIdentity(
  target: { profile: string | undefined; region: string },
  timeoutMs: number,
): Promise<AwsIdentity> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region: target.region,
    ...(target.profile ? { profile: target.profile } : {}),
    // One attempt with short timeouts: doctor must answer fast even when AWS is unreachable.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort();
  }, timeoutMs);
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: abort.signal });
    return { account: out.Account ?? '?', arn: out.Arn ?? '?' };
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
