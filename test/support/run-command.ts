// Run an oclif command class in this process, as the binary would: its AWS clients then hit the
// test's aws-sdk-client-mock mocks. The environment is set for the run and restored after.
import { Config } from '@oclif/core';
import { captureOutput } from '@oclif/test';

import { ROOT } from './cli.js';

export interface CommandResult {
  /** The exit code the shell would see. */
  code: number;
  stdout: string;
  stderr: string;
}

let oclifConfig: Config | undefined;

export async function runCommandInProcess(
  Cmd: { run(argv: string[], config: Config): Promise<unknown> },
  argv: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CommandResult> {
  oclifConfig ??= await Config.load(ROOT);
  const before = process.cwd();
  const saved: Record<string, string | undefined> = {};
  const env: Record<string, string | undefined> = {
    NO_COLOR: '1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...opts.env,
  };
  const set = (k: string, v: string | undefined) => {
    if (v === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = v;
  };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    set(k, v);
  }
  process.chdir(opts.cwd);
  process.exitCode = undefined;
  try {
    const config = oclifConfig;
    const out = await captureOutput(() => Cmd.run(argv, config));
    // Read through Reflect: TypeScript would keep the `undefined` assigned above.
    const exitCode = Reflect.get(process, 'exitCode') as number | string | undefined;
    const code =
      (out.error as { oclif?: { exit?: number } } | undefined)?.oclif?.exit ?? Number(exitCode ?? 0);
    return { code, stdout: out.stdout, stderr: out.stderr };
  } finally {
    process.exitCode = undefined;
    process.chdir(before);
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}
