// The classic builder's progress stream (recorded from Engine 20.10): steps, cache hits, output,
// and a failure that only shows up as an `errorDetail` event.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, describe, expect, it } from '@jest/globals';
import type Docker from 'dockerode';

import {
  type BuildNotice,
  buildFailureError,
  buildImage,
  buildService,
  BuildTracker,
  formatBytes,
  formatDuration,
  imageLabels,
  imageVersion,
  jsonEvents,
  parseLabels,
  revision,
} from '../../src/docker/build.js';
import { DockerError } from '../../src/errors.js';
import { removeDir, tempDir } from '../support/cli.js';

// `docker build` of a Dockerfile whose third step fails (stderr comes colour-coded).
const FAILING = [
  { stream: 'Step 1/4 : FROM debian:bookworm-slim' },
  { stream: '\n' },
  { stream: ' ---> 83e64a0a6455\n' },
  { stream: 'Step 2/4 : RUN echo one && echo two' },
  { stream: '\n' },
  { stream: ' ---> Running in 5fd9f681639d\n' },
  { stream: 'one\ntwo\n' },
  { stream: 'Removing intermediate container 5fd9f681639d\n' },
  { stream: ' ---> cb45726dbd09\n' },
  { stream: 'Step 3/4 : RUN printf "partial line" && echo && echo "about to fail" >&2 && false' },
  { stream: '\n' },
  { stream: ' ---> Running in 2cdbe3b743e5\n' },
  { stream: 'partial line' },
  { stream: '\n' },
  { stream: '\u001b[91mabout to fail\n\u001b[0m' },
  { stream: 'Removing intermediate container 2cdbe3b743e5\n' },
  {
    errorDetail: {
      code: 1,
      message:
        'The command \'/bin/sh -c printf "partial line" && echo && echo "about to fail" >&2 && false\' returned a non-zero code: 1',
    },
    error:
      'The command \'/bin/sh -c printf "partial line" && echo && echo "about to fail" >&2 && false\' returned a non-zero code: 1',
  },
];

// A rebuild: dependencies from the cache, sources rebuilt, then the image id.
const CACHED = [
  { stream: 'Step 1/5 : FROM node:24-bookworm-slim AS base\n' },
  { stream: ' ---> 1a2b3c4d5e6f\n' },
  { stream: 'Step 2/5 : COPY package.json package-lock.json ./\n' },
  { stream: ' ---> Using cache\n' },
  { stream: ' ---> 2b3c4d5e6f70\n' },
  { stream: 'Step 3/5 : RUN npm ci\n' },
  { stream: ' ---> Using cache\n' },
  { stream: ' ---> 3c4d5e6f7081\n' },
  { stream: 'Step 4/5 : COPY . .\n' },
  { stream: ' ---> 4d5e6f708192\n' },
  { stream: 'Step 5/5 : RUN npm run build\n' },
  { stream: ' ---> Running in 99aa88bb77cc\n' },
  { stream: '\n> build\n> tsc\n\n' },
  { stream: 'progress 10%\rprogress 50%\rprogress 100%\n' },
  { stream: 'Removing intermediate container 99aa88bb77cc\n' },
  { stream: ' ---> 5e6f708192a3\n' },
  { aux: { ID: 'sha256:5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d' } },
  { stream: 'Successfully built 5e6f708192a3\n' },
  { stream: 'Successfully tagged billing-api:3f9c2a1b4d5e\n' },
];

function track(events: unknown[]): { tracker: BuildTracker; notices: BuildNotice[] } {
  const tracker = new BuildTracker();
  const notices = events.flatMap((e) => tracker.push(e));
  notices.push(...tracker.flush());
  return { tracker, notices };
}

describe('BuildTracker', () => {
  it('finds the failing step, its command, the engine message and the output (colours stripped)', () => {
    const { tracker, notices } = track(FAILING);
    expect(notices.filter((n) => n.type === 'step').map((n) => n.index)).toEqual([1, 2, 3]);
    expect(notices.filter((n) => n.type === 'output').map((n) => n.line)).toEqual([
      'one',
      'two',
      'partial line',
      'about to fail',
    ]);
    expect(tracker.failure).toEqual({
      message: expect.stringMatching(/^The command '\/bin\/sh -c printf .* returned a non-zero code: 1$/),
      step: expect.objectContaining({
        index: 3,
        total: 4,
        instruction: expect.stringMatching(/^RUN printf/),
      }),
      output: ['partial line', 'about to fail'],
    });
    expect(tracker.imageId).toBeUndefined();
    expect(tracker.steps.map((s) => s.layer)).toEqual(['83e64a0a6455', 'cb45726dbd09', undefined]);
  });

  it('counts steps and cache hits, records layer ids and the image id', () => {
    const { tracker, notices } = track(CACHED);
    expect(tracker.failure).toBeUndefined();
    expect(tracker.steps.map((s) => [s.index, s.cached])).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, false],
      [5, false],
    ]);
    expect(tracker.hits).toBe(2);
    expect(tracker.steps[2]).toMatchObject({ instruction: 'RUN npm ci', layer: '3c4d5e6f7081' });
    expect(tracker.imageId).toBe('sha256:5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d');
    expect(notices.filter((n) => n.type === 'cached')).toEqual([
      { type: 'cached', index: 2 },
      { type: 'cached', index: 3 },
    ]);
    // A progress bar redrawn with \r shows as its last state; blank lines are dropped.
    expect(notices.filter((n) => n.type === 'output').map((n) => n.line)).toEqual([
      '> build',
      '> tsc',
      'progress 100%',
    ]);
  });

  it('takes a failure before any step (a Dockerfile parse error)', () => {
    const { tracker } = track([
      { errorDetail: { message: 'dockerfile parse error line 2: unknown instruction: RUUN' } },
    ]);
    expect(tracker.failure).toEqual({
      message: 'dockerfile parse error line 2: unknown instruction: RUUN',
      step: undefined,
      output: [],
    });
  });
});

describe('buildFailureError', () => {
  it('names the step and its command, then the message and the last output lines (exit 4)', () => {
    const { tracker } = track(FAILING);
    if (!tracker.failure) throw new Error('expected a failure');
    const err = buildFailureError(tracker.failure);
    expect(err).toBeInstanceOf(DockerError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe(
      'The image build failed at step 3/4: RUN printf "partial line" && echo && echo "about to fail" >&2 && false',
    );
    expect(err.details).toEqual([
      expect.stringMatching(/returned a non-zero code: 1$/),
      'Last output:',
      '  partial line',
      '  about to fail',
    ]);
    expect(err.hint).toMatch(/^Fix that step of Dockerfile/);
  });

  it('points at the FROM lines when a base image cannot be pulled', () => {
    const err = buildFailureError({
      message: "pull access denied for nope, repository does not exist or may require 'docker login'",
      step: { index: 1, total: 3, instruction: 'FROM nope', cached: false },
      output: [],
    });
    expect(err.hint).toMatch(/base image could not be pulled/);
  });
});

describe('jsonEvents', () => {
  it('reassembles JSON lines split across chunks, and keeps a non-JSON line as output', async () => {
    const chunks = ['{"stream":"Step 1/1 : FR', 'OM x\\n"}\r\n{"aux":{"ID":"sha256:ab"}}\n', 'not json\n'];
    const events = [];
    for await (const e of jsonEvents(Readable.from(chunks.map((c) => Buffer.from(c))))) events.push(e);
    expect(events).toEqual([
      { stream: 'Step 1/1 : FROM x\n' },
      { aux: { ID: 'sha256:ab' } },
      { stream: 'not json\n' },
    ]);
  });
});

/** A Docker client whose build answers with recorded events. */
function fakeDocker(events: unknown[], opts: { size?: number } = {}) {
  const calls: { options?: Record<string, unknown>; inspected?: string } = {};
  const docker = {
    buildImage: async (_tar: unknown, options: Record<string, unknown>) => {
      calls.options = options;
      return Readable.from(events.map((e) => `${JSON.stringify(e)}\r\n`));
    },
    getImage: (id: string) => ({
      inspect: async () => {
        calls.inspected = id;
        return { Id: id, Size: opts.size ?? 123_456_789 };
      },
    }),
  };
  return { docker: docker as unknown as Docker, calls };
}

describe('buildImage (fake engine)', () => {
  const base = {
    contextDir: '/nonexistent',
    context: { files: [], dirs: [], bytes: 0 },
    tags: ['x:1', 'x:latest'],
  };

  it('throws the step failure as exit 4 although the stream ended "successfully"', async () => {
    const { docker } = fakeDocker(FAILING);
    await expect(buildImage(docker, base)).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringContaining('at step 3/4'),
    });
  });

  it('passes tags, target, build args and labels, and returns id, size and cache counts', async () => {
    const { docker, calls } = fakeDocker(CACHED);
    const seen: BuildNotice[] = [];
    const outcome = await buildImage(docker, {
      ...base,
      target: 'runtime',
      noCache: true,
      buildArgs: { GIT_SHA: 'abc' },
      labels: { a: 'b' },
      onNotice: (n) => seen.push(n),
    });
    expect(calls.options).toMatchObject({
      t: ['x:1', 'x:latest'],
      dockerfile: 'Dockerfile',
      target: 'runtime',
      nocache: true,
      buildargs: { GIT_SHA: 'abc' },
      labels: { a: 'b' },
      rm: true,
      forcerm: true,
    });
    expect(outcome).toMatchObject({ sizeBytes: 123_456_789, hits: 2 });
    expect(outcome.id).toMatch(/^sha256:5e6f7081/);
    expect(seen.filter((n) => n.type === 'step')).toHaveLength(5);
  });

  it('fails (exit 4) when the stream ends without an image id', async () => {
    const { docker } = fakeDocker(CACHED.slice(0, 5));
    await expect(buildImage(docker, base)).rejects.toMatchObject({
      exitCode: 4,
      message: 'The Docker engine ended the build without an image id.',
    });
  });

  it('turns an engine that went away into "Docker is not reachable" (exit 4)', async () => {
    const docker = {
      buildImage: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
      },
    } as unknown as Docker;
    await expect(buildImage(docker, base)).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/^Docker is not reachable at .* \(ECONNREFUSED\)\.$/),
    });
  });

  it('reports Ctrl-C as interrupted (exit 130)', async () => {
    const abort = new AbortController();
    abort.abort();
    const docker = {
      buildImage: async () => {
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      },
    } as unknown as Docker;
    await expect(buildImage(docker, { ...base, signal: abort.signal })).rejects.toMatchObject({
      exitCode: 130,
    });
  });
});

describe('labels, version and formatting', () => {
  const git = {
    repo: true as const,
    sha: '3f9c2a1b4d5e6f708192a3b4c5d6e7f809a1b2c3',
    dirty: false,
    changes: [],
    author: 'a',
    message: 'm',
    remoteUrl: 'https://github.com/acme/billing-api.git',
  };

  it('sets the OCI labels and lsvc labels', () => {
    const created = new Date('2026-11-28T09:30:05.123Z');
    expect(imageLabels({ service: 'billing-api', git, version: '1.0.0+3f9c2a1b4d5e', created })).toEqual({
      'org.opencontainers.image.title': 'billing-api',
      'org.opencontainers.image.created': '2026-11-28T09:30:05.123Z',
      'org.opencontainers.image.version': '1.0.0+3f9c2a1b4d5e',
      'org.opencontainers.image.revision': git.sha,
      'org.opencontainers.image.source': 'https://github.com/acme/billing-api.git',
      'dev.lsvc.managed-by': 'lsvc',
      'dev.lsvc.service': 'billing-api',
    });
    const outside = imageLabels({ service: 's', git: { repo: false, reason: 'x' }, version: 'v', created });
    expect(outside['org.opencontainers.image.revision']).toBe('unknown');
    expect(outside).not.toHaveProperty('org.opencontainers.image.source');
  });

  it('marks a dirty revision and builds the version from package.json and the tag', () => {
    expect(revision({ ...git, dirty: true })).toBe(`${git.sha}-dirty`);
    expect(imageVersion('1.4.0', '3f9c2a1b4d5e')).toBe('1.4.0+3f9c2a1b4d5e');
    expect(imageVersion(undefined, 'dev-20261128-093005')).toBe('dev-20261128-093005');
  });

  it('parses --label key=value (exit 2 without "=")', () => {
    expect(parseLabels(['team=payments', 'note=a=b', 'empty='])).toEqual({
      team: 'payments',
      note: 'a=b',
      empty: '',
    });
    expect(() => parseLabels(['novalue'])).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it.each([
    [999, '999 B'],
    [1500, '1.5 kB'],
    [245_300_000, '245.3 MB'],
  ])('formatBytes(%d) = %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it.each([
    [850, '850 ms'],
    [12_400, '12.4 s'],
    [185_000, '3m 05s'],
  ])('formatDuration(%d) = %s', (n, text) => {
    expect(formatDuration(n)).toBe(text);
  });
});

describe('buildService (fake engine)', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    await Promise.all(cleanup.map(removeDir));
  });
  const git = {
    repo: true as const,
    sha: '3f9c2a1b4d5e6f708192a3b4c5d6e7f809a1b2c3',
    dirty: true,
    changes: [' M src/web.ts'],
    author: 'a',
    message: 'm',
    remoteUrl: undefined,
  };

  async function service(): Promise<string> {
    const dir = await tempDir('lsvc-svc-');
    cleanup.push(dir);
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'web.ts'), 'x');
    await writeFile(join(dir, 'Dockerfile'), 'FROM node AS deps\nFROM deps AS test\nFROM node AS runtime\n');
    return dir;
  }
  const run = async (target?: string) => {
    const { docker, calls } = fakeDocker(CACHED);
    const warnings: string[] = [];
    const result = await buildService(docker, {
      service: 'billing-api',
      serviceDir: await service(),
      git,
      packageVersion: '1.4.0',
      target,
      extraTags: ['billing-api:ci'],
      extraLabels: { team: 'payments', 'dev.lsvc.service': 'spoofed' },
      now: new Date('2026-11-28T09:30:05.123Z'),
      progress: { json: true },
      showOutput: false,
      onWarning: (w) => warnings.push(w),
    });
    return { result, options: calls.options ?? {}, warnings };
  };

  it('tags <sha12>[-dirty] and latest, passes build args and labels, warns about the dirty tree', async () => {
    const { result, options, warnings } = await run();
    expect(options).toMatchObject({
      t: ['billing-api:3f9c2a1b4d5e-dirty', 'billing-api:latest', 'billing-api:ci'],
      buildargs: { GIT_SHA: `${git.sha}-dirty`, VERSION: '1.4.0+3f9c2a1b4d5e-dirty' },
      labels: {
        team: 'payments',
        'dev.lsvc.service': 'billing-api',
        'org.opencontainers.image.created': '2026-11-28T09:30:05.123Z',
      },
    });
    expect(options).not.toHaveProperty('target');
    expect(result).toMatchObject({
      image: 'billing-api:3f9c2a1b4d5e-dirty',
      target: 'runtime',
      cached: { steps: 5, hits: 2 },
    });
    expect(warnings).toEqual([expect.stringMatching(/1 uncommitted change/)]);
  });

  it('another stage gets <tag>-<stage> only, never latest', async () => {
    const { result, options } = await run('test');
    expect(options).toMatchObject({
      target: 'test',
      t: ['billing-api:3f9c2a1b4d5e-dirty-test', 'billing-api:ci'],
    });
    expect(result.image).toBe('billing-api:3f9c2a1b4d5e-dirty-test');
    const last = await run('runtime');
    expect(last.options.t).toEqual([
      'billing-api:3f9c2a1b4d5e-dirty',
      'billing-api:latest',
      'billing-api:ci',
    ]);
  });
});
