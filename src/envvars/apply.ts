// `lsvc env set` / `unset`: work out the option changes, store secrets first (a mapping must point
// to an existing secret), wait for the environment to be free, update it, wait until it is Ready,
// and fail (exit 6) when Elastic Beanstalk reports the update failed (it rolls the configuration
// back then). Secret values go to Secrets Manager only: never into an EB option, a log or a result.
import {
  type ConfigurationOptionSetting,
  type ElasticBeanstalkClient,
  type OptionSpecification,
  RestartAppServerCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { send } from '../aws/call.js';
import { abortEnvironmentUpdate, describeEvents, findEnvironment } from '../aws/eb.js';
import { classifyAwsError, errorName } from '../aws/errors.js';
import { InterruptedError, TimeoutError, UnhealthyError, UsageError } from '../errors.js';
import type { Step } from '../progress.js';
import type { Clock } from '../clock.js';
import { type Assignment, PLAIN_PROPERTIES_MAX_BYTES, plainPropertiesSize } from './parse.js';
import { describeSecret } from '../aws/secrets.js';
import { scheduleSecretDeletion, storeSecret, variableSecretName } from './secrets.js';
import {
  ENV_NAMESPACE,
  notProvisioned,
  readVariables,
  SECRETS_NAMESPACE,
  secretReference,
} from './settings.js';
import { waitForReady } from './wait.js';

export interface EnvDeps {
  eb: ElasticBeanstalkClient;
  secrets: SecretsManagerClient;
  clock: Clock;
  /** Runs the steps with progress (runSteps in the command; a plain loop in tests). */
  runSteps: (steps: Step[]) => Promise<void>;
  signal?: AbortSignal | undefined;
  pollMs?: number;
  timeoutMs?: number;
}

export interface EnvTarget {
  service: string;
  /** lsvc.yml name (staging). */
  envName: string;
  application: string;
  /** EB environment name (<service>-<env>). */
  environment: string;
  tags: { Key: string; Value: string }[];
}

export interface ChangeResult {
  environment: string;
  /** Variables set or changed: name, plain or secret (with the secret's name, never its value). */
  set: { name: string; kind: 'plain' | 'secret'; secret?: string }[];
  removed: string[];
  unchanged: string[];
  /** Names that were not set (unset). */
  missing: string[];
  /** Secrets scheduled for deletion (unset --secret), with the date they go. */
  secretsDeleted: { name: string; deletionDate: string | null }[];
  /** UpdateEnvironment (options changed), RestartAppServer (only secret values changed), or none. */
  applied: 'update' | 'restart' | 'none';
  notes: string[];
}

const DEFAULT_POLL_MS = 5000;
const DEFAULT_TIMEOUT_MS = 20 * 60_000;

function ref(t: EnvTarget) {
  return { application: t.application, environment: t.environment, envName: t.envName };
}

interface Change {
  settings: ConfigurationOptionSetting[];
  remove: OptionSpecification[];
  restart: boolean;
}

function appliedBy(change: Change): ChangeResult['applied'] {
  if (change.settings.length || change.remove.length) return 'update';
  return change.restart ? 'restart' : 'none';
}

/**
 * Wait for Ready, apply, wait for Ready, then look for failure events of this update. `change` is
 * read when the steps run: storing secrets (an earlier step) decides part of it.
 */
function applySteps(deps: EnvDeps, t: EnvTarget, change: () => Change, sent: Sent): Step[] {
  const waitOptions = (step: { output(line: string): void }) => ({
    clock: deps.clock,
    pollMs: deps.pollMs ?? DEFAULT_POLL_MS,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal: deps.signal,
    onStatus: (env: { Status?: string | undefined; Health?: string | undefined }, ms: number) => {
      step.output(`${env.Status ?? '?'} · ${env.Health ?? '?'} (${Math.round(ms / 1000)} s)`);
    },
  });
  const nothing = () => (appliedBy(change()) === 'none' ? 'nothing to change' : false);
  let requestedAt = 0;
  return [
    {
      title: `Wait until ${t.environment} is free`,
      skip: nothing,
      run: async (step) => {
        const env = await findEnvironment(deps.eb, t.application, t.environment);
        if (!env) throw notProvisioned(t.envName, t.environment);
        if (env.Status !== 'Ready') {
          step.output(`${env.Status ?? '?'}: another operation runs; waiting for it to finish`);
          await waitForReady(deps.eb, ref(t), waitOptions(step));
        }
      },
    },
    {
      title: `Update ${t.environment}`,
      skip: nothing,
      run: async (step) => {
        const c = change();
        const applied = appliedBy(c);
        requestedAt = deps.clock.now();
        if (applied === 'update') {
          step.title(`Update ${t.environment}'s environment variables`);
          await send(
            'elasticbeanstalk',
            deps.eb,
            new UpdateEnvironmentCommand({
              ApplicationName: t.application,
              EnvironmentName: t.environment,
              ...(c.settings.length ? { OptionSettings: c.settings } : {}),
              ...(c.remove.length ? { OptionsToRemove: c.remove } : {}),
            }),
          );
          sent.update = true;
        } else {
          step.title(`Restart the app on ${t.environment} (it reads secret values at start)`);
          await send(
            'elasticbeanstalk',
            deps.eb,
            new RestartAppServerCommand({ EnvironmentName: t.environment }),
          );
        }
      },
    },
    {
      title: `Wait until ${t.environment} is Ready`,
      skip: nothing,
      run: async (step) => {
        await waitForReady(deps.eb, ref(t), waitOptions(step));
        const events = await describeEvents(deps.eb, {
          application: t.application,
          environment: t.environment,
          since: new Date(requestedAt),
        });
        const failures = events.filter((e) => e.Severity === 'ERROR' || e.Severity === 'FATAL');
        if (failures.length) {
          throw new UnhealthyError(`Elastic Beanstalk reports that the update of ${t.environment} failed.`, {
            details: failures.map((e) => `${e.EventDate?.toISOString() ?? ''} ${e.Message ?? ''}`.trim()),
            hint: `It keeps the previous configuration. See "lsvc logs --env ${t.envName} --platform" and "lsvc status --env ${t.envName}".`,
          });
        }
      },
    },
  ];
}

/** What the steps have asked of Elastic Beanstalk so far (an interruption then aborts it). */
interface Sent {
  update: boolean;
}

/**
 * Ctrl-C / SIGTERM / SIGHUP after UpdateEnvironment: abort the update (EB restores the previous
 * configuration), wait until the environment is free, and say in one line where it stands.
 */
async function abortedUpdate(deps: EnvDeps, t: EnvTarget): Promise<InterruptedError> {
  let aborted = true;
  try {
    await abortEnvironmentUpdate(deps.eb, t.environment);
  } catch (error) {
    // "No update in progress": it had finished already.
    if (errorName(error) !== 'InvalidParameterValue') throw error;
    aborted = false;
  }
  let state = `${t.environment} is Ready`;
  try {
    // A second signal ends the command at once (src/interrupt.ts); this wait ignores the first.
    await waitForReady(deps.eb, ref(t), {
      clock: deps.clock,
      pollMs: deps.pollMs ?? DEFAULT_POLL_MS,
      timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    state = `${t.environment} is still busy`;
  }
  return new InterruptedError(
    aborted
      ? `Interrupted: the update of ${t.environment}'s variables was aborted (Elastic Beanstalk restores the previous configuration); ${state}.`
      : `Interrupted: the update of ${t.environment}'s variables had already finished; ${state}.`,
    { hint: `See "lsvc env list --env ${t.envName}" and "lsvc status --env ${t.envName}".` },
  );
}

/** Run the steps; an AWS refusal lsvc has no special handling for becomes one clear line. */
async function runChecked(deps: EnvDeps, t: EnvTarget, steps: Step[], sent: Sent): Promise<void> {
  try {
    await deps.runSteps(steps);
  } catch (error) {
    if (deps.signal?.aborted && sent.update) throw await abortedUpdate(deps, t);
    throw classifyAwsError(error, {
      hint: `See "lsvc env list --env ${t.envName}" and "lsvc status --env ${t.envName}" for where it stopped.`,
    });
  }
}

function emptyResult(t: EnvTarget): ChangeResult {
  return {
    environment: t.environment,
    set: [],
    removed: [],
    unchanged: [],
    missing: [],
    secretsDeleted: [],
    applied: 'none',
    notes: [],
  };
}

export async function setVariables(
  deps: EnvDeps,
  t: EnvTarget,
  assignments: Assignment[],
  opts: { secret: boolean },
): Promise<ChangeResult> {
  const result = emptyResult(t);
  const vars = await readVariables(deps.eb, ref(t));
  const settings: ConfigurationOptionSetting[] = [];
  const remove: OptionSpecification[] = [];
  const plainAfter = new Map(vars.plain);
  const toStore: Assignment[] = [];

  for (const a of assignments) {
    if (opts.secret) {
      toStore.push(a);
      if (vars.plain.has(a.name)) {
        remove.push({ Namespace: ENV_NAMESPACE, OptionName: a.name });
        plainAfter.delete(a.name);
      }
      continue;
    }
    const mapped = vars.secrets.get(a.name);
    if (mapped !== undefined) {
      remove.push({ Namespace: SECRETS_NAMESPACE, OptionName: a.name });
      const secret = secretReference(mapped);
      result.notes.push(`${a.name} was a secret (${secret.name}); the secret itself is kept.`);
    } else if (vars.plain.get(a.name) === a.value) {
      result.unchanged.push(a.name);
      continue;
    }
    settings.push({ Namespace: ENV_NAMESPACE, OptionName: a.name, Value: a.value });
    plainAfter.set(a.name, a.value);
    result.set.push({ name: a.name, kind: 'plain' });
  }

  const size = plainPropertiesSize(plainAfter);
  if (size > PLAIN_PROPERTIES_MAX_BYTES) {
    throw new UsageError(
      `The plain environment properties would take ${size} bytes; Elastic Beanstalk allows ${PLAIN_PROPERTIES_MAX_BYTES} in all.`,
      { hint: 'Store large values as secrets (--secret), which do not count toward that limit.' },
    );
  }

  const steps: Step[] = [];
  // Filled in while the secrets are stored; the update steps read it when they run.
  const change: Change = { settings, remove, restart: false };
  if (toStore.length) {
    steps.push({
      title: `Store ${toStore.length === 1 ? 'the secret' : `${toStore.length} secrets`} in Secrets Manager`,
      run: async (step) => {
        for (const a of toStore) {
          const name = variableSecretName(t.service, t.envName, a.name);
          const stored = await storeSecret(deps.secrets, {
            name,
            value: a.value,
            description: `${a.name} of ${t.environment} (lsvc env set --secret)`,
            tags: [...t.tags, { Key: 'lsvc:variable', Value: a.name }],
          });
          step.output(`${name}: ${stored.action}`);
          result.set.push({ name: a.name, kind: 'secret', secret: name });
          if (vars.secrets.get(a.name) === stored.arn) {
            // Same mapping, new value: EB reads secrets at boot, so the app must restart.
            change.restart = true;
          } else {
            settings.push({ Namespace: SECRETS_NAMESPACE, OptionName: a.name, Value: stored.arn });
          }
        }
      },
    });
  }
  const sent: Sent = { update: false };
  steps.push(...applySteps(deps, t, () => change, sent));
  await runChecked(deps, t, steps, sent);
  result.applied = appliedBy(change);
  return result;
}

export async function unsetVariables(
  deps: EnvDeps,
  t: EnvTarget,
  names: string[],
  opts: { secret: boolean },
): Promise<ChangeResult> {
  const result = emptyResult(t);
  const vars = await readVariables(deps.eb, ref(t));
  const remove: OptionSpecification[] = [];
  for (const name of names) {
    if (vars.plain.has(name)) remove.push({ Namespace: ENV_NAMESPACE, OptionName: name });
    if (vars.secrets.has(name)) remove.push({ Namespace: SECRETS_NAMESPACE, OptionName: name });
    if (vars.plain.has(name) || vars.secrets.has(name)) result.removed.push(name);
    else result.missing.push(name);
  }
  const change: Change = { settings: [], remove, restart: false };
  const sent: Sent = { update: false };
  const steps = applySteps(deps, t, () => change, sent);
  if (opts.secret) {
    steps.push({
      title: 'Schedule the secrets for deletion',
      run: async (step) => {
        for (const name of names) {
          const own = variableSecretName(t.service, t.envName, name);
          const mapped = vars.secrets.get(name);
          const mappedName = mapped ? secretReference(mapped).name : undefined;
          if (mappedName && mappedName !== own) {
            result.notes.push(`${name} pointed to ${mappedName}, which lsvc env set did not create: kept.`);
          }
          const found = await describeSecret(deps.secrets, own);
          if (!found || found.DeletedDate) continue;
          const date = await scheduleSecretDeletion(deps.secrets, own);
          step.output(`${own}: deletion scheduled`);
          result.secretsDeleted.push({ name: own, deletionDate: date?.toISOString() ?? null });
        }
      },
    });
  }
  await runChecked(deps, t, steps, sent);
  result.applied = appliedBy(change);
  return result;
}
