// Plumbing of the preview commands: which base environment and region, the preview's name (from
// the flags, the CI's variables or the branch), the clients, and the deploy's dependencies (the
// same as `lsvc deploy`'s: src/deploy/cli.ts, image.ts, build-push.ts).
import { dirname } from 'node:path';

import { loadAwsEnvironment } from '../aws/environment.js';
import type { ResolvedConfig } from '../config/schema.js';
import { loadServiceConfig } from '../config/resolve.js';
import { runProcess } from '../exec.js';
import { UsageError } from '../errors.js';
import { interruptOnSigint } from '../deploy/cli.js';
import { systemClock } from '../clock.js';
import type { PreviewDownDeps } from './down.js';
import { previewName, type PreviewName } from './names.js';
import { DEFAULT_BASE } from './settings.js';

/** --from-env, else lsvc.yml previews.from, else staging (else the only environment). */
export function baseEnvironmentName(config: ResolvedConfig, flag: string | undefined): string {
  const names = Object.keys(config.environments);
  const wanted = flag ?? config.previews?.from;
  if (wanted) return wanted;
  if (names.includes(DEFAULT_BASE)) return DEFAULT_BASE;
  if (names.length === 1 && names[0]) return names[0];
  throw new UsageError('Which environment should the preview borrow its database and Redis from?', {
    hint: `Pass --from-env (one of ${names.join(', ')}) or set previews.from in lsvc.yml.`,
  });
}

/** The checked-out branch (undefined when detached or not a repository). */
export async function currentBranch(dir: string): Promise<string | undefined> {
  const out = await runProcess('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir, timeoutMs: 10_000 });
  const branch = out.code === 0 ? out.stdout.trim() : '';
  return branch && branch !== 'HEAD' ? branch : undefined;
}

export interface PreviewTarget {
  aws: Awaited<ReturnType<typeof loadAwsEnvironment>>;
  base: string;
  name: PreviewName;
  branch: string | undefined;
  dir: string;
}

export async function previewTarget(flags: {
  name?: string | undefined;
  pr?: string | undefined;
  'from-env'?: string | undefined;
  profile?: string | undefined;
  region?: string | undefined;
}): Promise<PreviewTarget> {
  const config = await loadServiceConfig(process.cwd());
  const dir = dirname(config.file);
  const head = process.env.GITHUB_HEAD_REF?.trim();
  const branch = head !== undefined && head !== '' ? head : await currentBranch(dir);
  // The name first: a name that cannot fit fails before any AWS call.
  const name = previewName({
    service: config.service,
    name: flags.name,
    pr: flags.pr,
    env: process.env,
    branch,
    environments: Object.keys(config.environments),
  });
  const base = baseEnvironmentName(config, flags['from-env']);
  const aws = await loadAwsEnvironment(base, flags);
  return { aws, base, name, branch, dir };
}

/** The clients of down, list and prune: Elastic Beanstalk and the storage bucket's S3. */
export async function previewClients(target: PreviewTarget['aws']['target'], interrupt?: AbortSignal) {
  const [{ ElasticBeanstalkClient }, { makeClient }, { makeS3Client }] = await Promise.all([
    import('@aws-sdk/client-elastic-beanstalk'),
    import('../aws/clients.js'),
    import('../aws/s3.js'),
  ]);
  const stop = interrupt ? { interrupt } : {};
  return {
    eb: makeClient(ElasticBeanstalkClient, target, stop),
    s3: makeS3Client(target, process.env, stop),
  };
}

/** For list and prune: the service and the region (the base environment's). */
export async function previewScope(flags: {
  'from-env'?: string | undefined;
  profile?: string | undefined;
  region?: string | undefined;
}) {
  const config = await loadServiceConfig(process.cwd());
  const base = baseEnvironmentName(config, flags['from-env']);
  return { aws: await loadAwsEnvironment(base, flags), base };
}

/** What down and prune run with: the clients, the clock, the reporter, and Ctrl-C as the abort signal (released after `run`). */
export async function withTeardownDeps<R>(
  target: PreviewTarget['aws']['target'],
  reporter: PreviewDownDeps['reporter'],
  run: (deps: PreviewDownDeps) => Promise<R>,
): Promise<R> {
  const interrupt = interruptOnSigint();
  try {
    const clients = await previewClients(target, interrupt.signal);
    return await run({ ...clients, clock: systemClock, reporter, signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
}
