// Plumbing shared by the deploy, rollback, releases and bundle commands: clients, Ctrl-C,
// progress, and the --json answer of a failed deploy.
import { type AwsClientTarget, type CallStops, makeClient } from '../aws/clients.js';
import { makeS3Client } from '../aws/s3.js';
import { errorToJson, interruptSignal, toLsvcError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { runSteps } from '../progress.js';
import type { Prompter } from '../prompt.js';
import type { EcrRepository } from '../aws/ecr.js';
import { systemClock } from '../clock.js';
import { isCI, type Ui } from '../ui.js';
import { consoleReporter, type Reporter } from './report.js';
import { type DeployResult, resultOf } from './result.js';

/**
 * The deploy's clients. `stop.interrupt` (the first signal) ends the reads in flight at once; no
 * call, change requests included, outlives `stop.deadline()` (the --timeout of the current wait).
 */
export async function deployClients(target: AwsClientTarget, stop: CallStops = {}) {
  const [{ ElasticBeanstalkClient }, { CloudWatchClient }, { ECRClient }, { CloudWatchLogsClient }] =
    await Promise.all([
      import('@aws-sdk/client-elastic-beanstalk'),
      import('@aws-sdk/client-cloudwatch'),
      import('@aws-sdk/client-ecr'),
      import('@aws-sdk/client-cloudwatch-logs'),
    ]);
  return {
    eb: makeClient(ElasticBeanstalkClient, target, stop),
    cloudwatch: makeClient(CloudWatchClient, target, stop),
    ecr: makeClient(ECRClient, target, stop),
    // The last container log lines of a failed deploy.
    logs: makeClient(CloudWatchLogsClient, target, stop),
    s3: makeS3Client(target, process.env, stop),
  };
}

/**
 * The first Ctrl-C, SIGTERM or SIGHUP aborts the returned signal (the rollout then offers to abort
 * the update; without a terminal it aborts it); a second one exits at once (130 / 143 / 129).
 */
export function interruptOnSigint(): { signal: AbortSignal; dispose: () => void } {
  return onInterrupt();
}

/** The terminal's live line: stdout when it is a terminal outside CI (and not --json). */
function liveLine(json: boolean) {
  const out = process.stdout;
  if (json || !out.isTTY || isCI(process.env)) return undefined;
  return {
    write: (text: string) => {
      out.write(text);
    },
    columns: () => out.columns || 80,
  };
}

export function commandReporter(ui: Ui, json: boolean): Reporter {
  return consoleReporter({
    ui,
    clock: systemClock,
    live: liveLine(json),
    quiet: json,
    runStep: async (title, run) => {
      const results: { value: Awaited<ReturnType<typeof run>> }[] = [];
      await runSteps(
        [
          {
            title,
            run: async (step) => {
              const value = await run((line) => {
                step.output(line);
              });
              results.push({ value });
            },
          },
        ],
        { json },
      );
      const [done] = results;
      if (!done) throw new Error(`step "${title}" did not run`);
      return done.value;
    },
  });
}

/**
 * A signal while watching: Ctrl-C on a terminal asks whether to abort; SIGTERM, SIGHUP (nobody
 * there to ask), --yes or no terminal abort it and say so.
 */
export function abortConfirmation(prompter: Prompter, ui: Ui): () => Promise<boolean> {
  return async () => {
    const signal = interruptSignal();
    if (signal === 'SIGTERM' || signal === 'SIGHUP') {
      ui.info(`${signal} received: aborting the update (nobody to ask).`);
      return true;
    }
    if (prompter.mode === 'yes') {
      ui.info('Ctrl-C: aborting the update (no terminal to ask on, or --yes).');
      return true;
    }
    return prompter.confirm('Abort the update (AbortEnvironmentUpdate)?', { default: true });
  };
}

/**
 * Under --json a failed deploy still prints its result (outcome, events, causes) with the error;
 * returns it, with process.exitCode set, or undefined when the error has no result.
 */
export function failureResult(error: unknown): (DeployResult & { error: unknown }) | undefined {
  const result = resultOf(error);
  if (!result) return undefined;
  const err = toLsvcError(error);
  process.exitCode = err.exitCode;
  return { ...result, error: errorToJson(err).error };
}

/**
 * What `deploy()` runs with in a command (lsvc deploy, lsvc preview up): the AWS clients, the
 * image publisher (build and push when ECR lacks the tag), the clock, the reporter for the
 * terminal or --json, Ctrl-C and the deadline, and the "abort the update?" question.
 */
export async function deployRuntime(o: {
  clients: DeployClients;
  repository: EcrRepository;
  service: string;
  serviceDir: string;
  ui: Ui;
  json: boolean;
  prompter: Prompter;
  signal: AbortSignal;
  onDeadline: (at: number) => void;
}) {
  const [{ ecrPublisher }, { buildAndPushImage }] = await Promise.all([
    import('./image.js'),
    import('./build-push.js'),
  ]);
  const { clients, repository, ui, json } = o;
  return {
    ...clients,
    publisher: ecrPublisher({
      ecr: clients.ecr,
      repository,
      debug: (line) => {
        ui.debug(line);
      },
      buildAndPush: (tag, signal) =>
        buildAndPushImage({
          ecr: clients.ecr,
          repository,
          service: o.service,
          serviceDir: o.serviceDir,
          tag,
          ui,
          json,
          signal,
        }),
    }),
    clock: systemClock,
    reporter: commandReporter(ui, json),
    signal: o.signal,
    onDeadline: o.onDeadline,
    confirmAbort: abortConfirmation(o.prompter, ui),
  };
}

export type DeployClients = Awaited<ReturnType<typeof deployClients>>;

/** What `inDeployFrame` gives its body. */
export interface DeployFrame {
  clients: DeployClients;
  /** `deployRuntime` with this frame's clients, Ctrl-C signal and deadline. */
  runtime: (o: {
    repository: EcrRepository;
    service: string;
    serviceDir: string;
  }) => ReturnType<typeof deployRuntime>;
}

/**
 * The frame of a deploy in a command (lsvc deploy, lsvc preview up): Ctrl-C as an abort signal,
 * the clients, whose calls never outlive the current wait's deadline (`timeoutMs` from now until
 * the deploy sets the next one, so a hung endpoint cannot hold the command past --timeout), and
 * under --json a failed deploy answered with its result.
 */
export async function inDeployFrame<R>(
  o: { target: AwsClientTarget; timeoutMs: number; ui: Ui; json: boolean; prompter: Prompter },
  body: (frame: DeployFrame) => Promise<R>,
): Promise<R | NonNullable<ReturnType<typeof failureResult>>> {
  const interrupt = interruptOnSigint();
  let deadline = Date.now() + o.timeoutMs;
  const clients = await deployClients(o.target, { interrupt: interrupt.signal, deadline: () => deadline });
  try {
    return await body({
      clients,
      runtime: (r) =>
        deployRuntime({
          ...r,
          clients,
          ui: o.ui,
          json: o.json,
          prompter: o.prompter,
          signal: interrupt.signal,
          onDeadline: (at) => {
            deadline = at;
          },
        }),
    });
  } catch (error) {
    const json = o.json ? failureResult(error) : undefined;
    if (json) return json;
    throw error;
  } finally {
    interrupt.dispose();
  }
}
