import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Config, Flags } from '@oclif/core';
import { captureOutput } from '@oclif/test';

import { BaseCommand } from '../../src/base-command.js';
import {
  AwsError,
  ConfigError,
  DockerError,
  ExitCode,
  InterruptedError,
  TimeoutError,
  toLsvcError,
  UnhealthyError,
  UsageError,
} from '../../src/errors.js';
import { ROOT } from '../support/cli.js';

const THROWS: Record<string, () => Error> = {
  usage: () => new UsageError('bad usage', { hint: 'use it right' }),
  config: () => new ConfigError('lsvc.yml:3:1: region: must be an AWS region', { hint: 'fix it' }),
  docker: () => new DockerError('Docker is not running', { hint: 'start it' }),
  aws: () => new AwsError('No AWS credentials', { hint: 'aws configure' }),
  unhealthy: () => new UnhealthyError('Environment is Red; rolled back'),
  timeout: () => new TimeoutError('Timed out after 20 min', { hint: 'lsvc status --watch' }),
  bug: () => new TypeError("Cannot read properties of undefined (reading 'x')"),
  oclif: () => Object.assign(new Error('Something exited'), { oclif: { exit: 4 } }),
};

/** A read command that fails the way --kind says, or returns a result. */
class Probe extends BaseCommand<typeof Probe> {
  static override enableJsonFlag = true;
  static override flags = { kind: Flags.string({ default: 'ok' }) };
  async run() {
    const make = THROWS[this.flags.kind];
    if (make) throw make();
    this.ui.debug('a debug line');
    this.ui.info('human output');
    return { fine: true };
  }
}

let config: Config;
beforeAll(async () => {
  config = await Config.load(ROOT);
});
afterEach(() => {
  process.exitCode = undefined;
});

async function probe(argv: string[]) {
  const out = await captureOutput(() => Probe.run(argv, config));
  const code = (out.error as { oclif?: { exit?: number } } | undefined)?.oclif?.exit ?? process.exitCode;
  process.exitCode = undefined;
  return { ...out, code };
}

describe('exit codes', () => {
  it.each([
    ['usage', ExitCode.Usage],
    ['config', ExitCode.Config],
    ['docker', ExitCode.Docker],
    ['aws', ExitCode.Aws],
    ['unhealthy', ExitCode.Unhealthy],
    ['timeout', ExitCode.Timeout],
    ['bug', ExitCode.Unexpected],
    ['oclif', 4],
  ])('%s error exits %i, with one line and a hint, no stack trace', async (kind, code) => {
    const out = await probe(['--kind', kind]);
    expect(out.code).toBe(code);
    expect(out.stdout).toBe('');
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Error: \S/);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['usage', ExitCode.Usage],
    ['config', ExitCode.Config],
    ['docker', ExitCode.Docker],
    ['aws', ExitCode.Aws],
    ['unhealthy', ExitCode.Unhealthy],
    ['timeout', ExitCode.Timeout],
    ['bug', ExitCode.Unexpected],
    ['oclif', 4],
  ])('%s error under --json exits %i and prints the error as JSON on stdout', async (kind, code) => {
    const out = await probe(['--kind', kind, '--json']);
    expect(out.code).toBe(code);
    const json = JSON.parse(out.stdout) as { error: Record<string, unknown> };
    expect(json.error).toMatchObject({ exitCode: code, message: expect.any(String) });
    expect(json.error.stack).toBeUndefined();
    expect(out.stderr).toBe('');
  });

  it('keeps the exit code even when process.exitCode was already set (the oclif bug)', async () => {
    process.exitCode = 0;
    const out = await captureOutput(() => Probe.run(['--kind', 'docker', '--json'], config));
    expect(process.exitCode).toBe(ExitCode.Docker);
    expect(out.error).toBeUndefined();
  });

  it('exits 0 and prints the return value as JSON under --json', async () => {
    const out = await probe(['--json']);
    expect(out.code ?? 0).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ fine: true });
    expect(out.stdout).not.toContain('human output');
  });

  it('gives parse errors exit 2 with a hint, also under --json', async () => {
    const human = await probe(['--nope']);
    expect(human.code).toBe(ExitCode.Usage);
    expect(human.stderr).toMatch(/^Error: Nonexistent flag: --nope\nHint: /);
    const json = await probe(['--nope', '--json']);
    expect(json.code).toBe(ExitCode.Usage);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2, name: 'UsageError' } });
  });

  it('suggests the flag that was probably meant', async () => {
    const out = await probe(['--knid', 'x']);
    expect(out.stderr).toMatch(/Did you mean --kind\?/);
  });
});

describe('--verbose', () => {
  it('adds debug lines and the stack trace', async () => {
    const ok = await probe(['--verbose']);
    expect(ok.stderr).toContain('debug: a debug line');
    const failed = await probe(['--kind', 'bug', '--verbose']);
    expect(failed.stderr).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*\n\s+at /);
    const json = await probe(['--kind', 'bug', '--verbose', '--json']);
    expect((JSON.parse(json.stdout) as { error: { stack: string } }).error.stack).toMatch(/\n\s+at /);
  });

  it('prints no debug lines without it', async () => {
    const ok = await probe([]);
    expect(ok.stdout).toBe('human output\n');
    expect(ok.stderr).toBe('');
  });
});

describe('toLsvcError', () => {
  it('wraps unknown errors as unexpected (exit 1) with a bug-report hint', () => {
    const err = toLsvcError(new RangeError('boom'));
    expect(err).toMatchObject({ exitCode: 1, message: 'Unexpected error: boom' });
    expect(err.hint).toMatch(/--verbose/);
    expect(toLsvcError('a string')).toMatchObject({ exitCode: 1, message: 'Unexpected error: a string' });
  });

  it('keeps lsvc errors and their codes, including Ctrl-C (130)', () => {
    const err = new InterruptedError();
    expect(toLsvcError(err)).toBe(err);
    expect(err.exitCode).toBe(130);
  });
});
