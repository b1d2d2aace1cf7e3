// Starting a dependency's own `lsvc dev` stack: `lsvc dev --detach` in its folder of the
// workspace, as the user would, on a free host port (each stack publishes its API on PORT, 3000
// by default, so two would collide). LSVC_DEV_STARTING carries the services being started up the
// chain: a service that depends back on one of them is not started again (no endless loop).
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { runProcess } from '../exec.js';

export const STARTING_VARIABLE = 'LSVC_DEV_STARTING';

/** The services being started further up the chain (from LSVC_DEV_STARTING). */
export function startingChain(env: NodeJS.ProcessEnv): string[] {
  return (env[STARTING_VARIABLE] ?? '').split(',').filter(Boolean);
}

/** lsvc's own bin/run.js, found from this file (src/ under tests, dist/src/ when built). */
function lsvcBin(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'bin', 'run.js');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find lsvc bin/run.js to start a dependency with');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

export interface StartDependencyOptions {
  env: NodeJS.ProcessEnv;
  /** This service: added to the chain the dependency sees. */
  self: string;
  /** Each line the dependency's `lsvc dev --detach` prints. */
  output: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs: number;
}

export type StartResult = { started: true } | { started: false; reason: string };

/** `lsvc dev --detach` in `folder` with PORT set to a free port; resolves when it has returned. */
export async function startDependencyStack(folder: string, o: StartDependencyOptions): Promise<StartResult> {
  const port = await freePort();
  const chain = [...startingChain(o.env), o.self].join(',');
  const result = await runProcess(process.execPath, [lsvcBin(), 'dev', '--detach'], {
    cwd: folder,
    env: { ...o.env, PORT: String(port), [STARTING_VARIABLE]: chain, CI: o.env.CI ?? '1' },
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
    onLine: o.output,
  });
  if (result.code === 0) return { started: true };
  const why = result.timedOut
    ? `did not finish within ${Math.round(o.timeoutMs / 1000)} s`
    : `exited with ${String(result.code)}`;
  return { started: false, reason: `lsvc dev --detach there ${why}` };
}

/** Starts a dependency's stack, unless it is being started further up the chain (it depends back). */
export function dependencyStarter(
  self: string,
  env: NodeJS.ProcessEnv,
  o: Omit<StartDependencyOptions, 'env' | 'self'>,
  start: typeof startDependencyStack = startDependencyStack,
) {
  return async (service: string, folder: string): Promise<StartResult> => {
    if (startingChain(env).includes(service)) {
      return { started: false, reason: `${service} is being started already: it depends on ${self} too` };
    }
    o.output(`Starting ${service}: lsvc dev --detach in ${folder}`);
    return start(folder, { ...o, env, self });
  };
}
