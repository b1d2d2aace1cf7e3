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
  const [{ STSClient, GetCallerIdentityCommand }, { makeClient }] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('../aws/clients.js'),
  ]);
  // One attempt with short timeouts: doctor must answer fast even when AWS is unreachable.
  const client = makeClient(STSClient, target, {
    maxAttempts: 1,
    timeouts: { connectMs: timeoutMs, requestMs: timeoutMs, callMs: timeoutMs },
  });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { account: out.Account ?? '?', arn: out.Arn ?? '?' };
  } finally {
    client.destroy();
  }
}
