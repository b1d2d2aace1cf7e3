// `lsvc preview up`: the preview's Elastic Beanstalk environment (created the first time, from the
// base environment's settings: src/preview/settings.ts), then the very deploy `lsvc deploy` runs
// (src/deploy/deploy.ts: image, bundle, application version, health-gated rollout, release record),
// then its tags (expiry, branch) and its URL. A second `up` deploys the new version to it.
import {
  CreateEnvironmentCommand,
  type EnvironmentDescription,
  UpdateTagsForResourceCommand,
} from '@aws-sdk/client-elastic-beanstalk';

import { send } from '../aws/call.js';
import { UsageError } from '../errors.js';
import { findEnvironment } from '../aws/eb.js';
import { resourceNames } from '../aws/names.js';
import { deploy, type DeployDeps, type DeployOptions } from '../deploy/deploy.js';
import type { DeployResult } from '../deploy/result.js';
import { missingEnvironment } from '../deploy/watch.js';
import { environmentSettings, environmentTags, waitForEnvironment } from './aws.js';
import type { PreviewName } from './names.js';
import {
  baseInstanceType,
  previewDatabaseUrl,
  previewOptionSettings,
  previewTags,
  smallestInstanceType,
  TAG,
  tagValue,
  ENV,
} from './settings.js';

/** What the pricing module answers for the preview's shape (src/pricing, when it lands). */
export interface CostEstimate {
  /** USD per hour, when known. */
  hourlyUsd?: number | undefined;
  /** One line for the output: "about $0.0104/hour (t3.micro, eu-west-1, on-demand; an estimate)". */
  text: string;
}

/** The preview's shape, handed to the cost estimate. */
export interface PreviewShapeForCost {
  region: string;
  instanceType: string;
  environmentType: 'SingleInstance';
}

export type EstimateCost = (shape: PreviewShapeForCost) => Promise<CostEstimate | undefined>;

export interface PreviewUpOptions extends Omit<
  DeployOptions,
  'names' | 'envName' | 'labelSuffix' | 'again' | 'readinessPath'
> {
  service: string;
  region: string;
  ecrRepository?: string | undefined;
  name: PreviewName;
  /** The lsvc.yml environment it borrows from (staging). */
  base: string;
  readinessPath: string;
  branch: string | undefined;
  /** When the preview expires (its lsvc:expires tag; prune removes it after). */
  expires: Date;
  instanceType?: string | undefined;
  /** The cost line under the URL; none (yet) prints "cost: unknown". */
  estimateCost?: EstimateCost | undefined;
}

export interface PreviewUpResult {
  preview: string;
  environment: string;
  base: string;
  branch: string | undefined;
  created: boolean;
  url: string | undefined;
  expires: string;
  database: string;
  redisPrefix: string;
  instanceType: string;
  cost: CostEstimate;
  deploy: DeployResult;
}

const WAIT_POLL_MS = 10_000;

async function createPreview(
  deps: DeployDeps,
  o: PreviewUpOptions,
  baseEnv: EnvironmentDescription,
  instanceType: string,
  settings: ReturnType<typeof previewOptionSettings>,
): Promise<void> {
  const application = o.service;
  const environment = o.name.environment;
  await deps.reporter.step(
    `Create ${environment} (single instance, ${instanceType}, from ${o.base})`,
    async (note) => {
      await send(
        'elasticbeanstalk',
        deps.eb,
        new CreateEnvironmentCommand({
          ApplicationName: application,
          EnvironmentName: environment,
          CNAMEPrefix: environment,
          Description: `Preview ${o.name.slug} of ${o.service}, from ${o.base} (lsvc preview)`,
          ...(baseEnv.PlatformArn
            ? { PlatformArn: baseEnv.PlatformArn }
            : { SolutionStackName: baseEnv.SolutionStackName }),
          Tier: { Name: 'WebServer', Type: 'Standard' },
          OptionSettings: settings,
          Tags: previewTags({
            service: o.service,
            slug: o.name.slug,
            base: o.base,
            branch: o.branch,
            expires: o.expires,
            instanceType,
          }),
        }),
      );
      await waitForEnvironment(deps, {
        application,
        environment,
        what: `${environment} to be Ready`,
        done: (env) => env?.Status === 'Ready',
        failed: (env) =>
          !env || env.Status?.startsWith('Terminat') ? `${environment} went away.` : undefined,
        timeoutMs: o.timings.timeoutMs,
        pollMs: WAIT_POLL_MS,
        output: note,
        rerun: 'run "lsvc preview up" again to go on.',
      });
      note('Ready');
    },
  );
}

export async function previewUp(deps: DeployDeps, o: PreviewUpOptions): Promise<PreviewUpResult> {
  const application = o.service;
  const baseNames = resourceNames(o.service, o.base, { ecrRepository: o.ecrRepository });
  const baseEnv = await findEnvironment(deps.eb, application, baseNames.environment);
  if (!baseEnv) throw missingEnvironment({ application, environment: baseNames.environment }, o.base);
  const baseSettings = await environmentSettings(deps.eb, application, baseNames.environment);
  const instanceType = o.instanceType ?? smallestInstanceType(baseInstanceType(baseSettings));
  const settings = previewOptionSettings(
    baseSettings,
    {
      service: o.service,
      slug: o.name.slug,
      environment: o.name.environment,
      readinessPath: o.readinessPath,
      instanceType,
    },
    baseNames.environment,
  );
  const database = previewDatabaseUrl(
    baseSettings.find((s) => s.Namespace === ENV && s.OptionName === 'DATABASE_URL')?.Value ?? '',
    o.name.slug,
  ).name;

  let existing = await findEnvironment(deps.eb, application, o.name.environment);
  const created = !existing;
  if (existing) {
    const tags = await environmentTags(deps.eb, existing.EnvironmentArn);
    if (!tags[TAG.preview]) {
      throw missingPreviewTag(o.name.environment);
    }
    deps.reporter.info(`${o.name.environment} exists: deploying ${o.version} to it.`);
  } else {
    deps.reporter.info(
      `Preview ${o.name.slug} (${o.name.from}): ${o.name.environment} on ${o.base}'s database server (database ${database}) and Redis (prefix ${o.name.environment}).`,
    );
    await createPreview(deps, o, baseEnv, instanceType, settings);
  }

  const names = resourceNames(o.service, o.name.slug, { ecrRepository: o.ecrRepository });
  const result = await deploy(deps, {
    ...o,
    names,
    envName: o.name.slug,
    labelSuffix: `-${o.name.slug}`,
    again: `lsvc preview up --name ${o.name.slug} --version ${o.version}`,
  });

  existing = await findEnvironment(deps.eb, application, o.name.environment);
  // Tags after the deploy: changing them starts an environment update of its own.
  if (existing?.EnvironmentArn) {
    await send(
      'elasticbeanstalk',
      deps.eb,
      new UpdateTagsForResourceCommand({
        ResourceArn: existing.EnvironmentArn,
        TagsToAdd: [
          { Key: TAG.expires, Value: o.expires.toISOString() },
          ...(o.branch ? [{ Key: TAG.branch, Value: tagValue(o.branch) }] : []),
        ],
      }),
    );
  }
  const url = existing?.CNAME ? `http://${existing.CNAME}` : undefined;
  const cost = (await o.estimateCost?.({
    region: o.region,
    instanceType,
    environmentType: 'SingleInstance',
  })) ?? { text: 'cost: unknown (no price lookup yet)' };
  deps.reporter.info(`Preview ${o.name.slug}: ${url ?? '(no URL yet)'}`);
  deps.reporter.info(`Expires ${o.expires.toISOString()} ("lsvc preview prune" removes it after).`);
  deps.reporter.info(cost.text);
  return {
    preview: o.name.slug,
    environment: o.name.environment,
    base: o.base,
    branch: o.branch,
    created,
    url,
    expires: o.expires.toISOString(),
    database,
    redisPrefix: o.name.environment,
    instanceType,
    cost,
    deploy: result,
  };
}

/** An environment of that name that lsvc preview did not make: never deployed over or removed. */
export function missingPreviewTag(environment: string): UsageError {
  return new UsageError(
    `${environment} exists and is not a preview (it has no ${TAG.preview} tag): not touching it.`,
    { hint: 'Pick another --name.' },
  );
}
