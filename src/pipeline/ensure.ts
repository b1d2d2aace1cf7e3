// The plan-then-apply loop of `lsvc pipeline init`, as in `lsvc provision`: every resource is
// inspected first (read-only), the plan is shown, --dry-run stops there, then each change is
// applied in order. After the first change, a resource is inspected again before it is applied
// (what it refers to, e.g. a role ARN, may be new).
import { runSteps, type ProgressOptions, type Step } from '../progress.js';
import type { PipelineInspection, PipelineResource, PipelineRow } from './types.js';

export interface EnsureOptions {
  dryRun: boolean;
  progress: ProgressOptions;
  onPlan?: (rows: PipelineRow[]) => void;
  confirm?: (rows: PipelineRow[]) => Promise<boolean>;
}

export interface EnsureResult {
  dryRun: boolean;
  cancelled?: boolean;
  resources: PipelineRow[];
}

const VERBS = { create: 'Create', update: 'Update', unchanged: 'Check' } as const;

const rowOf = (r: PipelineResource, i: PipelineInspection): PipelineRow => ({
  kind: r.kind,
  name: r.name,
  action: i.action,
  details: i.details,
});

export async function ensureAll(
  resources: PipelineResource[],
  options: EnsureOptions,
): Promise<EnsureResult> {
  const planned: PipelineInspection[] = [];
  const rows: PipelineRow[] = [];
  for (const resource of resources) {
    const inspection = await resource.inspect();
    planned.push(inspection);
    rows.push(rowOf(resource, inspection));
  }
  options.onPlan?.(rows);
  const result = (extra: Partial<EnsureResult> = {}): EnsureResult => ({
    dryRun: options.dryRun,
    resources: rows,
    ...extra,
  });
  const changes = planned.filter((p) => p.action !== 'unchanged');
  if (options.dryRun || changes.length === 0) return result();
  if (options.confirm && !(await options.confirm(rows))) return result({ cancelled: true });

  let dirty = false;
  const steps: Step[] = [];
  resources.forEach((resource, index) => {
    const plan = planned[index];
    if (!plan || plan.action === 'unchanged') return;
    const title = `${VERBS[plan.action]} ${resource.kind} ${resource.name}`;
    steps.push({
      title,
      run: async (step) => {
        let inspection = plan;
        if (dirty) {
          inspection = await resource.inspect();
          rows[index] = rowOf(resource, inspection);
        }
        if (inspection.action === 'unchanged' || !inspection.apply) {
          step.title(`${title}: already up to date`);
          return;
        }
        await inspection.apply();
        dirty = true;
      },
    });
  });
  await runSteps(steps, options.progress);
  return result();
}
