// `lsvc push`: a local image to the environment's ECR repository. Skips the transfer when ECR
// already holds the same image under the tag, logs in with GetAuthorizationToken's token, and
// pushes with per-layer progress, retrying transient registry errors. The push stream reports
// failures only as `errorDetail` events (FACTS.md): they are scanned here.
import type { Readable } from 'node:stream';

import type Docker from 'dockerode';

import {
  ecrLogin,
  type Ecr,
  type EcrLogin,
  type EcrRepository,
  findRemoteImage,
  type RemoteImage,
} from '../aws/ecr.js';
import { systemClock } from '../clock.js';
import { AwsError, DockerError, InterruptedError } from '../errors.js';
import { type ProgressOptions, runSteps } from '../progress.js';
import { formatBytes, jsonEvents, streamError } from './build.js';
import { splitReference } from './image-name.js';

// ---------------------------------------------------------------------------------------------
// The push stream

export type LayerState = 'waiting' | 'pushing' | 'pushed' | 'existed';

export interface LayerProgress {
  id: string;
  state: LayerState;
  /** Bytes sent so far (pushing) or in all (pushed). */
  current: number;
  /** What the engine reports as the total; not always in bytes, so only `current` is summed. */
  total: number;
}

export type PushNotice =
  | { type: 'layer'; layer: LayerProgress }
  | { type: 'status'; line: string }
  | { type: 'retry'; attempt: number; delayMs: number; message: string };

interface PushEvent {
  status?: unknown;
  id?: unknown;
  progressDetail?: { current?: unknown; total?: unknown };
  aux?: { Digest?: unknown; Size?: unknown };
  error?: unknown;
  errorDetail?: { message?: unknown };
}

/**
 * Layer states across attempts (a layer pushed by a failed attempt stays "pushed" when the retry
 * finds it there), the manifest digest, and the failure of the current attempt.
 */
export class PushTracker {
  readonly layers = new Map<string, LayerProgress>();
  digest: string | undefined;
  failure: string | undefined;

  /** A new attempt: forget the previous failure, keep what was learnt about layers. */
  restart(): void {
    this.failure = undefined;
    this.digest = undefined;
  }

  get counts(): { pushed: number; existed: number; bytesPushed: number } {
    let pushed = 0;
    let existed = 0;
    let bytesPushed = 0;
    for (const l of this.layers.values()) {
      if (l.state === 'pushed') {
        pushed++;
        bytesPushed += l.current;
      } else if (l.state === 'existed') existed++;
    }
    return { pushed, existed, bytesPushed };
  }

  push(raw: unknown): PushNotice[] {
    const e = (raw ?? {}) as PushEvent;
    if (e.errorDetail !== undefined || e.error !== undefined) {
      const detail = e.errorDetail?.message;
      this.failure = typeof detail === 'string' && detail ? detail : errorText(e.error);
      return [];
    }
    if (typeof e.aux?.Digest === 'string') this.digest = e.aux.Digest;
    const status = typeof e.status === 'string' ? e.status : undefined;
    if (!status) return [];
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(status);
    if (digest) this.digest = digest[1];
    const id = typeof e.id === 'string' ? e.id : undefined;
    if (!id || !/^[0-9a-f]{12,64}$/.test(id)) return [{ type: 'status', line: status }];

    const layer = this.layers.get(id) ?? { id, state: 'waiting' as LayerState, current: 0, total: 0 };
    this.layers.set(id, layer);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    if (status === 'Pushing') {
      if (layer.state === 'pushed') return [];
      layer.state = 'pushing';
      layer.current = num(e.progressDetail?.current) ?? layer.current;
      layer.total = num(e.progressDetail?.total) ?? layer.total;
    } else if (status === 'Pushed') {
      layer.state = 'pushed';
    } else if (status === 'Layer already exists' || status.startsWith('Mounted from')) {
      // Already in the registry (or mounted from another repository in it): nothing sent.
      if (layer.state !== 'pushed') layer.state = 'existed';
    } else {
      // Preparing, Waiting, Retrying in N seconds...
      return status.startsWith('Retrying') ? [{ type: 'status', line: `${id}: ${status}` }] : [];
    }
    return [{ type: 'layer', layer: { ...layer } }];
  }
}

/** The `error` field of a stream event as text. */
export function errorText(value: unknown): string {
  if (typeof value === 'string' && value) return value;
  return value === undefined || value === null ? 'unknown error' : JSON.stringify(value);
}

export type FailureKind = 'auth' | 'transient' | 'fatal';

/** What to do about a registry error: auth problems are exit 5, transient ones are retried. */
export function classifyPushFailure(message: string): FailureKind {
  if (
    /unauthorized|authentication required|no basic auth credentials|denied|authorization token has expired|\b401\b|\b403\b/i.test(
      message,
    )
  )
    return 'auth';
  if (
    /timeout|timed out|connection reset|connection refused|broken pipe|\beof\b|tls handshake|temporar|toomanyrequests|too many requests|\b429\b|\b50[0234]\b|service unavailable|bad gateway|internal server error|blob upload unknown/i.test(
      message,
    )
  )
    return 'transient';
  return 'fatal';
}

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Wait before retry n (1-based). */
  delayMs: (retry: number) => number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, delayMs: (n) => 2000 * 2 ** (n - 1) };

export interface PushImageOptions {
  /** Repository with its registry, no tag: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api. */
  repository: string;
  tag: string;
  auth: EcrLogin;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onNotice?: (notice: PushNotice) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PushOutcome {
  digest: string;
  layers: { pushed: number; existed: number };
  bytesPushed: number;
  attempts: number;
}

/** `docker push repository:tag` through the Engine API, with retries; exit 4 or 5 on failure. */
export async function pushImage(docker: Docker, opts: PushImageOptions): Promise<PushOutcome> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const sleep = opts.sleep ?? systemClock.sleep;
  const tracker = new PushTracker();
  const target = `${opts.repository}:${opts.tag}`;
  for (let attempt = 1; ; attempt++) {
    tracker.restart();
    try {
      const stream = (await docker.getImage(opts.repository).push({
        tag: opts.tag,
        authconfig: opts.auth,
        ...(opts.signal ? { abortSignal: opts.signal } : {}),
      })) as unknown as Readable;
      for await (const event of jsonEvents(stream)) {
        for (const n of tracker.push(event)) opts.onNotice?.(n);
      }
    } catch (error) {
      const mapped = streamError(error, opts.signal, 'push');
      if (mapped instanceof DockerError || mapped instanceof InterruptedError) throw mapped;
      tracker.failure = (error as Error).message;
    }
    if (opts.signal?.aborted) throw new InterruptedError('The push was interrupted.');
    const failure = tracker.failure;
    if (failure === undefined) {
      if (!tracker.digest) {
        throw new DockerError(`The push of ${target} ended without a digest.`, {
          hint: 'Run "lsvc push" again; if it persists, run with --verbose.',
        });
      }
      const { pushed, existed, bytesPushed } = tracker.counts;
      return { digest: tracker.digest, layers: { pushed, existed }, bytesPushed, attempts: attempt };
    }
    const kind = classifyPushFailure(failure);
    if (kind === 'auth') {
      throw new AwsError(`The registry refused the ECR login while pushing ${target}: ${failure}`, {
        hint: 'These credentials may lack the ECR push permissions (ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchCheckLayerAvailability), or the token expired: run "lsvc push" again, or "lsvc doctor".',
      });
    }
    if (kind === 'fatal' || attempt > retry.retries) {
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      throw new DockerError(`The push of ${target} failed${tries}: ${failure}`, {
        hint: /tag invalid|immutable/i.test(failure)
          ? 'The repository has immutable tags and this tag holds another image: commit (new tag) and build, or push with --tag <new tag>.'
          : 'Check that the registry is reachable from the Docker engine, then run "lsvc push" again.',
      });
    }
    const delayMs = retry.delayMs(attempt);
    opts.onNotice?.({ type: 'retry', attempt, delayMs, message: failure });
    await sleep(delayMs, opts.signal);
  }
}

// ---------------------------------------------------------------------------------------------
// The local image

export interface LocalImage {
  ref: string;
  id: string;
}

/** The local image to push; exit 4 with "build it first" when there is none. */
export async function requireLocalImage(docker: Docker, ref: string): Promise<LocalImage> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { ref, id: info.Id };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new DockerError(`There is no local image ${ref} to push.`, {
        hint: 'Build it first: "lsvc build" (or "lsvc push --build" to build and push in one go); "--tag <tag>" pushes another local tag.',
        cause: error,
      });
    }
    throw streamError(error, undefined, 'image lookup');
  }
}

// ---------------------------------------------------------------------------------------------
// Local image -> ECR

export interface EcrPushRequest {
  docker: Docker;
  ecr: Ecr;
  repository: EcrRepository;
  image: LocalImage;
  tag: string;
  progress: ProgressOptions;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  debug?: (line: string) => void;
}

export interface EcrPushResult {
  /** The local image pushed, e.g. billing-api:3f9c2a1b4d5e. */
  image: string;
  /** Repository URI (registry + name). */
  repository: string;
  tag: string;
  digest: string;
  /** false when ECR already had the image: nothing was transferred. */
  pushed: boolean;
  layers: { pushed: number; existed: number };
  bytesPushed: number;
}

/** The whole push: check ECR, log in, tag, push. */
export async function pushToEcr(req: EcrPushRequest): Promise<EcrPushResult> {
  const { docker, ecr, repository, image, tag } = req;
  const target = `${repository.uri}:${tag}`;
  const host = registryHost(repository.uri);
  let already: RemoteImage | undefined;
  let auth: EcrLogin | undefined;
  let outcome: PushOutcome | undefined;

  await runSteps(
    [
      {
        title: `Check ECR for ${tag}`,
        run: async (step) => {
          const remote = await findRemoteImage(ecr, repository, tag, req.debug);
          if (remote?.configDigest === image.id) {
            already = remote;
            step.title(`Already in ECR: ${target} (${shortDigest(remote.digest)})`);
          } else if (remote) {
            if (repository.tagMutability === 'IMMUTABLE') {
              throw new DockerError(
                `ECR already holds another image under ${target}, and the repository's tags are immutable.`,
                {
                  hint: 'Commit your changes and build (a new tag), or push with --tag <new tag>.',
                },
              );
            }
            step.title(`ECR has another image under ${tag}: it will be replaced`);
          } else step.title(`Not in ECR yet: ${tag}`);
        },
      },
      {
        title: `Log in to ${host}`,
        skip: () => (already ? 'already in ECR' : false),
        run: async (step) => {
          auth = await ecrLogin(ecr);
          step.title(`Logged in to ${host}`);
        },
      },
      {
        title: `Push ${target}`,
        skip: () => (already ? 'already in ECR: nothing to transfer' : false),
        run: async (step) => {
          if (!auth) throw new DockerError('No registry login.');
          await docker.getImage(image.ref).tag({ repo: repository.uri, tag });
          const base = `Push ${target}`;
          outcome = await pushImage(docker, {
            repository: repository.uri,
            tag,
            auth,
            ...(req.retry ? { retry: req.retry } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
            onNotice: progressReporter(base, step),
          });
          const { pushed, existed } = outcome.layers;
          step.title(
            `Pushed ${target}: ${pushed} ${pushed === 1 ? 'layer' : 'layers'} (${formatBytes(outcome.bytesPushed)}), ${existed} already there`,
          );
        },
      },
    ],
    { ...req.progress, ...(req.signal ? { signal: req.signal } : {}) },
  );

  if (already) {
    return {
      image: image.ref,
      repository: repository.uri,
      tag,
      digest: already.digest,
      pushed: false,
      layers: { pushed: 0, existed: 0 },
      bytesPushed: 0,
    };
  }
  if (!outcome) throw new DockerError('The push did not run.');
  return {
    image: image.ref,
    repository: repository.uri,
    tag,
    digest: outcome.digest,
    pushed: true,
    layers: outcome.layers,
    bytesPushed: outcome.bytesPushed,
  };
}

/** Step title with layer counts and bytes; one output line per finished layer and per retry. */
function progressReporter(base: string, step: { title(t: string): void; output(l: string): void }) {
  const layers = new Map<string, LayerProgress>();
  return (n: PushNotice) => {
    if (n.type === 'retry') {
      step.output(`Retry ${n.attempt} in ${Math.round(n.delayMs / 1000)} s: ${n.message}`);
      return;
    }
    if (n.type === 'status') return;
    const before = layers.get(n.layer.id)?.state;
    layers.set(n.layer.id, n.layer);
    const all = [...layers.values()];
    const done = all.filter((l) => l.state === 'pushed' || l.state === 'existed').length;
    const sent = all.reduce((sum, l) => sum + (l.state === 'existed' ? 0 : l.current), 0);
    step.title(`${base}: ${done}/${all.length} layers, ${formatBytes(sent)} sent`);
    if (before !== n.layer.state) {
      if (n.layer.state === 'pushed') step.output(`${n.layer.id}: pushed ${formatBytes(n.layer.current)}`);
      else if (n.layer.state === 'existed') step.output(`${n.layer.id}: layer already exists`);
    }
  };
}

export function registryHost(repositoryUri: string): string {
  return splitReference(repositoryUri).repository.split('/')[0] ?? repositoryUri;
}

function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, 'sha256:').slice(0, 19);
}
