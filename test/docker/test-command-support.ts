// Shared by the lsvc test suites in test/docker: generated services, the docker CLI, and what a
// run of `lsvc test` left behind, found by its labels.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { type CliResult, isolatedGitEnv, runCli } from '../support/cli.js';

/** Docker CLI; resolves with stdout, rejects with stderr. */
export function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Containers (running or not), networks and volumes carrying `label` (key=value). */
export async function labelled(label: string): Promise<Leftovers> {
  const filter = ['--filter', `label=${label}`];
  return {
    containers: lines(await docker(['ps', '-a', '--format', '{{.Names}}', ...filter])),
    networks: lines(await docker(['network', 'ls', '--format', '{{.Name}}', ...filter])),
    volumes: lines(await docker(['volume', 'ls', '--format', '{{.Name}}', ...filter])),
  };
}

export const NOTHING: Leftovers = { containers: [], networks: [], volumes: [] };

/** Remove whatever carries `label` (afterAll safety net; never throws). */
export async function removeLabelled(label: string): Promise<void> {
  const found = await labelled(label).catch(() => NOTHING);
  if (found.containers.length) await docker(['rm', '-f', '-v', ...found.containers]).catch(() => undefined);
  for (const network of found.networks) await docker(['network', 'rm', network]).catch(() => undefined);
  if (found.volumes.length) await docker(['volume', 'rm', '-f', ...found.volumes]).catch(() => undefined);
}

/** A service name no other test run uses (so its labels and image tag are ours alone). */
export function uniqueServiceName(prefix = 'lsvc-tc'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** `lsvc init <name> --no-install` in `parent`: the service's folder. */
export async function generateService(
  parent: string,
  name: string,
  extra: string[] = [],
): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const env = await isolatedGitEnv();
  await mkdir(parent, { recursive: true });
  const dir = join(parent, name);
  const result = await runCli(['init', name, '--no-install', '--dir', dir, ...extra], {
    cwd: parent,
    env,
    timeoutMs: 120_000,
  });
  if (result.code !== 0)
    throw new Error(`lsvc init failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return { dir, env };
}

/** The run id lsvc test prints with --verbose. */
export function runIdOf(result: Pick<CliResult, 'stderr'>): string {
  const match = /test run ([0-9a-f]+):/.exec(result.stderr);
  if (!match?.[1]) throw new Error(`no "test run <id>" line in stderr:\n${result.stderr}`);
  return match[1];
}

/** "Test Suites: 1 failed, 4 passed, 5 total" -> 5. */
export function suitesRun(output: string): number {
  const match = /^Test Suites:.*?(\d+) total$/m.exec(output);
  if (!match?.[1]) throw new Error(`no jest summary in the output:\n${output.slice(-3000)}`);
  return Number(match[1]);
}

/** For failure messages: the end of what a run printed. */
export function shown(result: CliResult): string {
  return `exit ${String(result.code)}\n--- stdout\n${result.stdout.slice(-6000)}\n--- stderr\n${result.stderr.slice(-3000)}`;
}

/** The exit code, or a failure that shows what the run printed. */
export function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) throw new Error(`expected exit code ${code}, got ${shown(result)}`);
}
