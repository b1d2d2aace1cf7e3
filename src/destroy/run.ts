// `lsvc destroy`: look (read-only), show what goes, get the typed confirmation (or --yes --force),
// then delete step by step. --dry-run stops after looking.
import type { CostEstimate, PricedParts } from '../cost/estimate.js';
import { renderCost } from '../cost/render.js';
import type { ResolvedConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Step } from '../progress.js';
import type { Prompter } from '../prompt.js';
import { alarmPrefixes } from '../status/collect.js';
import type { Ui } from '../ui.js';
import { classifyAwsError } from '../aws/errors.js';
import type { Waiting } from '../aws/poll.js';
import type { DestroyClients } from './clients.js';
import {
  type DestroyOptions,
  type DestroyPlan,
  type DestroyTarget,
  inspect,
  isEmpty,
  renderPlan,
} from './plan.js';
import { destroySteps, type Timeouts } from './steps.js';
import type { AwsEnvironment } from '../aws/environment.js';

export function destroyTarget(aws: AwsEnvironment, config: ResolvedConfig): DestroyTarget {
  const all = Object.keys(config.environments);
  return {
    service: config.service,
    envName: aws.environment.name,
    region: aws.target.region,
    names: aws.names,
    excludeAlarmPrefixes: alarmPrefixes(config.service, aws.environment.name, all).exclude,
    otherEnvironments: all.filter((e) => e !== aws.environment.name),
    redisEngineVersion: aws.environment.redis.engineVersion,
  };
}

export interface Confirmation {
  dryRun: boolean;
  yes: boolean;
  force: boolean;
}

/** --yes alone is not enough: destroying needs --yes --force, or the name typed. */
export function checkUnattended(
  c: Confirmation,
  prompter: Prompter,
  fullName: string,
): 'typed' | 'forced' | 'none' {
  if (c.dryRun) return 'none';
  if (c.yes && c.force) return 'forced';
  if (c.yes || prompter.mode === 'yes') {
    throw new UsageError(`Destroying ${fullName} needs its name typed, and there is no one to type it.`, {
      hint: 'In CI (or with --yes), pass both --yes and --force.',
    });
  }
  return 'typed';
}

export interface DestroyDeps {
  clients: DestroyClients;
  timing: Waiting;
  timeouts?: Timeouts;
  runSteps: (steps: Step[]) => Promise<void>;
  prompter: Prompter;
  ui: Ui;
  /** The monthly cost of the parts found (shown with the list); absent: not shown. */
  estimate?: (parts: PricedParts) => Promise<CostEstimate>;
}

export interface DestroyResult {
  environment: string;
  dryRun: boolean;
  plan: DestroyPlan;
  deleted: boolean;
  cost?: CostEstimate;
}

export async function destroy(
  deps: DestroyDeps,
  t: DestroyTarget,
  o: DestroyOptions & Confirmation,
): Promise<DestroyResult> {
  const mode = checkUnattended(o, deps.prompter, t.names.environment);
  const { ui } = deps;
  const plan = await inspect(deps.clients, t, o, deps.timing.clock.now()).catch((error: unknown) => {
    throw classifyAwsError(error, {
      hint: 'Nothing was deleted. Try again, or check the service in the AWS console.',
    });
  });
  const result: DestroyResult = { environment: t.names.environment, dryRun: o.dryRun, plan, deleted: false };
  if (isEmpty(plan)) {
    ui.info(`Nothing of ${t.names.environment} is left on AWS (${t.region}).`);
    if (plan.repositoryKept) ui.info(ui.paint.dim(plan.repositoryKept));
    return result;
  }
  ui.info(`${o.dryRun ? 'Would delete' : 'Deletes'} in ${t.region}:`);
  for (const line of renderPlan(plan, t)) ui.info(line);
  if (plan.repositoryKept) ui.info(ui.paint.dim(`  ${plan.repositoryKept}`));
  if (deps.estimate) {
    result.cost = await deps.estimate({
      environment: plan.environment !== null,
      database: plan.database !== null,
      redis: plan.redis !== null,
    });
    ui.info();
    for (const line of renderCost(result.cost, ui.paint, 'What this stops costing, per month')) ui.info(line);
    ui.info();
  }
  if (o.dryRun) {
    ui.info(ui.paint.dim('Dry run: nothing was changed.'));
    return result;
  }
  if (mode === 'typed') {
    const answer = await deps.prompter.ask(
      `Type the environment's name (${t.names.environment}) to delete all of the above:`,
      { flag: '--yes --force' },
    );
    if (answer.trim() !== t.names.environment) {
      throw new UsageError(`"${answer.trim()}" is not ${t.names.environment}: nothing was deleted.`);
    }
  }
  try {
    await deps.runSteps(destroySteps(deps.clients, t, plan, deps.timing, deps.timeouts));
  } catch (error) {
    throw classifyAwsError(error, {
      hint: `The steps before this one are done; run "lsvc destroy --env ${t.envName}" again to go on.`,
    });
  }
  result.deleted = true;
  ui.info(ui.paint.green(`${t.names.environment} is destroyed.`));
  if (plan.database?.finalSnapshot) {
    ui.info(
      `Final database snapshot: ${plan.database.finalSnapshot} (restore with "aws rds restore-db-instance-from-db-snapshot").`,
    );
  }
  if (plan.secrets.length)
    ui.info('Secrets can be restored for 7 days: aws secretsmanager restore-secret --secret-id <name>.');
  return result;
}
