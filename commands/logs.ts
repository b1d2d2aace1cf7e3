import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { awsFlags, envFlag } from '../src/flags.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Print (or follow) an environment's logs from CloudWatch Logs.";
  static override description = `Reads the log groups Elastic Beanstalk streams the environment's instances to (/aws/elasticbeanstalk/<service>-<env>/...): by default the containers' output (web and worker), with --platform also eb-engine, hooks, Docker and nginx logs.

The service's pino JSON lines are printed as "HH:MM:SS LEVEL [process] msg key=value ..." coloured by level (an error's stack below it); other lines as they are. --process keeps one process: lines are told apart by their docker compose prefix ("web-1 | ") or the JSON "process" field. --filter takes plain text (matched as an exact phrase, case-sensitive) or a CloudWatch filter pattern such as '{ $.level = "error" }' or '?ERROR ?WARN' (JSON patterns match only lines that are pure JSON).

-f keeps polling every 3 s until Ctrl-C. --json prints the raw CloudWatch events, one JSON object per line.

Exit code: 0; 2 for an unknown --env or a bad --since; 5 for missing credentials or region, or a denied call (named).`;
  static override examples = [
    { description: 'The last 10 minutes', command: 'lsvc logs --env staging' },
    { description: 'Follow the worker', command: 'lsvc logs --env production -f --process worker' },
    {
      description: 'Errors of the last 2 hours',
      command: `lsvc logs --env production --since 2h --filter '{ $.level = "error" }'`,
    },
    {
      description: 'A request by its id, as raw JSON events',
      command: 'lsvc logs --env staging --since 1d --filter 3f9c2a --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new events until Ctrl-C.' }),
    since: Flags.string({
      description: 'Start this long ago (30s, 10m, 2h, 1d) or at this date/time (2026-11-28T10:00:00Z).',
      default: '10m',
      helpValue: '<duration|date>',
    }),
    process: Flags.string({ description: 'Only this process.', options: ['web', 'worker'] }),
    filter: Flags.string({ description: 'Text or CloudWatch filter pattern to match.', helpValue: '<text>' }),
    platform: Flags.boolean({ description: "Also the platform's logs (eb-engine, hooks, Docker, nginx)." }),
    ...awsFlags,
  };

  async run() {
    const { loadAwsEnvironment } = await import('../src/aws/environment.js');
    const { parseSince } = await import('../src/logs/since.js');
    // A bad --since is a usage error before any AWS call.
    parseSince(this.flags.since, Date.now());
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const [{ makeClient, classifyAwsError }, { CloudWatchLogsClient }, { runLogs }, { systemClock }] =
      await Promise.all([
        import('../src/aws/clients.js'),
        import('@aws-sdk/client-cloudwatch-logs'),
        import('../src/logs/run.js'),
        import('../src/clock.js'),
      ]);
    const { interruptible } = await import('../src/interrupt.js');
    // -f runs until Ctrl-C: the abort ends the polling and the command exits 0.
    await interruptible((signal) =>
      runLogs({
        logs: makeClient(CloudWatchLogsClient, aws.target),
        groupPrefix: aws.names.logGroupPrefix,
        envName: this.flags.env,
        since: this.flags.since,
        follow: this.flags.follow,
        process: this.flags.process,
        filter: this.flags.filter,
        platform: this.flags.platform,
        json: this.jsonEnabled(),
        ui: this.ui,
        write: (text) => process.stdout.write(text),
        clock: systemClock,
        signal,
      }).catch((error: unknown) => {
        throw classifyAwsError(error, {
          hint: 'Try again; "lsvc logs --verbose" shows which log groups it reads.',
        });
      }),
    );
    // Events were streamed as they came (JSON lines under --json): nothing more to print.
    return undefined;
  }
}
