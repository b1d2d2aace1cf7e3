// The Elastic Beanstalk calls of `lsvc preview`: read a base environment's settings, find the
// previews (by their lsvc:preview tag), wait for one to settle, and remove its application
// versions and release records. Each call goes through send (errors classified, timeouts).
import {
  type ConfigurationOptionSetting,
  DeleteApplicationVersionCommand,
  DescribeConfigurationSettingsCommand,
  type ElasticBeanstalkClient,
  type EnvironmentDescription,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import { send } from '../aws/call.js';
import { describeVersions, findEnvironment, listEnvironments } from '../aws/eb.js';
import { pollUntil } from '../aws/poll.js';
import type { Clock } from '../clock.js';
import { releasePrefix } from '../releases/store.js';
import { TAG } from './settings.js';

type Eb = ElasticBeanstalkClient;

export async function environmentSettings(
  eb: Eb,
  application: string,
  environment: string,
): Promise<ConfigurationOptionSetting[]> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new DescribeConfigurationSettingsCommand({ ApplicationName: application, EnvironmentName: environment }),
  );
  return out.ConfigurationSettings?.[0]?.OptionSettings ?? [];
}

export async function environmentTags(eb: Eb, arn: string | undefined): Promise<Record<string, string>> {
  if (!arn) return {};
  const out = await send('elasticbeanstalk', eb, new ListTagsForResourceCommand({ ResourceArn: arn }));
  return Object.fromEntries((out.ResourceTags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export interface Preview {
  /** pr-12 */
  slug: string;
  /** demo-pr-12 */
  environment: string;
  /** The lsvc.yml environment it borrows from (its lsvc:preview tag). */
  base: string;
  branch: string | undefined;
  version: string | undefined;
  url: string | undefined;
  createdAt: Date | undefined;
  expiresAt: Date | undefined;
  status: string | undefined;
  health: string | undefined;
  instanceType?: string | undefined;
}

export function previewOf(
  service: string,
  env: EnvironmentDescription,
  tags: Record<string, string>,
): Preview | undefined {
  const base = tags[TAG.preview];
  if (!base || !env.EnvironmentName) return undefined;
  const expires = tags[TAG.expires] ? new Date(tags[TAG.expires] ?? '') : undefined;
  return {
    slug: env.EnvironmentName.slice(service.length + 1),
    environment: env.EnvironmentName,
    base,
    branch: tags[TAG.branch],
    version: env.VersionLabel,
    url: env.CNAME ? `http://${env.CNAME}` : undefined,
    createdAt: env.DateCreated,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    status: env.Status,
    health: env.Health,
    ...(tags[TAG.instanceType] ? { instanceType: tags[TAG.instanceType] } : {}),
  };
}

/** The service's previews: its live environments that carry the lsvc:preview tag. */
export async function listPreviews(eb: Eb, service: string): Promise<Preview[]> {
  const envs = (await listEnvironments(eb, service)).filter((e) =>
    e.EnvironmentName?.startsWith(`${service}-`),
  );
  const previews: Preview[] = [];
  for (const env of envs) {
    const found = previewOf(service, env, await environmentTags(eb, env.EnvironmentArn));
    if (found) previews.push(found);
  }
  return previews.sort((a, b) => a.environment.localeCompare(b.environment));
}

export interface WaitDeps {
  eb: Eb;
  clock: Pick<Clock, 'now' | 'sleep'>;
  signal?: AbortSignal | undefined;
}

/** Poll the environment until `done` (undefined: it is gone), with a progress line each poll. */
export function waitForEnvironment(
  deps: WaitDeps,
  o: {
    application: string;
    environment: string;
    what: string;
    done: (env: EnvironmentDescription | undefined) => boolean;
    failed?: (env: EnvironmentDescription | undefined) => string | undefined;
    timeoutMs: number;
    pollMs: number;
    output: (line: string) => void;
    rerun: string;
  },
): Promise<EnvironmentDescription | undefined> {
  return pollUntil({
    what: o.what,
    clock: deps.clock,
    signal: deps.signal,
    pollMs: o.pollMs,
    timeoutMs: o.timeoutMs,
    check: () => findEnvironment(deps.eb, o.application, o.environment),
    done: o.done,
    failed: o.failed,
    describe: (env) => (env ? `status ${env.Status ?? '?'}, health ${env.Health ?? '?'}` : 'terminated'),
    output: o.output,
    rerun: o.rerun,
  });
}

/** The preview's application versions: labelled <version>-<slug> (or with the bundle hash after). */
export function isPreviewLabel(label: string, slug: string): boolean {
  const escaped = slug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`-${escaped}(-[0-9a-f]{8})?$`).test(label);
}

/** Delete the preview's application versions and their S3 bundles. Returns the labels deleted. */
export async function deletePreviewVersions(eb: Eb, application: string, slug: string): Promise<string[]> {
  const versions = await describeVersions(eb, application);
  const labels = versions
    .map((v) => v.VersionLabel ?? '')
    .filter((label) => label && isPreviewLabel(label, slug));
  for (const label of labels) {
    await send(
      'elasticbeanstalk',
      eb,
      new DeleteApplicationVersionCommand({
        ApplicationName: application,
        VersionLabel: label,
        DeleteSourceBundle: true,
      }),
    );
  }
  return labels;
}

/** Delete the preview's release records (lsvc/releases/<service>/<slug>/). Returns how many. */
export async function deletePreviewRecords(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  service: string,
  slug: string,
): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await send(
      's3',
      s3,
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: releasePrefix({ service, environment: slug }),
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      await send('s3', s3, new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      deleted++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
