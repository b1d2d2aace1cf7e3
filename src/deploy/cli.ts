// Plumbing shared by the deploy, rollback, releases and bundle commands: clients, Ctrl-C,
// progress, and the --json answer of a failed deploy.
import { makeClient, type AwsClientTarget } from '../aws/clients.js';
import { makeS3Client } from '../aws/s3.js';
import { errorToJson, toLsvcError } from '../errors.js';
import { exitAfterCleanup } from '../interrupt.js';
import { runSteps } from '../progress.js';
import type { Prompter } from '../prompt.js';
import type { Ui } from '../ui.js';
import { consoleReporter, type Reporter } from './report.js';
import { type DeployResult, resultOf } from './result.js';

export async function deployClients(target: AwsClientTarget) {
  const [{ ElasticBeanstalkClient }, { CloudWatchClient }, { ECRClient }] = await Promise.all([
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-ecr'),
  ]);
  return {
    eb: makeClient(ElasticBeanstalkClient, target),
    cloudwatch: makeClient(CloudWatchClient, target),
    ecr: makeClient(ECRClient, target),
    s3: makeS3Client(target),
  };
}

/**
 * The first Ctrl-C aborts the returned signal (the rollout then offers to abort the update);
 * a second one exits at once.
 */
export function interruptOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    // The second one: exit now, but remove the deploy lock first (src/deploy/lock.ts).
    if (controller.signal.aborted) void exitAfterCleanup(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}

export function commandReporter(ui: Ui, json: boolean): Reporter {
  return consoleReporter({
    ui,
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

/** Ctrl-C while watching: ask whether to abort; with --yes or no terminal, abort and say so. */
export function abortConfirmation(prompter: Prompter, ui: Ui): () => Promise<boolean> {
  return async () => {
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
