// The health-wait state machine of `lsvc dev`, driven by fake container inspections and a fake clock.
import { describe, expect, it } from '@jest/globals';

import { type ContainerSnapshot, evaluate, HealthWatch, WatchFailed } from '../../src/dev/health.js';

const T0 = 1_800_000_000_000;

function container(service: string, over: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  return {
    id: `${service}-id`,
    name: `demo_${service}_1`,
    service,
    status: 'running',
    exitCode: 0,
    health: 'starting',
    healthLog: [],
    restartCount: 0,
    startedAt: T0 + 1,
    ports: [],
    ...over,
  };
}

/** A watch whose every poll returns the next scripted inspection (the last one repeats). */
function scripted(
  rounds: ContainerSnapshot[][],
  opts: { timeoutMs?: number; composeExit?: (number | null)[] } = {},
) {
  let clock = T0;
  let round = 0;
  const exits = opts.composeExit;
  const watch = new HealthWatch(
    {
      snapshot: async () => rounds[Math.min(round, rounds.length - 1)] ?? [],
      sleep: async (ms) => {
        clock += ms;
        round += 1;
      },
      now: () => clock,
    },
    {
      services: ['postgres', 'web', 'worker'],
      timeoutMs: opts.timeoutMs ?? 60_000,
      intervalMs: 1000,
      ...(exits ? { composeExit: () => exits[Math.min(round, exits.length - 1)] } : {}),
    },
  );
  return watch;
}

describe('evaluate', () => {
  it('maps container states to service states, the worst container speaking for a service', () => {
    const states = evaluate(
      ['postgres', 'web', 'worker', 'redis', 'init', 'cache'],
      [
        container('postgres', { health: 'healthy' }),
        container('web', { health: 'unhealthy' }),
        container('worker', { health: undefined }),
        container('init', { status: 'exited', exitCode: 0, health: undefined }),
        container('cache', { health: 'healthy', name: 'a' }),
        container('cache', { status: 'exited', exitCode: 137, name: 'b' }),
      ],
    );
    expect(states.map((s) => [s.service, s.status])).toEqual([
      ['postgres', 'healthy'],
      ['web', 'unhealthy'],
      ['worker', 'running'],
      ['redis', 'waiting'],
      ['init', 'completed'],
      ['cache', 'exited'],
    ]);
  });

  it('counts a container that keeps restarting as failed', () => {
    const [state] = evaluate(['web'], [container('web', { status: 'restarting', restartCount: 5 })]);
    expect(state?.status).toBe('restarting');
    const [early] = evaluate(['web'], [container('web', { status: 'restarting', restartCount: 1 })]);
    expect(early?.status).toBe('starting');
  });

  it('ignores containers left from an earlier run while compose up is still starting them', () => {
    const stale = container('web', { status: 'exited', exitCode: 143, startedAt: T0 - 60_000 });
    expect(evaluate(['web'], [stale], T0)[0]?.status).toBe('waiting');
    expect(evaluate(['web'], [stale])[0]?.status).toBe('exited');
    expect(evaluate(['web'], [container('web', { status: 'created', startedAt: 0 })], T0)[0]?.status).toBe(
      'created',
    );
  });
});

describe('HealthWatch', () => {
  it('waits until every service is healthy, reporting each change and when each was ready', async () => {
    const watch = scripted([
      [],
      [container('postgres')],
      [container('postgres', { health: 'healthy' }), container('web'), container('worker')],
      [
        container('postgres', { health: 'healthy' }),
        container('web'),
        container('worker', { health: 'healthy' }),
      ],
      [
        container('postgres', { health: 'healthy' }),
        container('web', { health: 'healthy' }),
        container('worker', { health: 'healthy' }),
      ],
    ]);
    const seen: string[] = [];
    watch.onChange('web', (state, ms) => seen.push(`${state.status}@${ms}`));
    const webReady = watch.ready('web');
    const outcome = await watch.run();
    expect(outcome.ok).toBe(true);
    expect(outcome.readyAfterMs).toEqual({ postgres: 2000, worker: 3000, web: 4000 });
    expect(seen).toEqual(['waiting@0', 'starting@2000', 'healthy@4000']);
    await expect(webReady).resolves.toBe(4000);
    // Asked after the fact: answers at once.
    await expect(watch.ready('postgres')).resolves.toBe(2000);
  });

  it('fails as soon as a service exits, naming it; pending waits reject with the outcome', async () => {
    const watch = scripted([
      [container('postgres', { health: 'healthy' }), container('web'), container('worker')],
      [
        container('postgres', { health: 'healthy' }),
        container('web'),
        container('worker', { status: 'exited', exitCode: 1, health: undefined }),
      ],
    ]);
    const web = watch.ready('web');
    const outcome = await watch.run();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    if (outcome.ok) return;
    expect(outcome.culprits.map((c) => c.service)).toEqual(['worker']);
    await expect(web).rejects.toBeInstanceOf(WatchFailed);
    await expect(web).rejects.toThrow('worker exited with code 1');
    await expect(watch.ready('web')).rejects.toBeInstanceOf(WatchFailed);
  });

  it('fails on an unhealthy service with its health-check output kept for the report', async () => {
    const log = [{ exitCode: 1, output: 'connection refused' }];
    const watch = scripted([
      [
        container('postgres', { health: 'healthy' }),
        container('web', { health: 'unhealthy', healthLog: log }),
        container('worker', { health: 'healthy' }),
      ],
    ]);
    const outcome = await watch.run();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    if (!outcome.ok) expect(outcome.culprits[0]?.containers[0]?.healthLog).toEqual(log);
  });

  it('times out naming the services that are not ready', async () => {
    const watch = scripted(
      [[container('postgres', { health: 'healthy' }), container('web'), container('worker')]],
      {
        timeoutMs: 5000,
      },
    );
    const outcome = await watch.run();
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
    if (!outcome.ok) expect(outcome.culprits.map((c) => c.service)).toEqual(['web', 'worker']);
  });

  it('stops when compose up fails before the services exist', async () => {
    const watch = scripted([[container('postgres')], [container('postgres')]], { composeExit: [null, 1] });
    const outcome = await watch.run();
    expect(outcome).toMatchObject({ ok: false, reason: 'compose' });
  });

  it('does not blame a stopped container of the last run while compose up restarts it', async () => {
    const old = { startedAt: T0 - 3_600_000, status: 'exited', exitCode: 143, health: undefined } as const;
    const watch = scripted(
      [
        [container('postgres', old), container('web', old), container('worker', old)],
        [
          container('postgres', { health: 'healthy' }),
          container('web', { health: 'healthy' }),
          container('worker', { health: 'healthy' }),
        ],
      ],
      { composeExit: [null, null, 0] },
    );
    const outcome = await watch.run();
    expect(outcome.ok).toBe(true);
  });

  it('ends as aborted when the signal fires', async () => {
    const abort = new AbortController();
    abort.abort();
    const watch = new HealthWatch(
      { snapshot: async () => [], sleep: async () => undefined, now: () => T0 },
      { services: ['web'], timeoutMs: 1000, signal: abort.signal },
    );
    await expect(watch.run()).resolves.toMatchObject({ ok: false, reason: 'aborted' });
  });
});
