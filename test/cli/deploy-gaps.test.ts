// Issue #10, points 4, 5, 7 and 10 on the deploy side, against the scripted Elastic Beanstalk of
// deploy-fakes.ts (aws-sdk-client-mock + VirtualClock): no silent gaps and a quick rollback
// under the call budget, truthful outcomes, the failure's evidence, and health on both paths.
import { UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from '@jest/globals';

import { VirtualClock } from '../../src/clock.js';
import { CallBudget } from '../../src/deploy/budget.js';
import { deploy, type DeployOptions } from '../../src/deploy/deploy.js';
import { engineLogTail } from '../../src/deploy/evidence.js';
import { consoleReporter, formatProgress, type HealthSnapshot } from '../../src/deploy/report.js';
import { type DeployResult, resultOf } from '../../src/deploy/result.js';
import { isBad, isGood, steadyCause } from '../../src/deploy/watch.js';
import { LsvcError } from '../../src/errors.js';
import { makePaint } from '../../src/ui.js';
import { ENV, FakeEb, healthyRollout, NAMES, type Phase, REPOSITORY_URI, TIMINGS } from './deploy-fakes.js';

function options(over: Partial<DeployOptions> = {}): DeployOptions {
  return {
    names: NAMES,
    envName: ENV,
    version: 'v2',
    description: 'git 0123456789abcdef0123456789abcdef01234567 · Ann · Add notes search',
    repositoryUri: REPOSITORY_URI,
    dirty: false,
    rollback: true,
    detach: false,
    timings: TIMINGS,
    ...over,
  };
}

async function failure(run: Promise<DeployResult>) {
  try {
    await run;
  } catch (error) {
    if (!(error instanceof LsvcError)) throw error;
    const result = resultOf(error);
    if (!result) throw new Error(`no result on ${error.message}`, { cause: error });
    return { exitCode: error.exitCode, message: error.message, hint: error.hint, result };
  }
  throw new Error('expected the deploy to fail');
}

const updatedLabels = (fake: FakeEb) =>
  fake.ebMock.commandCalls(UpdateEnvironmentCommand).map((c) => c.args[0].input.VersionLabel);

const ENGINE_TAIL = [
  '----------------------------------------',
  '/var/log/nginx/access.log',
  '----------------------------------------',
  '10.0.0.1 - - "GET /health" 502',
  '----------------------------------------',
  '/var/log/eb-engine.log',
  '----------------------------------------',
  '2026/11/28 10:00:41.100 [INFO] Running command: docker compose up -d',
  '2026/11/28 10:00:49.900 [ERROR] An error occurred during execution of command [app-deploy] - [Start Docker]. container web-1 exited (1)',
  '',
].join('\n');

/** Red from 40 s on, two instances with the environment's cause repeated, logs and tails ready. */
function redWithEvidence(fake: FakeEb, label = 'v2'): void {
  const instance = (id: string) => ({
    InstanceId: id,
    HealthStatus: 'Severe',
    Color: 'Red',
    Causes: ['100.0 % of the requests are failing with HTTP 5xx.', 'Process default has been unhealthy.'],
    Deployment: { VersionLabel: label },
  });
  fake.scripts.set(label, [
    ...healthyRollout(label).slice(0, 3),
    {
      at: 40_000,
      status: 'Ready',
      label,
      health: 'Red',
      healthStatus: 'Severe',
      causes: ['100.0 % of the requests are failing with HTTP 5xx.'],
      instances: [instance('i-0a1'), instance('i-0b2')],
      events: [['INFO', 'Environment update completed successfully.']],
    },
  ]);
  const t0 = fake.clock.now();
  for (let i = 0; i < 30; i++) {
    fake.containerLog.push({ at: t0 + 30_000 + i * 1000, message: `web-1     | boot line ${i}` });
  }
  fake.containerLog.push({
    at: t0 + 45_000,
    message: 'web-1     | Error: connect ECONNREFUSED 10.0.3.7:5432',
  });
  fake.containerLog.push({
    at: t0 + 46_000,
    message: 'worker-1  | Error: Redis connection to 10.0.4.2:6379 failed',
  });
  fake.tails.set('i-0a1', ENGINE_TAIL);
  fake.tails.set('i-0b2', ENGINE_TAIL);
}

describe('point 4: no silent gaps, the rollback within seconds, the budget kept', () => {
  it('Red past the grace: rollback UpdateEnvironment <= 5 s after the failure, no silence > 10 s, <= 30 calls in any minute (S3 included)', async () => {
    const fake = new FakeEb();
    redWithEvidence(fake);
    const err = await failure(deploy(fake.deps(), options()));
    expect(err.result.outcome).toBe('rolled-back');
    expect(updatedLabels(fake)).toEqual(['v2', 'v1']);

    const failedAt = fake.lineAt(/^Deploy of v2 to demo-staging failed\. Why:/) ?? NaN;
    const redAt = (fake.updates[0]?.at ?? 0) + 40_000;
    // Red from 40 s, failed once the 60 s grace has run (seen at the next poll).
    expect(failedAt - redAt).toBeGreaterThanOrEqual(60_000);
    expect(failedAt - redAt).toBeLessThanOrEqual(60_000 + TIMINGS.pollMs + 1000);
    expect((fake.updates[1]?.at ?? 0) - failedAt).toBeLessThanOrEqual(5000);

    expect(fake.longestSilence()).toBeLessThanOrEqual(10_000);
    expect(fake.busiestMinute()).toBeLessThanOrEqual(30);
    expect(fake.log.some((c) => c.name === 'PutObject')).toBe(true);

    // The grace counted down on screen.
    const out = fake.output();
    expect(out).toMatch(
      /progress: rolling out v2 · [\dm]+s · health Red \(Severe\) · 2\/2 instances on v2 · fails in \d+s unless health recovers/,
    );
    expect(out).toMatch(/progress: rolling back to v1 · /);
  });

  it('failure events right after the burst of calls before the update: the rollback update within 5 s of EB being Ready again', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', [
      {
        at: 0,
        status: 'Updating',
        health: 'Grey',
        healthStatus: 'Info',
        events: [['INFO', 'Environment update is starting.']],
      },
      { at: 8000, events: [['ERROR', 'Failed to deploy application.']] },
      {
        at: 24_000,
        status: 'Ready',
        health: 'Red',
        healthStatus: 'Degraded',
        causes: ['Command failed on all instances.'],
      },
    ]);
    const err = await failure(deploy(fake.deps(), options()));
    expect(err.result.outcome).toBe('rolled-back');
    const readyAgain = (fake.updates[0]?.at ?? 0) + 24_000;
    const knownAt = fake.lineAt(/^Deploy of v2 to demo-staging failed\. Why:/) ?? NaN;
    expect(knownAt).toBeLessThan(readyAgain);
    (await import('node:fs')).writeFileSync(
      '/tmp/10b-early.txt',
      fake.reporter.lines
        .map((l, i) => `${(fake.reporter.times[i] ?? 0) - (fake.updates[0]?.at ?? 0)} ${l}`)
        .join('\n') +
        '\n' +
        fake.log.map((c) => `${c.at - (fake.updates[0]?.at ?? 0)} [call] ${c.name}`).join('\n'),
    );
    expect((fake.updates[1]?.at ?? 0) - readyAgain).toBeLessThanOrEqual(5000 + 500);
    expect(fake.busiestMinute()).toBeLessThanOrEqual(30);
    expect(fake.longestSilence()).toBeLessThanOrEqual(10_000);
  });

  it('a healthy deploy: the bake counts down, the plain output never stays quiet over 10 s', async () => {
    const fake = new FakeEb();
    const result = await deploy(fake.deps(), options({ timings: { ...TIMINGS, bakeMs: 60_000 } }));
    expect(result.outcome).toBe('deployed');
    expect(fake.output()).toMatch(
      /progress: rolling out v2 · 1m\d*s? · health Green \(Ok\) · 1\/1 instances on v2 · bake \d+s left/,
    );
    expect(fake.longestSilence()).toBeLessThanOrEqual(10_000);
    expect(fake.busiestMinute()).toBeLessThanOrEqual(30);
  });

  it('health lines that differ only in "running for N seconds" are printed once', async () => {
    const fake = new FakeEb();
    // Late in a long rollout: the call budget is not crowded by the burst before the update.
    const running = (n: number): Phase => ({
      at: 60_000 + n * 1000,
      causes: [`Performing application deployment (running for ${n} seconds).`],
    });
    fake.scripts.set('v2', [
      { at: 0, status: 'Updating', health: 'Grey', healthStatus: 'Info', causes: [] },
      running(3),
      running(14),
      running(26),
      running(37),
      running(49),
      { ...healthyRollout('v2')[3], at: 120_000 },
    ]);
    await deploy(fake.deps(), options());
    const performing = fake.reporter.lines.filter((l) => l.includes('Performing application deployment'));
    expect(performing).toHaveLength(1);
    expect(steadyCause('Initialization in progress (running for 11 seconds).')).toBe(
      'Initialization in progress.',
    );
  });

  it('--health-grace sets how long Red is tolerated', async () => {
    const fake = new FakeEb();
    redWithEvidence(fake);
    await failure(deploy(fake.deps(), options({ timings: { ...TIMINGS, healthGraceMs: 20_000 } })));
    const rollback = (fake.updates[1]?.at ?? 0) - (fake.updates[0]?.at ?? 0);
    expect(rollback).toBeGreaterThanOrEqual(40_000 + 20_000);
    expect(rollback).toBeLessThan(40_000 + 60_000);
    expect(fake.output()).toContain('Red health tolerated for 20s');
  });

  it('the budget: a detail is refused while decisions may need the room, a decision still goes at once', async () => {
    const clock = new VirtualClock();
    const budget = new CallBudget(clock, 30, 3);
    for (let i = 0; i < 23; i++) {
      expect(budget.spare(1, 4)).toBe(true);
      await budget.take('detail');
    }
    expect(budget.spare(1, 4)).toBe(false);
    for (let i = 0; i < 7; i++) await budget.take('decision');
    expect(clock.sleptMs).toBe(0);
  });
});

describe('point 5: truthful outcomes', () => {
  it('a timed-out wait for Ready fails its step (no success tick) and the hint keeps --version', async () => {
    const fake = new FakeEb();
    fake.play([{ at: 0, status: 'Updating', health: 'Grey', healthStatus: 'Info' }]);
    const err = await failure(
      deploy(fake.deps(), options({ version: 'v2', timings: { ...TIMINGS, timeoutMs: 60_000 } })),
    );
    expect(err.exitCode).toBe(7);
    expect(fake.reporter.lines).toContain('step: Wait until demo-staging is Ready');
    expect(fake.reporter.lines).not.toContain('done: Wait until demo-staging is Ready');
    expect(err.hint).toContain('"lsvc deploy --env staging --version v2"');
    expect(fake.longestSilence()).toBeLessThanOrEqual(10_000);
  });

  it('a rollout that times out keeps --version in the hint and says what runs', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', [
      { at: 0, status: 'Updating', label: 'v2', health: 'Grey', healthStatus: 'Info' },
    ]);
    const err = await failure(
      deploy(fake.deps(), options({ timings: { ...TIMINGS, timeoutMs: 3 * 60_000 } })),
    );
    expect(err.exitCode).toBe(7);
    expect(err.hint).toContain('"lsvc deploy --env staging --version v2"');
    expect(err.result.running).toBe('v2');
    expect(fake.output()).not.toMatch(/^Deployed/m);
  });
});

describe('point 7: the failure evidence', () => {
  it('container lines (web, worker) and the eb-engine.log tail, asked for before the rollback; causes once; in --json', async () => {
    const fake = new FakeEb();
    redWithEvidence(fake);
    const err = await failure(deploy(fake.deps(), options()));
    const out = fake.output();

    // The tail was requested while v2 still ran, before the rollback's UpdateEnvironment.
    expect(fake.tailRequests).toHaveLength(1);
    expect(fake.tailRequests[0]?.label).toBe('v2');
    expect(fake.tailRequests[0]?.at ?? Infinity).toBeLessThanOrEqual(fake.updates[1]?.at ?? 0);

    expect(out).toContain('Evidence from v2:');
    expect(out).toContain('  web container, last 20 lines before the failure:');
    expect(out).toContain('    Error: connect ECONNREFUSED 10.0.3.7:5432');
    expect(out).toContain('  worker container, last 1 lines before the failure:');
    expect(out).toContain('    Error: Redis connection to 10.0.4.2:6379 failed');
    expect(out).toContain('  platform deployment log (eb-engine.log) on i-0a1, last 2 lines:');
    expect(out).toContain('container web-1 exited (1)');
    // Only the eb-engine.log part of the tail bundle.
    expect(out).not.toContain('GET /health');

    // The environment's cause once; the instances' own cause once, for both together.
    expect(out.split('100.0 % of the requests are failing with HTTP 5xx.').length - 1).toBe(
      // the health line, its cause line, the trigger, the environment cause
      out.split('\n').filter((l) => l.includes('100.0 % of the requests')).length,
    );
    expect(err.result.causes).toContain(
      'instances i-0a1, i-0b2 (Severe, version v2): Process default has been unhealthy.',
    );
    expect(err.result.causes?.filter((c) => c.includes('100.0 %'))).toHaveLength(2);

    expect(err.result.evidence).toEqual({
      containers: [
        { process: 'web', lines: expect.arrayContaining(['Error: connect ECONNREFUSED 10.0.3.7:5432']) },
        { process: 'worker', lines: ['Error: Redis connection to 10.0.4.2:6379 failed'] },
      ],
      platform: [
        { instance: 'i-0a1', lines: expect.arrayContaining([expect.stringContaining('web-1 exited (1)')]) },
        { instance: 'i-0b2', lines: expect.any(Array) },
      ],
      missing: [],
    });
    expect(err.result.evidence?.containers[0]?.lines).toHaveLength(20);
  });

  it('what cannot be read is named, and the deploy still rolls back', async () => {
    const fake = new FakeEb();
    redWithEvidence(fake);
    fake.containerLog.length = 0;
    fake.tails.clear();
    const err = await failure(deploy(fake.deps(), options()));
    expect(err.result.outcome).toBe('rolled-back');
    expect(err.result.evidence?.missing).toEqual([
      "container logs: no lines in /aws/elasticbeanstalk/demo-staging/var/log/eb-docker/containers/eb-current-app/stdouterr.log between the deploy's start and the failure (is log streaming on?)",
      'platform log tail: no instance uploaded one within 20s',
    ]);
    expect(fake.longestSilence()).toBeLessThanOrEqual(10_000);
  });

  it('engineLogTail: the eb-engine.log section, or the whole text without sections', () => {
    expect(engineLogTail(ENGINE_TAIL)).toEqual([
      '2026/11/28 10:00:41.100 [INFO] Running command: docker compose up -d',
      '2026/11/28 10:00:49.900 [ERROR] An error occurred during execution of command [app-deploy] - [Start Docker]. container web-1 exited (1)',
    ]);
    expect(engineLogTail('a\nb\nc\n', 2)).toEqual(['b', 'c']);
  });
});

describe('point 10: every colour on the enhanced and the basic path (deploy gate)', () => {
  const cases: [string, string | undefined, 'good' | 'bad' | 'wait'][] = [
    ['Green', 'Ok', 'good'],
    ['Green', 'Info', 'wait'],
    ['Yellow', 'Warning', 'wait'],
    ['Red', 'Degraded', 'bad'],
    ['Red', 'Severe', 'bad'],
    ['Grey', 'Pending', 'wait'],
    ['Grey', 'Unknown', 'wait'],
    ['Green', undefined, 'good'],
    ['Yellow', undefined, 'bad'],
    ['Red', undefined, 'bad'],
    ['Grey', undefined, 'wait'],
  ];
  it.each(cases)('%s / %s: %s', (color, healthStatus, expected) => {
    const h: HealthSnapshot = { color, healthStatus, causes: [] };
    expect(isGood(h) ? 'good' : isBad(h) ? 'bad' : 'wait').toBe(expected);
  });

  it.each([
    ['Yellow', 'bad'],
    ['Red', 'bad'],
    ['Green', 'good'],
    ['Grey', 'wait'],
  ])('basic health, the new version %s: %s', async (color, expected) => {
    const fake = new FakeEb();
    fake.basicHealth = true;
    fake.scripts.set('v2', [
      ...healthyRollout('v2').slice(0, 3),
      {
        at: 40_000,
        status: 'Ready',
        label: 'v2',
        health: color,
        events: [['INFO', 'Environment update completed successfully.']],
      },
    ]);
    const run = deploy(fake.deps(), options({ timings: { ...TIMINGS, timeoutMs: 4 * 60_000 } }));
    if (expected === 'good') {
      expect((await run).outcome).toBe('deployed');
      return;
    }
    const err = await failure(run);
    if (expected === 'bad') {
      expect(err.result.outcome).toBe('rolled-back');
      expect(err.result.causes?.[0]).toMatch(new RegExp(`^health has been ${color} for 1m`));
    } else {
      expect(err.result.outcome).toBe('timeout');
    }
  });
});

describe('the live line', () => {
  it('is redrawn in place on a terminal, cleared before other output, and cut to the width', () => {
    const written: string[] = [];
    const printed: string[] = [];
    const clock = new VirtualClock();
    const ui = {
      paint: makePaint(false),
      verbose: false,
      info: (l = '') => printed.push(l),
      warn: (l: string) => printed.push(`warn ${l}`),
      debug: () => undefined,
    };
    const r = consoleReporter({
      ui,
      clock,
      runStep: async (_t, run) => run(() => undefined),
      live: { write: (t) => written.push(t), columns: () => 40 },
    });
    const p = { phase: 'rolling out v2', elapsedMs: 65_000, at: clock.now(), nextInMs: 1000 };
    r.progress({
      ...p,
      health: { color: 'Red', healthStatus: 'Severe', causes: [] },
      countdown: { what: 'grace', leftMs: 44_500 },
    });
    expect(written).toEqual(['\r\x1b[2Krolling out v2 · 1m5s · health Red (Se…']);
    r.info('event');
    expect(written.at(-1)).toBe('\r\x1b[2K');
    expect(printed).toEqual(['event']);
    r.progress(p);
    r.endProgress();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    expect(
      formatProgress({
        ...p,
        countdown: { what: 'bake', leftMs: 30_000 },
        instances: { onLabel: 1, total: 2, label: 'v2' },
      }),
    ).toBe('rolling out v2 · 1m5s · 1/2 instances on v2 · bake 30s left');
  });

  it('plain output: a progress line only when the output would stay quiet for 10 s', () => {
    const printed: { at: number; line: string }[] = [];
    const clock = new VirtualClock();
    const ui = {
      paint: makePaint(false),
      verbose: false,
      info: (l = '') => printed.push({ at: clock.now(), line: l }),
      warn: () => undefined,
      debug: () => undefined,
    };
    const r = consoleReporter({ ui, clock, runStep: async (_t, run) => run(() => undefined) });
    r.info('start');
    for (let t = 0; t < 60; t++) {
      r.progress({ phase: 'rolling out v2', elapsedMs: t * 1000, at: clock.now(), nextInMs: 1000 });
      clock.sleptMs += 1000;
    }
    const gaps = printed.slice(1).map((p, i) => p.at - (printed[i]?.at ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(10_000);
    expect(printed.length).toBeLessThanOrEqual(8);
    expect(printed[1]?.line).toMatch(/^ {2}… rolling out v2 · \d+s$/);
  });
});
