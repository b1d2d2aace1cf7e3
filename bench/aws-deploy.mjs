#!/usr/bin/env node
// Deploy benchmark: the real deploy code (dist/, run `npm run build` first) against simulated AWS
// clients that answer after 80-150 ms of real latency, and an Elastic Beanstalk state machine that
// takes N simulated minutes to roll out. Waits run on a virtual clock (sleeps take no real time;
// the real time of calls is added to it), so a 10-minute deploy runs in seconds and:
//   - "failure known -> rollback update": from lsvc printing "... failed. Why:" to the rollback's
//     UpdateEnvironment (target <= 5 s); "failure visible": from when AWS showed it (Red past the
//     grace period; the failure events with the environment Ready again) to that update;
//   - "longest silence": the longest time the plain output printed nothing (target <= 10 s);
//   - "busiest 60 s": the most calls (EB, CloudWatch, CloudWatch Logs, S3) in any 60 s (<= 30);
//   - "time lsvc adds beyond the waits" = the deploy's duration minus what Elastic Beanstalk itself
//     takes (processing the version, the rollout) and the bake (target <= 5 s).
// --baseline DIR runs the same scenarios, in the same run, against another build's dist/ (e.g.
// the commit before, built into DIR/dist) for comparison.
//   node bench/aws-deploy.mjs [runs] [--baseline DIR]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'src', 'deploy', 'deploy.js'))) {
  console.error('Run `npm run build` first (the benchmark runs the built deploy code).');
  process.exit(1);
}
async function load(dist) {
  return {
    deploy: (await import(join(dist, 'src/deploy/deploy.js'))).deploy,
    VirtualClock: (await import(join(dist, 'src/clock.js'))).VirtualClock,
    memoryReporter: (await import(join(dist, 'src/deploy/report.js'))).memoryReporter,
    DEFAULT_TIMINGS: (await import(join(dist, 'src/deploy/watch.js'))).DEFAULT_TIMINGS,
  };
}
const args = process.argv.slice(2);
const baselineAt = args.indexOf('--baseline');
const baselineDir = baselineAt >= 0 ? args[baselineAt + 1] : undefined;
const builds = [{ name: 'this build', lib: await load(join(root, 'dist')) }];
if (baselineDir) builds.push({ name: 'baseline', lib: await load(join(baselineDir, 'dist')) });
const { resourceNames } = await import('../dist/src/aws/names.js');
const { DEFAULT_TIMINGS } = builds[0].lib;

const RUNS = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--baseline') ?? 7);
const SERVICE = 'bench-svc';
const NAMES = resourceNames(SERVICE, 'staging');

/** A deterministic PRNG so runs are comparable. */
function random(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Elastic Beanstalk, simulated: UpdateEnvironment -> Updating (events every ~20 s) for
 * `rolloutMs`, then Ready / Green on the new label. Versions process in 8 s.
 */
function simulatedAws({ clock, rolloutMs, latency, goesRed, failEvents }) {
  const calls = []; // { at: clock ms, name }
  // Time with at least one call in flight (parallel calls overlap).
  let busyMs = 0;
  let inFlight = 0;
  let busySince = 0;
  const state = {
    status: 'Ready',
    label: 'v1',
    health: 'Green',
    healthStatus: 'Ok',
    updateAt: undefined,
    target: undefined,
  };
  const events = [];
  const versions = new Map([
    ['v1', { VersionLabel: 'v1', Status: 'PROCESSED', DateCreated: new Date(clock.now() - 86_400_000) }],
  ]);
  const objects = new Map();
  let emitted = 0;

  function advance() {
    if (state.updateAt === undefined) return;
    const elapsed = clock.now() - state.updateAt;
    const steps = Math.floor(Math.min(elapsed, rolloutMs) / 20_000);
    while (emitted <= steps) {
      events.push({
        EventDate: new Date(state.updateAt + emitted * 20_000),
        Severity: 'INFO',
        Message: `rollout step ${emitted}`,
      });
      emitted++;
    }
    if (elapsed >= rolloutMs && state.status === 'Updating' && failEvents && state.target !== 'v1') {
      // The instances fail the start: ERROR events, then EB ends the update back on v1, Red.
      for (const m of ['Command failed on instance. Return code: 1', 'Failed to deploy application.'])
        events.push({ EventDate: new Date(state.updateAt + rolloutMs), Severity: 'ERROR', Message: m });
      state.status = 'Ready';
      state.label = 'v1';
      state.health = 'Red';
      state.healthStatus = 'Degraded';
      state.readyAt = state.updateAt + rolloutMs;
      return;
    }
    if (elapsed >= rolloutMs && state.status === 'Updating') {
      state.status = 'Ready';
      state.label = state.target;
      const red = goesRed && state.target !== 'v1';
      state.health = red ? 'Red' : 'Green';
      state.healthStatus = red ? 'Severe' : 'Ok';
      events.push({
        EventDate: new Date(state.updateAt + rolloutMs),
        Severity: 'INFO',
        Message: 'Environment update completed successfully.',
      });
      state.readyAt = state.updateAt + rolloutMs;
    }
  }

  let processedSeen;
  const VersionLabels = (input) => input.VersionLabels;
  const handlers = {
    DescribeEnvironments: () => ({
      Environments: [
        {
          EnvironmentName: NAMES.environment,
          ApplicationName: SERVICE,
          Status: state.status,
          VersionLabel: state.label,
          Health: state.health,
          HealthStatus: state.healthStatus,
        },
      ],
    }),
    DescribeEvents: ({ StartTime }) => ({
      Events: events.filter((e) => e.EventDate >= StartTime).reverse(),
    }),
    DescribeEnvironmentHealth: () => ({
      Color: state.health,
      HealthStatus: state.status === 'Updating' ? 'Info' : state.healthStatus,
      Status: state.status,
      Causes: state.status === 'Updating' ? ['Command is executing on all instances.'] : [],
    }),
    DescribeInstancesHealth: () => ({
      InstanceHealthList: [{ InstanceId: 'i-1', HealthStatus: state.healthStatus, Causes: [] }],
    }),
    UpdateEnvironment: ({ VersionLabel }) => {
      state.status = 'Updating';
      state.health = 'Grey';
      state.healthStatus = 'Info';
      state.target = VersionLabel;
      state.updateAt = clock.now();
      emitted = 0;
      return { Status: 'Updating', VersionLabel: state.label };
    },
    CreateStorageLocation: () => ({ S3Bucket: 'elasticbeanstalk-eu-west-1-123456789012' }),
    DescribeApplicationVersions: ({ VersionLabels }) => ({
      ApplicationVersions: [...versions.values()]
        .filter((v) => !VersionLabels || VersionLabels.includes(v.VersionLabel))
        .map((v) => ({
          ...v,
          Status: v.readyAt !== undefined && clock.now() >= v.readyAt ? 'PROCESSED' : v.Status,
        })),
    }),
    CreateApplicationVersion: (input) => {
      versions.set(input.VersionLabel, {
        ...input,
        DateCreated: new Date(clock.now()),
        Status: 'PROCESSING',
        readyAt: clock.now() + 8000,
      });
      return {};
    },
    HeadObject: ({ Key }) => {
      const o = objects.get(Key);
      if (!o)
        throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return { Metadata: o };
    },
    PutObject: ({ Key, Metadata }) => {
      objects.set(Key, Metadata);
      return {};
    },
    DescribeAlarms: () => ({ MetricAlarms: [], CompositeAlarms: [] }),
    RequestEnvironmentInfo: () => {
      state.tailAskedAt = clock.now();
      return {};
    },
    RetrieveEnvironmentInfo: () => ({
      EnvironmentInfo:
        state.tailAskedAt !== undefined && clock.now() >= state.tailAskedAt + 6000
          ? [
              {
                InfoType: 'tail',
                Ec2InstanceId: 'i-1',
                SampleTimestamp: new Date(state.tailAskedAt + 6000),
                Message: 'https://bucket.s3.amazonaws.com/tail-i-1',
              },
            ]
          : [],
    }),
    FilterLogEvents: () => ({
      events: [
        {
          timestamp: clock.now() - 2000,
          message: 'web-1  | Error: connect ECONNREFUSED',
          logStreamName: 'i-1',
          eventId: '1',
        },
        {
          timestamp: clock.now() - 1000,
          message: 'worker-1  | Error: Redis down',
          logStreamName: 'i-1',
          eventId: '2',
        },
      ],
    }),
  };

  const client = {
    async send(command) {
      const name = command.constructor.name.replace(/Command$/, '');
      const handler = handlers[name];
      if (!handler) throw new Error(`not simulated: ${name}`);
      const at = clock.now();
      if (inFlight++ === 0) busySince = performance.now();
      await new Promise((resolve) => setTimeout(resolve, latency()));
      if (--inFlight === 0) busyMs += performance.now() - busySince;
      calls.push({ at, name });
      advance();
      const answer = handler(command.input);
      if (
        name === 'DescribeApplicationVersions' &&
        VersionLabels?.(command.input) &&
        processedSeen === undefined
      ) {
        if (answer.ApplicationVersions.some((v) => v.VersionLabel === 'v2' && v.Status === 'PROCESSED'))
          processedSeen = clock.now();
      }
      return answer;
    },
  };
  return {
    client,
    calls,
    state,
    busy: () => busyMs,
    processingMs: 8000,
    processed: () => ({ created: versions.get('v2')?.DateCreated?.getTime(), seen: processedSeen }),
  };
}

function median(values) {
  const s = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The most calls in any 60 s window (simulated time). */
function busiestMinute(calls) {
  let best = 0;
  for (let i = 0, j = 0; i < calls.length; i++) {
    while (calls[i].at - calls[j].at >= 60_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function once(lib, { rolloutMin, seed, goesRed = false, failEvents = false }) {
  const { deploy, VirtualClock, memoryReporter } = lib;
  const clock = new VirtualClock(Date.parse('2026-11-28T10:00:00Z'), true);
  const rnd = random(seed);
  // The rollout's length varies by up to 10 s so that where it ends between two polls varies too.
  const rolloutMs = rolloutMin * 60_000 + rnd() * 10_000;
  const aws = simulatedAws({ clock, rolloutMs, latency: () => 80 + rnd() * 70, goesRed, failEvents });
  const reporter = memoryReporter(clock);
  // Every line's clock time (both builds push to reporter.lines).
  const times = [];
  const push = reporter.lines.push.bind(reporter.lines);
  reporter.lines.push = (...lines) => {
    for (const line of lines) times.push({ at: clock.now(), line });
    return push(...lines);
  };
  const timings = { ...lib.DEFAULT_TIMINGS };
  const wallStart = performance.now();
  const clockStart = clock.now();
  let outcome;
  try {
    outcome = (
      await deploy(
        {
          eb: aws.client,
          s3: aws.client,
          cloudwatch: aws.client,
          logs: aws.client,
          fetchText: async () => {
            await new Promise((resolve) => setTimeout(resolve, latency()));
            return '----------------------------------------\n/var/log/eb-engine.log\n----------------------------------------\n[ERROR] container web-1 exited (1)\n';
          },
          clock,
          reporter,
          signal: new AbortController().signal,
          confirmAbort: async () => true,
          publisher: { exists: async () => true, buildAndPush: async () => undefined },
        },
        {
          names: NAMES,
          envName: 'staging',
          version: 'v2',
          description: 'git 0123456789abcdef0123456789abcdef01234567 · bench · benchmark',
          repositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/bench-svc',
          dirty: false,
          rollback: true,
          detach: false,
          timings,
        },
      )
    ).outcome;
  } catch (error) {
    outcome =
      error.exitCode === 6 && /rolled back/.test(error.message)
        ? 'exit 6, rolled back'
        : `exit ${error.exitCode}: ${error.message}`;
  }
  function latency() {
    return 80 + rnd() * 70;
  }
  const wallMs = performance.now() - wallStart;
  const simMs = clock.now() - clockStart;
  const updates = aws.calls.filter((c) => c.name === 'UpdateEnvironment');
  const [update, rollback] = updates;
  const failed = goesRed || failEvents;
  // Inherent waits: EB processing and rolling out, and the bake.
  const inherent = aws.processingMs + rolloutMs + timings.bakeMs;
  // When the failure could be acted on: Red since the end of the rollout, past the grace; or
  // the failure events, with the environment Ready again (at the end of the rollout).
  const visibleAt = update.at + rolloutMs + (goesRed ? timings.healthGraceMs : 0);
  const knownAt = times.find((t) => / failed\. Why:$/.test(t.line))?.at;
  const shown = times.filter((t) => !t.line.startsWith('debug:'));
  let silence = 0;
  for (let i = 1; i < shown.length; i++) silence = Math.max(silence, shown[i].at - shown[i - 1].at);
  if (process.env.BENCH_TRACE) {
    const t0 = update.at;
    const rows = [
      ...times.map((t) => ({ at: t.at, text: t.line })),
      ...aws.calls.map((c) => ({ at: c.at, text: `  [call] ${c.name}` })),
    ].sort((a, b) => a.at - b.at);
    for (const r of rows) console.error(`${((r.at - t0) / 1000).toFixed(1).padStart(7)} ${r.text}`);
  }
  return {
    outcome,
    calls: aws.calls.length,
    busiest: busiestMinute(aws.calls),
    simMin: simMs / 60_000,
    addedS: failed ? undefined : (simMs - inherent) / 1000,
    knownToRollbackS:
      failed && rollback && knownAt !== undefined ? (rollback.at - knownAt) / 1000 : undefined,
    visibleToRollbackS: failed && rollback ? (rollback.at - visibleAt) / 1000 : undefined,
    silenceS: silence / 1000,
    cpuS: (wallMs - aws.busy()) / 1000,
  };
}

const only = process.env.BENCH_ONLY;
const scenarios = [
  { label: 'healthy, 3 min rollout', rolloutMin: 3 },
  { label: 'Red after 3 min -> rollback', rolloutMin: 3, goesRed: true },
  { label: 'failure events after 2 min -> rollback', rolloutMin: 2, failEvents: true },
].filter((s) => !only || s.label.startsWith(only));
console.log(
  `Run ${new Date().toISOString()} · Node ${process.version} · ${RUNS} runs per scenario and build (medians) · simulated latency 80-150 ms per call · poll ${DEFAULT_TIMINGS.pollMs / 1000} s, bake ${DEFAULT_TIMINGS.bakeMs / 1000} s, health grace ${DEFAULT_TIMINGS.healthGraceMs / 1000} s\n`,
);
console.log(
  '| scenario | build | outcome | simulated duration | AWS calls | busiest 60 s (target <= 30) | longest silence in plain output (target <= 10 s) | failure known -> rollback update (target <= 5 s) | failure visible in AWS -> rollback update | time lsvc adds beyond the waits (target <= 5 s) | lsvc CPU |',
);
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const fmt = (v, unit = ' s', digits = 1) => (v === undefined ? 'n/a' : `${v.toFixed(digits)}${unit}`);
for (const s of scenarios) {
  for (const build of builds) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(build.lib, { ...s, seed: 7 + i }));
    const m = (key) => median(runs.map((r) => r[key]));
    const worst = (key) => Math.max(...runs.map((r) => r[key] ?? 0));
    console.log(
      `| ${s.label} | ${build.name} | ${runs[0].outcome} | ${fmt(m('simMin'), ' min', 2)} | ${m('calls')} | ${m('busiest')} (worst ${worst('busiest')}) | ${fmt(m('silenceS'))} (worst ${fmt(worst('silenceS'))}) | ${fmt(m('knownToRollbackS'))} | ${fmt(m('visibleToRollbackS'))} | ${fmt(m('addedS'))} | ${fmt(m('cpuS'), ' s', 2)} |`,
    );
  }
}
