// `lsvc preview down`: remove a preview and what it made, idempotently.
//
// Its database and Redis keys live on the base's RDS instance and ElastiCache, which only the VPC
// reaches: not a laptop, not a CI runner. So the preview removes them itself, before it goes:
// lsvc sets PREVIEW_TEARDOWN=true on the environment (an ordinary configuration update); the
// containers restart, and instead of the service the template's src/preview.ts drops the
// database (WITH (FORCE) on Postgres) and deletes the keys under its prefix, then answers the
// health check with 200. Green after that update is the proof the teardown worked; only then is
// the environment terminated. A teardown that fails leaves the environment (Red, its logs say
// why) and exits 6: nothing is lost, run down again once fixed. Why not a hook at shutdown: a
// container stopped or killed by a terminate gives no such guarantee, and no one would know.
// Then the application versions (<version>-<slug>, with their S3 bundles) and release records go.
import { TerminateEnvironmentCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';

import { send } from '../aws/call.js';
import { findEnvironment, storageBucket } from '../aws/eb.js';
import type { Clock } from '../clock.js';
import type { Reporter } from '../deploy/report.js';
import { UnhealthyError } from '../errors.js';
import {
  deletePreviewRecords,
  deletePreviewVersions,
  environmentSettings,
  environmentTags,
  waitForEnvironment,
} from './aws.js';
import type { PreviewName } from './names.js';
import { ENV, TAG } from './settings.js';
import { missingPreviewTag } from './up.js';

export interface PreviewDownDeps {
  eb: Parameters<typeof findEnvironment>[0];
  s3: Pick<S3Client, 'send'>;
  clock: Pick<Clock, 'now' | 'sleep'>;
  reporter: Pick<Reporter, 'step' | 'info' | 'warn'>;
  signal?: AbortSignal | undefined;
}

export interface PreviewDownOptions {
  service: string;
  name: Pick<PreviewName, 'slug' | 'environment'>;
  timeoutMs: number;
  /** How long health may stay Red after the teardown update before it counts as failed. */
  healthGraceMs: number;
  pollMs?: number;
}

export interface PreviewDownResult {
  preview: string;
  environment: string;
  /** The environment was there and is terminated now (false: it was gone already). */
  terminated: boolean;
  /** The preview's database, dropped by its teardown (undefined: no environment to do it). */
  database: string | undefined;
  versionsDeleted: string[];
  recordsDeleted: number;
}

const TEARDOWN = 'PREVIEW_TEARDOWN';

export async function previewDown(deps: PreviewDownDeps, o: PreviewDownOptions): Promise<PreviewDownResult> {
  const application = o.service;
  const environment = o.name.environment;
  const pollMs = o.pollMs ?? 10_000;
  const rerun = `run "lsvc preview down --name ${o.name.slug}" again to go on.`;
  const env = await findEnvironment(deps.eb, application, environment);
  let database: string | undefined;
  if (env) {
    if (!(await environmentTags(deps.eb, env.EnvironmentArn))[TAG.preview])
      throw missingPreviewTag(environment);
    const settings = await environmentSettings(deps.eb, application, environment);
    const url = settings.find((s) => s.Namespace === ENV && s.OptionName === 'DATABASE_URL')?.Value;
    database = url ? decodeURIComponent(new URL(url).pathname.slice(1)) : undefined;
    const tornDown =
      settings.some((s) => s.Namespace === ENV && s.OptionName === TEARDOWN && s.Value === 'true') &&
      env.Status === 'Ready' &&
      env.Health === 'Green';
    const terminating = env.Status === 'Terminating';
    if (terminating)
      deps.reporter.info(`${environment} is terminating already (an earlier down): waiting for it.`);
    else if (tornDown)
      deps.reporter.info(`${environment} has torn down already (an earlier down): terminating it.`);
    else {
      await deps.reporter.step(
        `Drop ${database ?? 'its database'} and its Redis keys (from ${environment})`,
        async (note) => {
          if (env.Status !== 'Ready') {
            await waitForEnvironment(deps, {
              application,
              environment,
              what: `${environment} to be Ready first`,
              done: (e) => !e || e.Status === 'Ready',
              timeoutMs: o.timeoutMs,
              pollMs,
              output: note,
              rerun,
            });
          }
          await send(
            'elasticbeanstalk',
            deps.eb,
            new UpdateEnvironmentCommand({
              ApplicationName: application,
              EnvironmentName: environment,
              OptionSettings: [{ Namespace: ENV, OptionName: TEARDOWN, Value: 'true' }],
            }),
          );
          let sawBusy = false;
          let redSince: number | undefined;
          await waitForEnvironment(deps, {
            application,
            environment,
            what: `${environment} to finish its teardown`,
            done: (e) => {
              if (e && e.Status !== 'Ready') sawBusy = true;
              return Boolean(e && sawBusy && e.Status === 'Ready' && e.Health === 'Green');
            },
            failed: (e) => {
              if (!e) return `${environment} went away during its teardown.`;
              if (!sawBusy || e.Status !== 'Ready' || e.Health !== 'Red') {
                redSince = undefined;
                return undefined;
              }
              redSince ??= deps.clock.now();
              return deps.clock.now() - redSince >= o.healthGraceMs ? 'red' : undefined;
            },
            timeoutMs: o.timeoutMs,
            pollMs,
            output: note,
            rerun,
          }).catch((error: unknown) => {
            if ((error as Error).message === 'red') {
              throw new UnhealthyError(
                `${environment} did not finish its teardown (health Red): ${database ?? 'its database'} may still be there; the environment is kept.`,
                {
                  hint: `Its logs say why (CloudWatch Logs /aws/elasticbeanstalk/${environment}/). Fix it, then ${rerun}`,
                },
              );
            }
            throw error;
          });
          note('database dropped, Redis keys deleted');
        },
      );
    }
    await deps.reporter.step(`Terminate ${environment}`, async (note) => {
      if (!terminating)
        await send(
          'elasticbeanstalk',
          deps.eb,
          new TerminateEnvironmentCommand({ EnvironmentName: environment, TerminateResources: true }),
        );
      await waitForEnvironment(deps, {
        application,
        environment,
        what: `${environment} to terminate`,
        done: (e) => !e,
        timeoutMs: o.timeoutMs,
        pollMs,
        output: note,
        rerun,
      });
    });
  } else {
    deps.reporter.info(`There is no environment ${environment}: nothing to terminate.`);
  }
  const versionsDeleted = await deletePreviewVersions(deps.eb, application, o.name.slug);
  const recordsDeleted = await deletePreviewRecords(
    deps.s3,
    await storageBucket(deps.eb),
    o.service,
    o.name.slug,
  );
  deps.reporter.info(
    `Preview ${o.name.slug} removed: ${env ? 'environment terminated, database and Redis keys dropped' : 'no environment'}; ${versionsDeleted.length} application version(s), ${recordsDeleted} release record(s) deleted.`,
  );
  return {
    preview: o.name.slug,
    environment,
    terminated: Boolean(env),
    database,
    versionsDeleted,
    recordsDeleted,
  };
}
