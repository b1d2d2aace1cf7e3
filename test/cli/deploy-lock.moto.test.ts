// The deploy lock (src/deploy/lock.ts) against moto's SSM: one holder at a time (of two runs
// racing for it, exactly one wins), the holder named in the refusal, an expired lock taken over,
// released however the work ends and never someone else's; and through the built binary, a
// deploy / env set refused while another run holds the lock, --force-unlock asked for in CI.
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';

import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { lockParameterName } from '../../src/aws/ssm.js';
import {
  acquireLock,
  type LockDeps,
  type LockRequest,
  parseHolder,
  withLock,
} from '../../src/deploy/lock.js';
import { LockedError } from '../../src/errors.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const ssm = new SSMClient(MOTO_SDK);
const service = `lock${uniqueSuffix()}`;
const made = new Set<string>();
const HOUR = 3_600_000;

beforeAll(async () => {
  await ensureMoto();
});
afterAll(async () => {
  for (const name of made) await ssm.send(new DeleteParameterCommand({ Name: name })).catch(() => undefined);
});

function setup(environment: string, now = Date.now()) {
  const warnings: string[] = [];
  const deps: LockDeps = {
    ssm,
    clock: { now: () => now },
    warn: (line) => warnings.push(line),
    env: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'alice' },
  };
  const request: LockRequest = { service, environment, command: 'deploy', version: 'v12', ttlMs: HOUR };
  made.add(lockParameterName(service, environment));
  return { deps, request, warnings, name: lockParameterName(service, environment) };
}

async function stored(name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch {
    return undefined;
  }
}

describe('the deploy lock in SSM', () => {
  it('is the parameter /lsvc/<service>/<env>/deploy-lock holding who, where, since, version and expiry', async () => {
    const now = Date.parse('2026-12-07T14:02:00Z');
    const { deps, request, name } = setup('held', now);
    const lock = await acquireLock(deps, request);
    expect(name).toBe(`/lsvc/${service}/held/deploy-lock`);
    const value = JSON.parse((await stored(name)) ?? '{}') as Record<string, unknown>;
    expect(value).toMatchObject({
      who: 'alice',
      pid: process.pid,
      command: 'deploy',
      version: 'v12',
      since: '2026-12-07T14:02:00.000Z',
      expires: '2026-12-07T15:02:00.000Z',
    });
    expect(typeof value.host).toBe('string');
    await lock.release();
    expect(await stored(name)).toBeUndefined();
  });

  it('a second run is refused at once (exit 9), naming who holds it, since when and for which version', async () => {
    const { deps, request, name } = setup('busy', Date.parse('2026-12-07T14:02:00Z'));
    const first = await acquireLock(deps, request);
    const error = await acquireLock(deps, { ...request, command: 'env set', version: 'x' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockedError);
    expect(error).toMatchObject({ exitCode: 9 });
    const { message, hint } = error as LockedError;
    expect(message).toMatch(
      /^busy is locked: alice \(pid \d+ on \S+\), deploy of v12 since 2026-12-07 14:02 UTC; the lock expires 2026-12-07 15:02 UTC\.$/,
    );
    expect(hint).toBe(
      'Wait for it to end (lsvc status --env busy --watch). If that run is gone: lsvc env set --env busy --force-unlock.',
    );
    // The refused run left the holder's lock alone.
    expect(parseHolder(await stored(name))?.token).toBe(first.holder.token);
    await first.release();
  });

  it('of runs racing for a free lock, exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const { deps, request, name } = setup(`race${round}`);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, async (_, i) => acquireLock(deps, { ...request, version: `v${i}` })),
      );
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(3);
      for (const reason of lost) expect(reason).toBeInstanceOf(LockedError);
      expect(parseHolder(await stored(name))?.version).toBe(won[0]?.holder.version);
      await won[0]?.release();
    }
  });

  it('an expired lock is taken over, and said so; of two runs taking it over, one wins', async () => {
    const start = Date.parse('2026-12-07T10:00:00Z');
    const crashed = setup('expired', start);
    await acquireLock(crashed.deps, { ...crashed.request, version: 'v11' }); // never released
    const later = setup('expired', start + 2 * HOUR);
    const results = await Promise.allSettled([
      acquireLock(later.deps, later.request),
      acquireLock(later.deps, later.request),
    ]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(1);
    expect(later.warnings[0]).toMatch(
      /^Took over an expired lock of expired: alice \(pid \d+ on \S+\), deploy of v11 since 2026-12-07 10:00 UTC, expired 2026-12-07 11:00 UTC\.$/,
    );
    const holder = parseHolder(await stored(later.name));
    expect(holder).toMatchObject({ version: 'v12', since: '2026-12-07T12:00:00.000Z' });
    await won[0]?.release();
  });

  it('withLock releases the lock when the work fails, and a release never removes another run’s lock', async () => {
    const { deps, request, name } = setup('work');
    await expect(
      withLock(deps, request, async () => {
        expect(await stored(name)).toBeDefined();
        throw new Error('deploy failed');
      }),
    ).rejects.toThrow('deploy failed');
    expect(await stored(name)).toBeUndefined();

    // Force-unlocked while running, and someone else took it: their lock stays.
    const warnings: string[] = [];
    await withLock({ ...deps, warn: (l) => warnings.push(l) }, request, async () => {
      await ssm.send(new DeleteParameterCommand({ Name: name }));
      await acquireLock(deps, { ...request, version: 'v13' });
    });
    expect(parseHolder(await stored(name))?.version).toBe('v13');
    expect(warnings[0]).toMatch(
      /^The lock of \/lsvc\/.+\/work\/deploy-lock is no longer this run's \(alice .*v13.*\): left in place\.$/,
    );
  });

  it('a lock lsvc cannot read is a refusal pointing at --force-unlock', async () => {
    const { deps, request, name } = setup('garbage');
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'locked by hand', Type: 'String' }));
    await expect(acquireLock(deps, request)).rejects.toMatchObject({
      exitCode: 9,
      message: `garbage is locked (${name}), by something lsvc cannot read.`,
      hint: 'If no deploy runs there, remove the lock: lsvc deploy --env garbage --force-unlock.',
    });
  });
});

describe('the deploy lock through the built binary', () => {
  let dir: string;
  const cliService = `lockcli${uniqueSuffix()}`;
  const lockName = lockParameterName(cliService, 'staging');
  const otherRun = JSON.stringify({
    who: 'bob@ci-runner',
    host: 'ci-runner',
    pid: 4242,
    command: 'deploy',
    version: 'v7',
    since: new Date(Date.now() - 60_000).toISOString(),
    expires: new Date(Date.now() + HOUR).toISOString(),
    token: 'abc',
  });
  const env = { ...MOTO_ENV, LSVC_AWS_TIMEOUT: '5s', AWS_MAX_ATTEMPTS: '2' };

  beforeAll(async () => {
    dir = await tempDir('lsvc-lock-cli-');
    await writeFile(
      join(dir, 'lsvc.yml'),
      `service: ${cliService}\nregion: us-east-1\nenvironments:\n  staging:\n`,
    );
    made.add(lockName);
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('deploy, rollback and env set are refused at once (exit 9) while another run holds the lock', async () => {
    await ssm.send(
      new PutParameterCommand({ Name: lockName, Value: otherRun, Type: 'String', Overwrite: true }),
    );
    for (const args of [
      ['deploy', '--env', 'staging', '--version', 'v8'],
      ['rollback', '--env', 'staging'],
      ['env', 'set', '--env', 'staging', 'LOG_LEVEL=debug'],
    ]) {
      const r = await runCli(args, { cwd: dir, env });
      expect([args, r.code]).toEqual([args, 9]);
      expect(r.stderr).toMatch(
        /^Error: staging is locked: bob@ci-runner \(pid 4242\), deploy of v7 since \d{4}-\d\d-\d\d \d\d:\d\d UTC; the lock expires .* UTC\.\nHint: Wait for it to end \(lsvc status --env staging --watch\)\. If that run is gone: lsvc \S+( set)? --env staging --force-unlock\.\n$/,
      );
    }
    // Still bob's.
    expect(parseHolder(await stored(lockName))?.token).toBe('abc');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    '%s while the run holds the lock (its ECR call hanging): exit %i and the lock is removed',
    async (signal, code) => {
      await ssm.send(new DeleteParameterCommand({ Name: lockName })).catch(() => undefined);
      // ECR accepts the connection and never answers: the run sits inside the lock.
      const sockets: Socket[] = [];
      const hang = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
      const { port } = hang.address() as { port: number };
      let sawLock = false;
      try {
        const r = await runCli(['deploy', '--env', 'staging', '--version', 'v9'], {
          cwd: dir,
          env: { ...env, AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${String(port)}`, LSVC_AWS_TIMEOUT: '60s' },
          timeoutMs: 30_000,
          onSpawn: (child) => {
            void (async () => {
              for (let i = 0; i < 200 && !sawLock; i++) {
                sawLock = parseHolder(await stored(lockName))?.version === 'v9';
                if (!sawLock) await new Promise((resolve) => setTimeout(resolve, 100));
              }
              // Wait until the ECR call is in flight.
              for (let i = 0; i < 100 && sockets.length === 0; i++)
                await new Promise((resolve) => setTimeout(resolve, 100));
              child.kill(signal);
            })();
          },
        });
        expect(sawLock).toBe(true);
        expect(sockets.length).toBeGreaterThan(0);
        expect([r.code, r.signal]).toEqual([code, null]);
        expect(await stored(lockName)).toBeUndefined();
      } finally {
        for (const s of sockets) s.destroy();
        hang.close();
      }
    },
  );

  it('--force-unlock in CI wants --yes; with it the lock goes, and the run releases its own when it fails', async () => {
    await ssm.send(
      new PutParameterCommand({ Name: lockName, Value: otherRun, Type: 'String', Overwrite: true }),
    );
    const asked = await runCli(['deploy', '--env', 'staging', '--version', 'v8', '--force-unlock'], {
      cwd: dir,
      env: { ...env, CI: '1' },
    });
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('Hint: Pass --yes to answer it.');
    expect(asked.stderr).toContain(
      'Remove the deploy lock of staging (bob@ci-runner (pid 4242), deploy of v7',
    );
    expect(parseHolder(await stored(lockName))?.token).toBe('abc');

    // No ECR repository in moto for this service: the deploy fails (not provisioned) after the unlock.
    const forced = await runCli(
      ['deploy', '--env', 'staging', '--version', 'v8', '--force-unlock', '--yes'],
      {
        cwd: dir,
        env: { ...env, CI: '1' },
      },
    );
    expect(forced.stderr).toContain('Warning: Removed the deploy lock of staging (bob@ci-runner (pid 4242)');
    expect(forced.code).toBe(3);
    expect(await stored(lockName)).toBeUndefined();
  });
});
