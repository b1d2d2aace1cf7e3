// `lsvc build`: the service's Dockerfile built through the Engine API (classic builder), with the
// context filtered by .dockerignore the way Docker filters it, progress from the build stream,
// and a failing step reported with its command and last output lines (FACTS.md: the stream
// carries `errorDetail`; nothing else tells us the build failed).
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

import type Docker from 'dockerode';

import { DockerError, InterruptedError, UsageError } from '../errors.js';
import type { GitState } from '../git.js';
import { type ProgressOptions, runSteps } from '../progress.js';
import { didYouMean } from '../suggest.js';
import { dockerUnavailable } from './client.js';
import { imageTagFor, LATEST } from './image-name.js';

export const DOCKERFILE = 'Dockerfile';
export const DOCKERIGNORE = '.dockerignore';

// ---------------------------------------------------------------------------------------------
// Dockerfile

/** The Dockerfile's text; exit 4 with a hint when there is none (nothing to build). */
export async function readDockerfile(serviceDir: string, name = DOCKERFILE): Promise<string> {
  try {
    return await readFile(join(serviceDir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new DockerError(`No ${name} in ${serviceDir}: there is nothing to build.`, {
      hint: `lsvc build builds the ${name} next to lsvc.yml. Restore it from git ("git checkout -- ${name}") or copy the one of the service template.`,
      cause: error,
    });
  }
}

/** Stage names in order (an unnamed stage is its index, as `--target` cannot name it). */
export function dockerfileStages(text: string): string[] {
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const stages: string[] = [];
  for (const line of logical) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (m) stages.push(m[1]?.toLowerCase() ?? String(stages.length));
  }
  return stages;
}

/** `--target` checked against the stages (exit 2 with a did-you-mean); default: the last one. */
export function chooseTarget(stages: string[], wanted: string | undefined): string | undefined {
  if (wanted === undefined) return stages.at(-1);
  if (stages.includes(wanted.toLowerCase())) return wanted.toLowerCase();
  const named = stages.filter((s) => !/^\d+$/.test(s));
  const guess = didYouMean(wanted, named);
  throw new UsageError(
    `The Dockerfile has no stage "${wanted}"${guess ? `; did you mean "${guess}"?` : '.'}`,
    { hint: `Stages: ${named.join(', ') || '(none named)'}.` },
  );
}

// ---------------------------------------------------------------------------------------------
// Build context

export interface BuildContext {
  /** Relative POSIX paths of the files (and symlinks) sent, sorted. */
  files: string[];
  /** Folders sent (so that empty ones exist and keep their modes), sorted. */
  dirs: string[];
  bytes: number;
}

/** A .dockerignore matcher with Docker's semantics (root-anchored patterns, `**`, `!` exceptions). */
export interface IgnoreRules {
  ignores(path: string): boolean;
  /** Could an exception (`!pattern`) re-include something below this ignored folder? */
  mayReinclude(dir: string): boolean;
}

export async function ignoreRules(text: string): Promise<IgnoreRules> {
  // A CommonJS module whose typings declare `export default`; it sets factory.default = factory.
  const { default: dockerignoreModule } = await import('@balena/dockerignore');
  const dockerignore = dockerignoreModule.default;
  const matcher = dockerignore({ ignorecase: false }).add(text);
  const exceptions = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => normalizePattern(l.slice(1)).split('/'));
  return {
    ignores: (path) => matcher.ignores(path),
    mayReinclude: (dir) => {
      const parts = dir.split('/');
      return exceptions.some((pattern) => {
        for (const [i, part] of parts.entries()) {
          const seg = pattern[i];
          if (seg === undefined || seg.includes('**')) return true;
          if (!segmentGlob(seg).test(part)) return false;
        }
        return true;
      });
    },
  };
}

function normalizePattern(pattern: string): string {
  return pattern
    .trim()
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** One path segment of a Docker pattern (`*`, `?`, `[...]`, `\x`) as a RegExp. */
function segmentGlob(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charAt(i);
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) re += `\\${segment.charAt(++i)}`;
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The files Docker would send: every file not excluded by .dockerignore, plus the Dockerfile and
 * .dockerignore themselves (Docker sends those even when listed; COPY still cannot see them).
 * Excluded folders are not walked unless an exception could re-include something inside.
 */
export async function listBuildContext(dir: string, dockerfile = DOCKERFILE): Promise<BuildContext> {
  const ignoreText = await readFile(join(dir, DOCKERIGNORE), 'utf8').catch(() => '');
  const rules = await ignoreRules(ignoreText);
  const files: string[] = [];
  const dirs: string[] = [];
  let bytes = 0;
  const always = new Set([dockerfile, DOCKERIGNORE]);
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const ignored = rules.ignores(path);
        if (!ignored) dirs.push(path);
        if (!ignored || rules.mayReinclude(path)) await walk(path);
      } else if (!entry.isFile() && !entry.isSymbolicLink()) {
        // Sockets, FIFOs, devices: nothing a build can use (and tar cannot pack them).
        continue;
      } else if (always.has(path) || !rules.ignores(path)) {
        files.push(path);
        bytes += (await lstat(join(dir, path))).size;
      }
    }
  };
  await walk('');
  files.sort();
  dirs.sort();
  return { files, dirs, bytes };
}

/**
 * The context as a tar stream (uncompressed: it goes over a local socket). Exactly the listed
 * entries: tar-fs would otherwise add a listed folder's whole content, ignored files included.
 */
export async function packContext(
  dir: string,
  context: Pick<BuildContext, 'files' | 'dirs'>,
): Promise<Readable> {
  const { pack } = await import('tar-fs');
  const entries = [...context.dirs, ...context.files].sort();
  return pack(dir, { entries, ignore: () => true }) as unknown as Readable;
}

// ---------------------------------------------------------------------------------------------
// The build stream

/** JSON messages of an Engine API progress stream (build, push, pull), one per line. */
export async function* jsonEvents(stream: AsyncIterable<Buffer | string>): AsyncGenerator {
  let partial = '';
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // Not JSON (a proxy's error page?): show it as output rather than lose it.
      return { stream: `${line}\n` };
    }
  };
  for await (const chunk of stream) {
    partial += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield parse(line.trim());
  }
  if (partial.trim()) yield parse(partial.trim());
}

export type BuildNotice =
  | { type: 'step'; index: number; total: number; instruction: string }
  | { type: 'cached'; index: number }
  | { type: 'output'; line: string };

export interface StepRecord {
  index: number;
  total: number;
  instruction: string;
  cached: boolean;
  /** Short id of the layer (image) the step produced. */
  layer?: string;
}

export interface BuildFailure {
  message: string;
  step: StepRecord | undefined;
  /** The failing step's last output lines. */
  output: string[];
}

interface StreamEvent {
  stream?: unknown;
  status?: unknown;
  aux?: { ID?: unknown };
  error?: unknown;
  errorDetail?: { message?: unknown };
}

const KEEP_LINES = 200;

/** Turns classic-builder events into steps, cache hits, output lines and the failure, if any. */
export class BuildTracker {
  readonly steps: StepRecord[] = [];
  imageId: string | undefined;
  failure: BuildFailure | undefined;
  private partial = '';
  private output: string[] = [];

  get hits(): number {
    return this.steps.filter((s) => s.cached).length;
  }

  get current(): StepRecord | undefined {
    return this.steps.at(-1);
  }

  /** Feed one event; returns what to show for it. */
  push(raw: unknown): BuildNotice[] {
    const event = (raw ?? {}) as StreamEvent;
    const notices: BuildNotice[] = [];
    if (typeof event.stream === 'string') {
      this.partial += event.stream;
      const lines = this.partial.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) notices.push(...this.line(line));
    } else if (typeof event.status === 'string') {
      // A base image being pulled.
      const id = typeof (raw as { id?: unknown }).id === 'string' ? `${(raw as { id: string }).id}: ` : '';
      notices.push(...this.line(`${id}${event.status}`));
    }
    if (typeof event.aux?.ID === 'string') this.imageId = event.aux.ID;
    if (event.errorDetail !== undefined || event.error !== undefined) {
      notices.push(...this.flush());
      const detail = event.errorDetail?.message;
      const message =
        typeof detail === 'string' && detail
          ? detail
          : typeof event.error === 'string' && event.error
            ? event.error
            : JSON.stringify(event.error ?? 'unknown error');
      this.failure = { message: clean(message), step: this.current, output: this.output.slice(-20) };
    }
    return notices;
  }

  /** The end of the stream: a last line without a newline. */
  flush(): BuildNotice[] {
    const rest = this.partial;
    this.partial = '';
    return rest ? this.line(rest) : [];
  }

  private line(rawLine: string): BuildNotice[] {
    // Progress bars redraw with \r: keep what the line finally showed.
    const parts = rawLine.split('\r').filter((p) => p.trim() !== '');
    const line = clean(parts.at(-1) ?? '').trimEnd();
    if (!line.trim()) return [];
    const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (step) {
      const record = {
        index: Number(step[1]),
        total: Number(step[2]),
        instruction: step[3] ?? '',
        cached: false,
      };
      this.steps.push(record);
      this.output = [];
      return [{ type: 'step', index: record.index, total: record.total, instruction: record.instruction }];
    }
    if (/^ ---> Using cache$/.test(line)) {
      const cur = this.current;
      if (!cur) return [];
      cur.cached = true;
      return [{ type: 'cached', index: cur.index }];
    }
    const layer = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
    if (layer) {
      if (this.current) this.current.layer = layer[1];
      return [];
    }
    const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line);
    if (built) {
      this.imageId ??= built[1];
      return [];
    }
    if (/^ ---> Running in [0-9a-f]+$|^Removing intermediate container |^Successfully tagged /.test(line))
      return [];
    this.output.push(line);
    if (this.output.length > KEEP_LINES) this.output.splice(0, this.output.length - KEEP_LINES);
    return [{ type: 'output', line }];
  }
}

function clean(text: string): string {
  return stripVTControlCharacters(text);
}

/** A failed build as one clear error (exit 4): the step, its command, the engine's message, output. */
export function buildFailureError(failure: BuildFailure, dockerfile = DOCKERFILE): DockerError {
  const { step, message, output } = failure;
  const details = [message];
  if (output.length) details.push('Last output:', ...output.map((l) => `  ${l}`));
  const pulling = /pull access denied|manifest unknown|not found: manifest|repository does not exist/i.test(
    message,
  );
  const hint = pulling
    ? 'A base image could not be pulled: check the FROM lines, your network and registry login ("docker login").'
    : step
      ? `Fix that step of ${dockerfile} (or what it runs), then run "lsvc build" again; --verbose prints the whole build output.`
      : `Check ${dockerfile}, then run "lsvc build" again; --verbose prints the whole build output.`;
  const where = step ? ` at step ${step.index}/${step.total}: ${step.instruction}` : '';
  return new DockerError(`The image build failed${where}`, { details, hint });
}

// ---------------------------------------------------------------------------------------------
// Building

export interface BuildOptions {
  contextDir: string;
  context: BuildContext;
  dockerfile?: string;
  /** Full references, e.g. billing-api:3f9c2a1b4d5e. */
  tags: string[];
  target?: string | undefined;
  noCache?: boolean;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  onNotice?: (notice: BuildNotice) => void;
}

export interface BuildOutcome {
  id: string;
  sizeBytes: number;
  steps: StepRecord[];
  hits: number;
}

/** One build through the Engine API; throws DockerError (exit 4) with the cause on failure. */
export async function buildImage(docker: Docker, opts: BuildOptions): Promise<BuildOutcome> {
  const dockerfile = opts.dockerfile ?? DOCKERFILE;
  const tracker = new BuildTracker();
  const emit = (notices: BuildNotice[]) => {
    for (const n of notices) opts.onNotice?.(n);
  };
  try {
    const tar = await packContext(opts.contextDir, opts.context);
    const stream = (await docker.buildImage(tar, {
      // The Engine API takes several `t` parameters; docker-modem repeats an array's values.
      t: opts.tags as unknown as string,
      dockerfile,
      ...(opts.target ? { target: opts.target } : {}),
      nocache: opts.noCache ?? false,
      buildargs: opts.buildArgs ?? {},
      labels: opts.labels ?? {},
      // Intermediate containers go away, also after a failed step.
      rm: true,
      forcerm: true,
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    })) as unknown as Readable;
    for await (const event of jsonEvents(stream)) emit(tracker.push(event));
    emit(tracker.flush());
  } catch (error) {
    throw streamError(error, opts.signal, 'build');
  }
  if (tracker.failure) throw buildFailureError(tracker.failure, dockerfile);
  if (!tracker.imageId) {
    throw new DockerError('The Docker engine ended the build without an image id.', {
      hint: 'Run "lsvc build --verbose" again; if it persists, check the engine\'s logs.',
    });
  }
  let sizeBytes: number;
  try {
    sizeBytes = (await docker.getImage(tracker.imageId).inspect()).Size;
  } catch (error) {
    throw streamError(error, opts.signal, 'build');
  }
  return { id: normalizeId(tracker.imageId), sizeBytes, steps: tracker.steps, hits: tracker.hits };
}

function normalizeId(id: string): string {
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

/**
 * Errors of a streaming Engine API call: Ctrl-C (130), the engine going away (4), an HTTP error
 * with the engine's message (4).
 */
export function streamError(error: unknown, signal: AbortSignal | undefined, what: string): unknown {
  if (error instanceof DockerError || error instanceof InterruptedError) return error;
  if (signal?.aborted) return new InterruptedError(`The ${what} was interrupted.`, { cause: error });
  const { code, statusCode, json, message } = (error ?? {}) as {
    code?: string;
    statusCode?: number;
    json?: { message?: string } | null;
    message?: string;
  };
  if (code && /^(ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|EACCES)$/.test(code)) return dockerUnavailable(error);
  if (statusCode !== undefined) {
    return new DockerError(
      `The Docker engine refused the ${what}: ${json?.message ?? message ?? statusCode}`,
      {
        hint: 'Run again with --verbose for details.',
        cause: error,
      },
    );
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// A service's image: tags, labels, build args, progress

export interface ServiceBuildRequest {
  service: string;
  serviceDir: string;
  git: GitState;
  /** The service's package.json version, if any. */
  packageVersion?: string | undefined;
  noCache?: boolean;
  target?: string | undefined;
  /** Extra full references (from --tag). */
  extraTags?: string[];
  /** Extra labels (from --label); lsvc's own and the OCI ones win on a clash. */
  extraLabels?: Record<string, string>;
  now?: Date;
  signal?: AbortSignal;
  progress: ProgressOptions;
  /** Show the build's own output lines (RUN output): on a terminal, or with --verbose. */
  showOutput: boolean;
  /** Told about a tag that names no clean commit (-dirty, dev-...), before the build starts. */
  onWarning?: (warning: string) => void;
}

export interface ServiceBuildResult {
  /** <service>:<tag>: what push and deploy use. */
  image: string;
  tag: string;
  tags: string[];
  id: string;
  sizeBytes: number;
  durationMs: number;
  target: string | undefined;
  cached: { steps: number; hits: number };
  steps: StepRecord[];
  warning: string | undefined;
}

export const MANAGED_BY_LABEL = 'dev.lsvc.managed-by';
export const SERVICE_LABEL = 'dev.lsvc.service';

/** OCI annotations plus lsvc's labels (so cleanup can find what lsvc made). */
export function imageLabels(o: {
  service: string;
  git: GitState;
  version: string;
  created: Date;
}): Record<string, string> {
  return {
    'org.opencontainers.image.title': o.service,
    'org.opencontainers.image.created': o.created.toISOString(),
    'org.opencontainers.image.version': o.version,
    'org.opencontainers.image.revision': revision(o.git),
    ...(o.git.repo && o.git.remoteUrl ? { 'org.opencontainers.image.source': o.git.remoteUrl } : {}),
    [MANAGED_BY_LABEL]: 'lsvc',
    [SERVICE_LABEL]: o.service,
  };
}

/** GIT_SHA / the revision label: the full sha, "-dirty" when the tree is, "unknown" outside git. */
export function revision(git: GitState): string {
  if (!git.repo) return 'unknown';
  return git.dirty ? `${git.sha}-dirty` : git.sha;
}

/** VERSION / SERVICE_VERSION: "<package version>+<tag>" (semver build metadata), or the tag. */
export function imageVersion(packageVersion: string | undefined, tag: string): string {
  return packageVersion ? `${packageVersion}+${tag}` : tag;
}

export async function buildService(docker: Docker, req: ServiceBuildRequest): Promise<ServiceBuildResult> {
  const started = Date.now();
  const now = req.now ?? new Date(started);
  const stages = dockerfileStages(await readDockerfile(req.serviceDir));
  const target = chooseTarget(stages, req.target);
  const named = imageTagFor(req.git, now);
  if (named.warning) req.onWarning?.(named.warning);
  // Another stage than the last (e.g. test) must never take the production image's tags.
  const otherStage = target !== undefined && target !== stages.at(-1);
  const tag = otherStage ? `${named.tag}-${target}` : named.tag;
  const warning = named.warning;
  const image = `${req.service}:${tag}`;
  const tags = [
    ...new Set([image, ...(otherStage ? [] : [`${req.service}:${LATEST}`]), ...(req.extraTags ?? [])]),
  ];
  const version = imageVersion(req.packageVersion, tag);
  const labels = {
    ...req.extraLabels,
    ...imageLabels({ service: req.service, git: req.git, version, created: now }),
  };

  let context: BuildContext = { files: [], dirs: [], bytes: 0 };
  let outcome: BuildOutcome | undefined;
  await runSteps(
    [
      {
        title: 'Read the build context (.dockerignore applied)',
        run: async (step) => {
          context = await listBuildContext(req.serviceDir);
          step.title(`Build context: ${context.files.length} files, ${formatBytes(context.bytes)}`);
        },
      },
      {
        // An unnamed stage is only an index: not worth showing.
        title: `Build ${image}${target && !/^\d+$/.test(target) ? ` (target ${target})` : ''}`,
        run: async (step) => {
          const base = `Build ${image}`;
          let at = '';
          let hits = 0;
          const progress = () => {
            step.title(`${base}: ${at}${hits ? `, ${hits} from cache` : ''}`);
          };
          outcome = await buildImage(docker, {
            contextDir: req.serviceDir,
            context,
            tags,
            target: req.target === undefined ? undefined : target,
            noCache: req.noCache ?? false,
            buildArgs: { GIT_SHA: revision(req.git), VERSION: version },
            labels,
            ...(req.signal ? { signal: req.signal } : {}),
            onNotice: (n) => {
              if (n.type === 'step') {
                at = `step ${n.index}/${n.total}`;
                progress();
                step.output(`Step ${n.index}/${n.total} : ${n.instruction}`);
              } else if (n.type === 'cached') {
                hits++;
                progress();
                step.output('  Using cache');
              } else if (req.showOutput) step.output(`  ${n.line}`);
            },
          });
          step.title(`Built ${image} (${outcome.steps.length} steps, ${outcome.hits} from cache)`);
        },
      },
    ],
    { ...req.progress, ...(req.signal ? { signal: req.signal } : {}) },
  );
  if (!outcome) throw new DockerError('The build did not run.');
  return {
    image,
    tag,
    tags,
    id: outcome.id,
    sizeBytes: outcome.sizeBytes,
    durationMs: Date.now() - started,
    target,
    cached: { steps: outcome.steps.length, hits: outcome.hits },
    steps: outcome.steps,
    warning,
  };
}

/** 1.2 kB, 245.3 MB: decimal units, as Docker prints sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** 850 ms, 12.4 s, 3m 05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

// ---------------------------------------------------------------------------------------------
// Command helpers (shared by build and push)

/** `--label key=value` values as a map; usage error (exit 2) for one without "=". */
export function parseLabels(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`Invalid label "${value}".`, {
        hint: 'Write labels as key=value, e.g. --label team=payments.',
      });
    }
    labels[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return labels;
}

/** The service's package.json version, if it has one. */
export async function readPackageVersion(serviceDir: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(join(serviceDir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' && pkg.version ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
