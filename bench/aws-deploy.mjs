#!/usr/bin/env node
// Deploy benchmark: the real deploy code (dist/, run `npm run build` first) against simulated AWS
// clients that answer after 80-150 ms of real latency, and an Elastic Beanstalk state machine that
// takes N simulated minutes to roll out. Waits run on a virtual clock (sleeps take no real time;
// the real time of calls is added to it), so a 10-minute deploy runs in seconds and:
//   - "AWS calls per minute while waiting" = calls / simulated minutes (target <= 30), also the
//     busiest 60 s window;
//   - "time lsvc adds beyond the waits" = the deploy's duration minus what Elastic Beanstalk itself
//     takes (processing the version, the rollout) and the bake (target <= 5 s): the latency of the
//     calls made in sequence, lsvc's own work, and how late each end of a wait is noticed
//     (polling); with its parts: lsvc's CPU time on the way (real time minus call latency).
//   node bench/aws-deploy.mjs [runs]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'src', 'deploy', 'deploy.js'))) {
  console.error('Run `npm run build` first (the benchmark runs the built deploy code).');
  process.exit(1);
}
const { deploy } = await import('../dist/src/deploy/deploy.js');
const { VirtualClock } = await import('../dist/src/clock.js');
const { memoryReporter } = await import('../dist/src/deploy/report.js');
const { DEFAULT_TIMINGS } = await import('../dist/src/deploy/watch.js');
const { resourceNames } = await import('../dist/src/aws/names.js');

const RUNS = Number(process.argv[2] ?? 7);
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
function simulatedAws({ clock, rolloutMs, latency, goesRed }) {
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
  const s = [...values].sort((a, b) => a - b);
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

async function once({ rolloutMin, seed, goesRed = false }) {
  const clock = new VirtualClock(Date.parse('2026-11-28T10:00:00Z'), true);
  const rnd = random(seed);
  // The rollout's length varies by up to 10 s so that where it ends between two polls varies too.
  const rolloutMs = rolloutMin * 60_000 + rnd() * 10_000;
  const aws = simulatedAws({ clock, rolloutMs, latency: () => 80 + rnd() * 70, goesRed });
  const reporter = memoryReporter();
  // When lsvc saw the new version healthy (the bake's start).
  let bakeSeen;
  const info = reporter.info;
  reporter.info = (line) => {
    if (line.includes('baking')) bakeSeen = clock.now();
    info(line);
  };
  const timings = { ...DEFAULT_TIMINGS };
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
    outcome = `exit ${error.exitCode}: ${error.message}`;
  }
  const wallMs = performance.now() - wallStart;
  const simMs = clock.now() - clockStart;
  const update = aws.calls.find((c) => c.name === 'UpdateEnvironment');
  const waiting = aws.calls.filter((c) => c.at >= update.at);
  const waitMin = (clock.now() - update.at) / 60_000;
  // What EB takes plus the bake: the waits no client can shorten.
  const inherent = aws.processingMs + rolloutMs + timings.bakeMs;
  const { created, seen } = aws.processed();
  const readyAt = update.at + rolloutMs;
  // Polling lag: how late the end of each wait was seen (version processed; rollout done).
  const lagS = (seen - (created + aws.processingMs) + (goesRed ? 0 : bakeSeen - readyAt)) / 1000;
  return {
    outcome,
    lagS,
    workS: goesRed ? undefined : (simMs - inherent) / 1000 - lagS,
    calls: aws.calls.length,
    perMinute: waiting.length / waitMin,
    busiest: busiestMinute(waiting),
    simMin: simMs / 60_000,
    addedS: goesRed ? undefined : (simMs - inherent) / 1000,
    cpuS: (wallMs - aws.busy()) / 1000,
    byName: Object.entries(Object.groupBy(waiting, (c) => c.name))
      .map(([k, v]) => `${k} ${v.length}`)
      .join(', '),
  };
}

const scenarios = [
  { label: 'healthy, 3 min rollout', rolloutMin: 3 },
  { label: 'healthy, 8 min rollout', rolloutMin: 8 },
  { label: 'Red after 3 min -> rollback', rolloutMin: 3, goesRed: true },
];
console.log(
  `Run ${new Date().toISOString()} · Node ${process.version} · ${RUNS} runs per scenario (medians) · simulated latency 80-150 ms per call · poll ${DEFAULT_TIMINGS.pollMs / 1000} s, bake ${DEFAULT_TIMINGS.bakeMs / 1000} s, health grace ${DEFAULT_TIMINGS.healthGraceMs / 1000} s\n`,
);
console.log(
  '| scenario | outcome | simulated duration | AWS calls | calls/min while waiting (target <= 30) | busiest 60 s | time lsvc adds beyond the waits (target <= 5 s) | of which: calls in sequence + lsvc CPU | of which: polling lag | lsvc CPU alone |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const details = [];
for (const s of scenarios) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once({ ...s, seed: 7 + i }));
  const m = (key) => median(runs.map((r) => r[key]));
  const added = runs[0].addedS === undefined ? 'n/a (failed on purpose)' : `${m('addedS').toFixed(1)} s`;
  details.push(`- ${s.label}: calls after UpdateEnvironment: ${runs[0].byName}`);
  console.log(
    `| ${s.label} | ${runs[0].outcome} | ${m('simMin').toFixed(2)} min | ${m('calls')} | ${m('perMinute').toFixed(1)} | ${m('busiest')} | ${added} | ${runs[0].workS === undefined ? 'n/a' : `${m('workS').toFixed(1)} s`} | ${runs[0].workS === undefined ? 'n/a' : `${m('lagS').toFixed(1)} s`} | ${m('cpuS').toFixed(2)} s |`,
  );
}
console.log(`\n${details.join('\n')}`);
