// `lsvc provision`: look at everything first (a plan, read-only calls only), print it, stop there
// on --dry-run, else apply the changes in order with progress, waiting for what AWS finishes in
// the background (database, Redis) before the environment that needs it.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { defaultNetwork } from '../aws/ec2.js';
import { partitionOf } from '../aws/iam.js';
import type { ResourceNames } from '../aws/names.js';
import type { ResolvedEnvironment } from '../config/schema.js';
import { runSteps, type ProgressOptions, type Step } from '../progress.js';
import { send } from '../aws/call.js';
import { alarms } from './resources/alarms.js';
import { databaseSecret, rdsInstance } from './resources/database.js';
import { ebApplication } from './resources/eb-application.js';
import { ebEnvironment } from './resources/eb-environment.js';
import { ecrRepository } from './resources/ecr.js';
import { endpointParameters } from './resources/endpoints.js';
import { identityJwks, identitySecret } from './resources/identity.js';
import { instanceProfile, instanceRole, serviceRole } from './resources/iam.js';
import { cacheSubnetGroup, dbSubnetGroup, securityGroup } from './resources/network.js';
import { cacheParameterGroup, redisReplicationGroup } from './resources/redis.js';
import { emailSubscription, snsTopic } from './resources/sns.js';
import type { Inspection, PlanRow, ProvisionClients, ProvisionContext, Resource, Timing } from './types.js';
import { InterruptedError } from '../errors.js';
import { dependencyProperties, resolveDependencies } from '../endpoints/dependencies.js';

export interface ProvisionInput {
  service: string;
  environment: ResolvedEnvironment;
  names: ResourceNames;
  region: string;
  clients: ProvisionClients;
  timing?: Timing;
}

export interface ProvisionOptions {
  dryRun: boolean;
  progress: ProgressOptions;
  /** Called with the plan before anything changes (the command prints it). */
  onPlan?: (rows: PlanRow[]) => void;
  /** Asked when there are changes, after the plan is shown; false cancels without a change. */
  confirm?: (rows: PlanRow[]) => Promise<boolean>;
}

export interface ProvisionResult {
  environment: string;
  dryRun: boolean;
  /** True when the user declined the plan: nothing changed. */
  cancelled?: boolean;
  resources: PlanRow[];
  warnings: string[];
}

/** Every resource of the environment, in the order they are inspected and applied. */
export function buildResources(ctx: ProvisionContext): Resource[] {
  return [
    ecrRepository(ctx),
    serviceRole(ctx),
    instanceRole(ctx),
    instanceProfile(ctx),
    ebApplication(ctx),
    snsTopic(ctx),
    ...(ctx.environment.notifyEmail ? [emailSubscription(ctx, ctx.environment.notifyEmail)] : []),
    securityGroup(ctx, 'instances'),
    securityGroup(ctx, 'database'),
    securityGroup(ctx, 'redis'),
    dbSubnetGroup(ctx),
    databaseSecret(ctx),
    rdsInstance(ctx),
    identitySecret(ctx),
    identityJwks(ctx),
    cacheSubnetGroup(ctx),
    cacheParameterGroup(ctx),
    redisReplicationGroup(ctx),
    ebEnvironment(ctx),
    ...endpointParameters(ctx),
    ...alarms(ctx),
  ];
}

/** The account, partition and default network: read-only, before anything else. */
async function discover(ctx: ProvisionContext): Promise<void> {
  const identity = await send('sts', ctx.clients.sts, new GetCallerIdentityCommand({}));
  const partition = identity.Arn?.split(':')[1] ?? partitionOf(ctx.region);
  ctx.known.scope = { partition, region: ctx.region, account: identity.Account ?? '*' };
  const network = await defaultNetwork(ctx.clients.ec2, ctx.region);
  ctx.known.vpcId = network.vpcId;
  ctx.known.subnetIds = network.subnetIds;
}

const VERBS = { create: 'Create', update: 'Update', unchanged: 'Check' } as const;

export function rowOf(resource: Resource, inspection: Inspection): PlanRow {
  return { kind: resource.kind, name: resource.name, action: inspection.action, details: inspection.details };
}

export async function provision(input: ProvisionInput, options: ProvisionOptions): Promise<ProvisionResult> {
  const ctx: ProvisionContext = {
    service: input.service,
    environment: input.environment,
    names: input.names,
    region: input.region,
    clients: input.clients,
    timing: input.timing ?? realTiming(),
    known: {
      scope: { partition: partitionOf(input.region), region: input.region, account: '*' },
      securityGroups: {},
    },
    dependencies: {},
    warnings: [],
  };
  // A dependency that is not provisioned stops the run here, before the plan and any change.
  ctx.dependencies = dependencyProperties(
    await resolveDependencies(
      ctx.clients.ssm,
      { environment: ctx.environment.name, region: ctx.region },
      ctx.environment.dependsOn,
    ),
  );
  await discover(ctx);
  const resources = buildResources(ctx);
  const planned = new Map<Resource, Inspection>();
  const rows: PlanRow[] = [];
  for (const resource of resources) {
    const inspection = await resource.inspect(ctx);
    planned.set(resource, inspection);
    rows.push(rowOf(resource, inspection));
  }
  options.onPlan?.(rows);
  const result = (extra: Partial<ProvisionResult> = {}): ProvisionResult => ({
    environment: input.names.environment,
    dryRun: options.dryRun,
    resources: rows,
    warnings: ctx.warnings,
    ...extra,
  });
  const work = resources.filter((r) => {
    const i = planned.get(r);
    return i?.action !== 'unchanged' || i.settle !== undefined;
  });
  if (options.dryRun || work.length === 0) return result();
  if (options.confirm && !(await options.confirm(rows))) return result({ cancelled: true });

  await runSteps(applySteps(ctx, resources, planned, rows), options.progress);
  return result();
}

/**
 * One step per resource to change, and one per background change to wait for, placed before the
 * first resource that needs it settled (else at the end). After the first change, a resource is
 * inspected again before it is applied: what it refers to (ARNs, endpoints) may be new.
 */
function applySteps(
  ctx: ProvisionContext,
  resources: Resource[],
  planned: Map<Resource, Inspection>,
  rows: PlanRow[],
): Step[] {
  const latest = new Map(planned);
  let dirty = false;
  const steps: Step[] = [];
  const waiting: Resource[] = [];
  const flushWaits = () => {
    for (const resource of waiting.splice(0)) {
      const settle = planned.get(resource)?.settle;
      if (!settle) continue;
      steps.push({
        title: settle.title,
        run: async (step) => {
          const current = latest.get(resource)?.settle;
          if (!current) {
            step.title(`${settle.title}: nothing to wait for`);
            return;
          }
          await current.run(ctx, step);
          // What it waited for is known now (endpoints): later resources look again.
          dirty = true;
        },
      });
    }
  };
  resources.forEach((resource, index) => {
    const plan = planned.get(resource);
    if (!plan) return;
    if (resource.needsSettled) flushWaits();
    if (plan.settle) waiting.push(resource);
    if (plan.action === 'unchanged') return;
    const title = `${VERBS[plan.action]} ${resource.kind} ${resource.name}`;
    steps.push({
      title,
      run: async (step) => {
        let inspection = latest.get(resource) ?? plan;
        if (dirty) {
          inspection = await resource.inspect(ctx);
          latest.set(resource, inspection);
          rows[index] = rowOf(resource, inspection);
        }
        if (inspection.action === 'unchanged' || !inspection.apply) {
          step.title(`${title}: already up to date`);
          return;
        }
        await inspection.apply(ctx, step);
        dirty = true;
      },
    });
  });
  flushWaits();
  return steps;
}

/** The real clock for provision's waits: 15 s polls; sleeps end early (InterruptedError) on Ctrl-C. */
export const realTiming = (): Timing => ({
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new InterruptedError());
        return;
      }
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new InterruptedError());
        },
        { once: true },
      );
    }),
  now: () => Date.now(),
  pollMs: 15_000,
  timeoutMs: { database: 45 * 60_000, redis: 45 * 60_000, environment: 30 * 60_000, iam: 60_000 },
});
