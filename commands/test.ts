import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { UsageError } from '../src/errors.js';

export default class Test extends BaseCommand<typeof Test> {
  static override summary =
    "Run the service's tests in its Docker image against throwaway Postgres and Redis.";
  static override description = `Exactly what CI runs. Builds the Dockerfile's "test" stage (tagged <service>:test; layers are cached between runs), starts a throwaway database (Postgres 15, or MariaDB 10.11 when lsvc.yml says database.engine: mysql) and Redis 7 on a private network, applies the migrations once (npm run migrate: a broken migration fails fast), then runs npm test in the image with NODE_ENV=test, DATABASE_URL and REDIS_URL pointing at them, and streams its output. Every container and the network are removed afterwards: on success, on failure and on Ctrl-C.

--native runs the service's npm test on this machine instead (no Docker), against the servers DATABASE_URL and REDIS_URL name: for CI runners without Docker that provide Postgres and Redis themselves.

Arguments after -- go to jest, in both modes: lsvc test -- test/unit --verbose.

Exit code: the tests' own (0 when they pass, usually 1 when one fails; a failing migration gives 1); 3 without lsvc.yml (or, with --native, without node_modules); 4 when Docker is unreachable, the Dockerfile or its "test" stage is missing, or the image does not build; 130 on Ctrl-C.`;
  static override examples = [
    { description: 'Run every test, as CI does', command: 'lsvc test' },
    {
      description: 'Only the unit tests, verbosely (arguments after -- go to jest)',
      command: 'lsvc test -- test/unit --verbose',
    },
    {
      description: 'On this machine, against servers you run (no Docker)',
      command:
        'DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 lsvc test --native',
    },
  ];
  // Everything after -- is jest's; see jestArgs().
  static override strict = false;
  static override flags = {
    native: Flags.boolean({
      description: 'Run npm test on this machine (no Docker) against DATABASE_URL and REDIS_URL.',
    }),
  };

  async run() {
    const jestArgs = await this.jestArgs();
    const { findService } = await import('../src/testing/service.js');
    const service = await findService(process.cwd());
    this.ui.debug(
      `service ${service.name} in ${service.dir}; database ${service.engine} (${service.engineSource})`,
    );

    // First Ctrl-C: stop and clean up (then exit 130). A second one: leave at once.
    const abort = new AbortController();
    const { newRunId, leftoverCommands } = await import('../src/testing/labels.js');
    const runId = newRunId();
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals === 1) {
        process.stderr.write(
          this.flags.native
            ? '\nStopping the tests...\n'
            : '\nStopping the tests and removing their containers...\n',
        );
        abort.abort();
        return;
      }
      if (!this.flags.native) {
        process.stderr.write(
          `Left the test run as it was; remove it with:\n  ${leftoverCommands(runId).join('\n  ')}\n`,
        );
      }
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = Date.now();
    try {
      if (this.flags.native) {
        const { describeServers, nativeCommand, runTestsNatively } = await import('../src/testing/native.js');
        const exitCode = await runTestsNatively({
          dir: service.dir,
          jestArgs,
          env: process.env,
          signal: abort.signal,
          onStart: () => {
            const command = `npm ${nativeCommand(jestArgs).join(' ')}`;
            this.ui.info(`${this.ui.paint.bold('Running the tests:')} ${command} in ${service.dir}`);
            for (const line of describeServers(process.env)) this.ui.info(`  ${line}`);
            this.ui.info('');
          },
        });
        this.summary(exitCode, Date.now() - started);
        process.exitCode = exitCode;
        return;
      }

      const { checkTestStage } = await import('../src/testing/service.js');
      await checkTestStage(service.dir);
      const { connectDocker } = await import('../src/docker/client.js');
      const docker = await connectDocker();
      const { dockerTestRunner } = await import('../src/docker/test-runner.js');
      const { runTestsInDocker } = await import('../src/testing/run-in-docker.js');
      const { colorEnabled, isCI } = await import('../src/ui.js');
      const env: Record<string, string> = {};
      if (isCI(process.env)) env.CI = 'true';
      // jest in the container has no terminal: say whether to colour, as lsvc itself does.
      if (colorEnabled({ flag: this.flags.color, env: process.env, isTTY: process.stdout.isTTY }))
        env.FORCE_COLOR = '1';
      else Object.assign(env, { NO_COLOR: '1', FORCE_COLOR: '0' });
      const result = await runTestsInDocker({
        docker: dockerTestRunner(docker),
        service,
        jestArgs,
        env,
        runId,
        ui: this.ui,
        progress: { json: false },
        stdout: process.stdout,
        stderr: process.stderr,
        signal: abort.signal,
      });
      this.summary(
        result.exitCode,
        Date.now() - started,
        `setup ${seconds(result.setupMs)}, tests ${seconds(result.testsMs)}`,
      );
      process.exitCode = result.exitCode;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  /** Arguments after `--`; anything else that is not a flag is a mistake worth a clear message. */
  private async jestArgs(): Promise<string[]> {
    const dashdash = this.argv.indexOf('--');
    const passed = dashdash === -1 ? [] : this.argv.slice(dashdash + 1);
    const { argv } = await this.parse(Test, dashdash === -1 ? this.argv : this.argv.slice(0, dashdash));
    const stray = argv.map(String);
    if (stray.length) {
      const flag = stray.find((a) => a.startsWith('-'));
      throw new UsageError(flag ? `Unknown flag ${flag}.` : `Unexpected argument ${stray[0] ?? ''}.`, {
        hint: `Arguments for jest go after --: "lsvc test -- ${stray.join(' ')}".`,
      });
    }
    return passed;
  }

  private summary(exitCode: number, ms: number, detail?: string): void {
    const { paint } = this.ui;
    const took = `in ${seconds(ms)}${detail ? ` (${detail})` : ''}`;
    this.ui.info('');
    this.ui.info(
      exitCode === 0
        ? paint.green(`Tests passed ${took}.`)
        : paint.red(`Tests failed (npm test exited with ${exitCode}) ${took}.`),
    );
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
