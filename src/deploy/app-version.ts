// Bundle -> EB storage bucket -> application version (processed). A label that already exists
// with the same bundle is reused (a redeploy); with another bundle (say, a newer lsvc made it),
// the new one gets the label <version>-<bundle hash>.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';

import {
  type ApplicationVersionDescription,
  createApplicationVersion,
  describeEvents,
  findVersion,
  isThrottling,
  storageBucket,
  versionStatus,
} from '../aws/eb.js';
import { objectSha256, uploadIfChanged } from '../aws/s3.js';
import type { Bundle } from '../bundle/index.js';
import { InterruptedError, TimeoutError, UnhealthyError } from '../errors.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
import type { Reporter } from './report.js';

export interface VersionDeps {
  eb: ElasticBeanstalkClient;
  s3: S3Client;
  clock: Clock;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface VersionRequest {
  application: string;
  /** The wanted label (the image tag). */
  version: string;
  description: string;
  bundle: Bundle;
  /** The Elastic Beanstalk storage bucket, when the caller knows it already. */
  bucket?: string;
  /** Give up waiting for EB to process the bundle at this time (clock ms). */
  deadline: number;
  /** Delay between DescribeApplicationVersions polls for the first 30 s (then grows 1.5x up to 10 s). */
  pollMs?: number;
}

export interface VersionResult {
  label: string;
  /** The label existed with this very bundle: nothing was uploaded or created. */
  reused: boolean;
  bucket?: string;
  key?: string;
  uploaded?: boolean;
}

export function bundleKey(application: string, label: string): string {
  return `${application}/${label}.zip`;
}

export async function ensureApplicationVersion(
  deps: VersionDeps,
  req: VersionRequest,
): Promise<VersionResult> {
  const { eb, s3, reporter } = deps;
  const labels = [req.version, `${req.version}-${req.bundle.sha256.slice(0, 8)}`];
  for (const label of labels) {
    const existing = await findVersion(eb, req.application, label);
    if (!existing) {
      const bucket = req.bucket ?? (await storageBucket(eb));
      const key = bundleKey(req.application, label);
      const { uploaded } = await uploadIfChanged(s3, {
        bucket,
        key,
        body: req.bundle.zip,
        sha256: req.bundle.sha256,
      });
      reporter.debug(`${uploaded ? 'uploaded' : 'already uploaded'}: s3://${bucket}/${key}`);
      const createdAt = deps.clock.now();
      try {
        await createApplicationVersion(eb, {
          application: req.application,
          label,
          description: req.description,
          bucket,
          key,
        });
      } catch (error) {
        // Another deploy of the same version got there first: wait for theirs.
        if (!/already exists/i.test((error as Error).message)) throw error;
      }
      await waitProcessed(deps, req, label, createdAt);
      return { label, reused: false, bucket, key, uploaded };
    }
    if (await sameBundle(s3, existing, req.bundle)) {
      const status = versionStatus(existing);
      if (status !== 'PROCESSED' && status !== 'UNPROCESSED') {
        await waitProcessed(deps, req, label, existing.DateCreated?.getTime() ?? deps.clock.now());
      }
      return { label, reused: true };
    }
    reporter.info(
      `Application version ${label} exists with a different bundle (made by another lsvc version?): using a new label.`,
    );
  }
  throw new UnhealthyError(`Application versions ${labels.join(' and ')} both exist with other bundles.`, {
    hint: 'Pass another --version, or delete those application versions.',
  });
}

async function sameBundle(s3: S3Client, v: ApplicationVersionDescription, bundle: Bundle): Promise<boolean> {
  const where = v.SourceBundle;
  if (!where?.S3Bucket || !where.S3Key) return false;
  return (await objectSha256(s3, where.S3Bucket, where.S3Key)) === bundle.sha256;
}

async function waitProcessed(
  deps: VersionDeps,
  req: VersionRequest,
  label: string,
  createdAt: number,
): Promise<void> {
  const { eb, clock } = deps;
  const first = req.pollMs ?? 2000;
  const since = clock.now();
  let delay = first;
  for (;;) {
    if (deps.signal?.aborted)
      throw new InterruptedError('Interrupted while Elastic Beanstalk processed the bundle.');
    let status = '';
    try {
      status = versionStatus(await findVersion(eb, req.application, label));
      // Processing usually takes seconds: poll briskly for half a minute, then back off.
      delay = clock.now() - since < 30_000 ? first : Math.min(delay * 1.5, 10_000);
    } catch (error) {
      if (!isThrottling(error)) throw error;
      delay = Math.min(delay * 2, 60_000);
    }
    if (status === 'PROCESSED') return;
    if (status === 'FAILED') throw await processingFailed(deps, req.application, label, createdAt);
    if (clock.now() >= req.deadline) {
      throw new TimeoutError(
        `Timed out waiting for Elastic Beanstalk to process application version ${label}.`,
        {
          hint: `It may still finish: see "lsvc releases". The environment was not changed.`,
        },
      );
    }
    await clock.sleep(Math.min(delay, Math.max(0, req.deadline - clock.now())), deps.signal);
  }
}

/** A FAILED version: exit 6 (the deploy failed; the environment still runs what it ran). */
async function processingFailed(
  deps: VersionDeps,
  application: string,
  label: string,
  createdAt: number,
): Promise<UnhealthyError> {
  let reasons: string[] = [];
  try {
    const events = await describeEvents(deps.eb, {
      application,
      versionLabel: label,
      since: new Date(createdAt - 60_000),
    });
    reasons = events
      .filter((e) => e.Severity === 'ERROR' || e.Severity === 'FATAL' || e.Severity === 'WARN')
      .map((e) => e.Message ?? '')
      .filter(Boolean);
  } catch {
    // The reason is a nicety; the failure itself is what matters.
  }
  const took = formatDuration(Math.max(0, deps.clock.now() - createdAt));
  return new UnhealthyError(
    `Elastic Beanstalk could not process application version ${label}${reasons[0] ? `: ${reasons[0].replace(/\.$/, '')}` : ''}.`,
    {
      details: [...reasons.slice(1), `(failed after ${took}; the environment was not changed)`],
      hint: 'Check the bundle ("lsvc bundle --env E --version V --out bundle.zip" and unzip -l), then deploy again.',
    },
  );
}
