// Plumbing of the `lsvc env` commands: the environment, its clients, progress and the summary.
import type { AwsEnvironment } from '../aws/environment.js';
import { makeClient } from '../aws/clients.js';
import { resourceTags } from '../aws/names.js';
import { runSteps, type Step } from '../progress.js';
import { systemClock } from '../clock.js';
import type { Ui } from '../ui.js';
import type { ChangeResult, EnvDeps, EnvTarget } from './apply.js';

export function envTarget(aws: AwsEnvironment): EnvTarget {
  return {
    service: aws.config.service,
    envName: aws.environment.name,
    application: aws.names.application,
    environment: aws.names.environment,
    tags: resourceTags(aws.config.service, aws.environment.name),
  };
}

export async function envDeps(
  aws: AwsEnvironment,
  opts: { json: boolean; signal?: AbortSignal },
): Promise<EnvDeps> {
  const [{ ElasticBeanstalkClient }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
  return {
    // The first signal ends the reads in flight (the update's abort is then made on new calls).
    eb: makeClient(ElasticBeanstalkClient, aws.target, { interrupt: opts.signal }),
    secrets: makeClient(SecretsManagerClient, aws.target, { interrupt: opts.signal }),
    clock: systemClock,
    runSteps: (steps: Step[]) =>
      runSteps(steps, { json: opts.json, ...(opts.signal ? { signal: opts.signal } : {}) }),
    signal: opts.signal,
  };
}

/** What changed, in words (names only: values never). */
export function summarize(r: ChangeResult, ui: Ui): void {
  const { paint } = ui;
  for (const s of r.set) {
    ui.info(`${paint.green('set')}      ${s.name}${s.secret ? paint.dim(` (secret ${s.secret})`) : ''}`);
  }
  for (const name of r.removed) ui.info(`${paint.yellow('removed')}  ${name}`);
  for (const name of r.unchanged)
    ui.info(`${paint.dim('same')}     ${name} ${paint.dim('(already that value)')}`);
  for (const name of r.missing) ui.info(`${paint.dim('not set')}  ${name}`);
  for (const s of r.secretsDeleted) {
    ui.info(
      `${paint.yellow('deleting')} ${s.name} ${paint.dim(`on ${s.deletionDate?.slice(0, 10) ?? '?'} (undo before then: aws secretsmanager restore-secret --secret-id ${s.name})`)}`,
    );
  }
  for (const note of r.notes) ui.info(paint.dim(`note: ${note}`));
  const how =
    r.applied === 'update'
      ? `${r.environment} updated and Ready.`
      : r.applied === 'restart'
        ? `${r.environment} restarted with the new secret values.`
        : `Nothing to change on ${r.environment}.`;
  ui.info(how);
}

/** Read all of stdin (a piped secret value), without the final newline. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
