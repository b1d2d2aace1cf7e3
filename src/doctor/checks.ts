import { type AwsTarget } from '../aws/target.js';
import { COMPOSE_INSTALL_HINT, detectCompose } from '../docker/compose.js';
import { ExitCode, LsvcError } from '../errors.js';
import type { RunOptions, RunResult } from '../exec.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DockerInfo {
  version: string;
  apiVersion: string;
}

export interface AwsIdentity {
  account: string;
  arn: string;
}

/** Everything the checks touch, passed in so tests can fake each one. */
export interface DoctorDeps {
  nodeVersion: string;
  env: NodeJS.ProcessEnv;
  exec: (command: string, args: string[], opts?: RunOptions) => Promise<RunResult>;
  dockerVersion: () => Promise<DockerInfo>;
  /** Profile/region from flags, env and lsvc.yml (resolveAwsTarget). */
  awsTarget: AwsTarget;
  /** The region the SDK finds on its own (~/.aws/config), when none was set explicitly. */
  sdkRegion: (profile: string | undefined) => Promise<string | undefined>;
  awsIdentity: (target: { profile: string | undefined; region: string }) => Promise<AwsIdentity>;
  /** undefined when not inside a service; throws LsvcError when lsvc.yml is invalid. */
  loadConfig: () => Promise<{ file: string; service: string; environments: string[] } | undefined>;
  timeoutMs: number;
}

export interface DoctorReport {
  ok: boolean;
  /** 0, or the exit code of the first failed check (see EXIT_CODE_OF). */
  exitCode: number;
  checks: CheckResult[];
}

// Which documented exit code a failed check stands for.
const EXIT_CODE_OF: Record<string, number> = {
  node: ExitCode.Config,
  git: ExitCode.Config,
  docker: ExitCode.Docker,
  compose: ExitCode.Docker,
  'aws-credentials': ExitCode.Aws,
  'aws-region': ExitCode.Aws,
  config: ExitCode.Config,
};

export const MIN_NODE_MAJOR = 22;

/** Run every check in parallel (each has its own timeout) and collect them in a fixed order. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const region = resolveRegion(deps);
  const checks = await Promise.all([
    checkNode(deps),
    checkGit(deps),
    checkDocker(deps),
    checkCompose(deps),
    region.then((r) => checkAwsCredentials(deps, r)),
    region.then((r) => checkAwsRegion(deps, r)),
    checkConfig(deps),
  ]);
  const failed = checks.find((c) => c.status === 'fail');
  return {
    ok: failed === undefined,
    exitCode: failed ? (EXIT_CODE_OF[failed.id] ?? ExitCode.Unexpected) : ExitCode.Ok,
    checks,
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not answer within ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

const reason = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

export async function checkNode({ nodeVersion }: DoctorDeps): Promise<CheckResult> {
  const major = Number(nodeVersion.split('.')[0]);
  const base = { id: 'node', title: 'Node.js' };
  if (major >= MIN_NODE_MAJOR) return { ...base, status: 'ok', message: nodeVersion };
  return {
    ...base,
    status: 'fail',
    message: `${nodeVersion} is too old; lsvc needs ${MIN_NODE_MAJOR} or newer`,
    fix: 'Install Node.js 24 LTS (e.g. "nvm install 24", or https://nodejs.org).',
  };
}

export async function checkGit(deps: DoctorDeps): Promise<CheckResult> {
  const r = await deps.exec('git', ['--version'], { timeoutMs: deps.timeoutMs });
  const base = { id: 'git', title: 'git' };
  if (r.code === 0) return { ...base, status: 'ok', message: r.stdout.trim().replace(/^git version /, '') };
  return {
    ...base,
    status: 'fail',
    message: 'git is not installed',
    fix: 'Install git: https://git-scm.com/downloads',
  };
}

export async function checkDocker(deps: DoctorDeps): Promise<CheckResult> {
  const base = { id: 'docker', title: 'Docker engine' };
  const where = deps.env.DOCKER_HOST ? `DOCKER_HOST=${deps.env.DOCKER_HOST}` : 'the default socket';
  try {
    const info = await withTimeout(deps.dockerVersion(), deps.timeoutMs, 'The Docker engine');
    return { ...base, status: 'ok', message: `${info.version} (API ${info.apiVersion})` };
  } catch (error) {
    return {
      ...base,
      status: 'fail',
      message: `not reachable at ${where}: ${reason(error)}`,
      fix: deps.env.DOCKER_HOST
        ? 'Start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local one.'
        : 'Start Docker (Docker Desktop, or "sudo systemctl start docker" on Linux).',
    };
  }
}

export async function checkCompose(deps: DoctorDeps): Promise<CheckResult> {
  const base = { id: 'compose', title: 'Docker Compose' };
  // The same detection lsvc dev uses: v2 plugin first, then v1.
  const cli = await detectCompose(deps.exec, deps.timeoutMs);
  if (cli?.major === 2) return { ...base, status: 'ok', message: `v${cli.version} (docker compose)` };
  if (cli) {
    return {
      ...base,
      status: 'warn',
      message: `${cli.version} (docker-compose v1; lsvc works with it)`,
      fix: 'Compose v1 is no longer maintained: install the Compose v2 plugin ("docker compose").',
    };
  }
  return {
    ...base,
    status: 'fail',
    message: 'neither "docker compose" (v2) nor "docker-compose" (v1) found',
    fix: COMPOSE_INSTALL_HINT,
  };
}

interface RegionResult {
  region: string | undefined;
  source: string | undefined;
}

async function resolveRegion(deps: DoctorDeps): Promise<RegionResult> {
  const t = deps.awsTarget;
  if (t.region) return { region: t.region, source: t.regionSource };
  const fromSdk = await withTimeout(deps.sdkRegion(t.profile), deps.timeoutMs, 'AWS config').catch(
    () => undefined,
  );
  return { region: fromSdk, source: fromSdk ? '~/.aws/config' : undefined };
}

// Error names the SDK uses when credentials exist but AWS refuses them.
const REJECTED = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'AccessDenied',
  'AccessDeniedException',
]);

export async function checkAwsCredentials(deps: DoctorDeps, r: RegionResult): Promise<CheckResult> {
  const base = { id: 'aws-credentials', title: 'AWS credentials' };
  const profile = deps.awsTarget.profile;
  const profileNote = profile ? ` (profile ${profile})` : '';
  try {
    // STS answers in every region; us-east-1 when none is set, so the region check reports that alone.
    const id = await withTimeout(
      deps.awsIdentity({ profile, region: r.region ?? 'us-east-1' }),
      deps.timeoutMs,
      'AWS STS',
    );
    return { ...base, status: 'ok', message: `account ${id.account}, ${id.arn}${profileNote}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(reason(error))) {
      return {
        ...base,
        status: 'warn',
        message: `no AWS credentials found${profileNote}; needed for provision and deploy`,
        fix: 'Run "aws configure" (or "aws sso login --profile <name>"), or set AWS_PROFILE.',
      };
    }
    if (REJECTED.has(name)) {
      return {
        ...base,
        status: 'fail',
        message: `AWS rejected the credentials${profileNote}: ${reason(error)}`,
        fix: 'Refresh them ("aws sso login", or new access keys), or pick another --profile.',
      };
    }
    const endpoint = deps.env.AWS_ENDPOINT_URL_STS ?? deps.env.AWS_ENDPOINT_URL;
    return {
      ...base,
      status: 'fail',
      message: `could not check them with STS${endpoint ? ` at ${endpoint}` : ''}: ${reason(error)}`,
      fix: endpoint
        ? 'Check that the endpoint in AWS_ENDPOINT_URL is up, or unset it.'
        : 'Check your network connection and proxy settings.',
    };
  }
}

export async function checkAwsRegion(_deps: DoctorDeps, r: RegionResult): Promise<CheckResult> {
  const base = { id: 'aws-region', title: 'AWS region' };
  if (r.region) return { ...base, status: 'ok', message: `${r.region} (from ${r.source ?? 'AWS config'})` };
  return {
    ...base,
    status: 'warn',
    message: 'no region set; needed for provision and deploy',
    fix: 'Set "region:" in lsvc.yml, or AWS_REGION, or pass --region.',
  };
}

export async function checkConfig(deps: DoctorDeps): Promise<CheckResult> {
  const base = { id: 'config', title: 'lsvc.yml' };
  try {
    const cfg = await deps.loadConfig();
    if (!cfg) return { ...base, status: 'skip', message: 'not inside a service (no lsvc.yml here or above)' };
    return {
      ...base,
      status: 'ok',
      message: `${cfg.file}: service ${cfg.service}, environments ${cfg.environments.join(', ')}`,
    };
  } catch (error) {
    return {
      ...base,
      status: 'fail',
      message: reason(error),
      fix: error instanceof LsvcError && error.hint ? error.hint : 'Fix lsvc.yml.',
    };
  }
}
