// The moto test bed (../shared/testbed/aws-up), shared by the suites that talk to it: where it is
// (LSVC_TEST_MOTO_URL, default http://127.0.0.1:4566), the environment and SDK settings that point
// at it, names no other run uses, and a start when it is down. moto's state is shared with the
// other developers' runs: always use unique names (uniqueSuffix) and clean up.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const MOTO_URL = process.env.LSVC_TEST_MOTO_URL ?? 'http://127.0.0.1:4566';
export const MOTO_REGION = 'us-east-1';

/** What the built binary (or an in-process client reading the environment) needs to reach moto. */
export const MOTO_ENV = {
  AWS_ENDPOINT_URL: MOTO_URL,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: MOTO_REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** For `new XClient(MOTO_SDK)` in tests. */
export const MOTO_SDK = {
  region: MOTO_REGION,
  endpoint: MOTO_URL,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/** A short suffix for names (services, buckets, parameters) no other run uses. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

export async function motoUp(url = MOTO_URL): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * For beforeAll: the shared moto is started when it is down (the test bed's own script); a moto
 * elsewhere (LSVC_TEST_MOTO_URL) must be up already. Fails loudly otherwise.
 */
export async function ensureMoto(): Promise<void> {
  if (await motoUp()) return;
  if (process.env.LSVC_TEST_MOTO_URL) {
    throw new Error(`moto is not answering at ${MOTO_URL} (LSVC_TEST_MOTO_URL)`);
  }
  execFileSync('/work/shared/testbed/aws-up', { stdio: 'ignore', timeout: 600_000 });
  if (!(await motoUp())) throw new Error(`moto is not running on ${MOTO_URL}: run ../shared/testbed/aws-up`);
}

/**
 * Point this process's SDK clients at moto (they read AWS_ENDPOINT_URL and the keys), for
 * beforeAll; returns the function that puts the environment back, for afterAll.
 */
export function useMotoEnv(): () => void {
  const saved = Object.fromEntries(Object.keys(MOTO_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, MOTO_ENV);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
}
