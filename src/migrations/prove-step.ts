// The Docker proof as a step of `lsvc check migrations` and of `lsvc deploy`: run it when there
// is something to prove and the service and Docker allow it, else say which check ran and why.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { interruptible } from '../interrupt.js';
import type { ServiceInfo } from '../testing/service.js';
import { dockerfileStages } from '../testing/service.js';
import { isCI, type Ui } from '../ui.js';
import type { MigrationsReport } from './check.js';
import type { ProofResult } from './proof.js';
import { renderProof } from './render.js';

export type ProofSummary = { ran: true; result: ProofResult } | { ran: false; reason: string };

export interface ProveStepOptions {
  service: ServiceInfo;
  report: MigrationsReport;
  ui: Ui;
  /** --static-only / --skip-migration-proof. */
  staticOnly: boolean;
  /** --json: progress stays quiet. */
  json: boolean;
  /** What the skip flag is called where this runs (for the "static check only" line). */
  skipFlag: string;
}

export async function proveStep(o: ProveStepOptions): Promise<ProofSummary> {
  const { ui, report, service } = o;
  const skipped = (reason: string): ProofSummary => {
    ui.info(ui.paint.dim(`Static check only: ${reason}.`));
    return { ran: false, reason };
  };
  if (report.migrations.length === 0) return skipped('no new migrations to prove');
  if (o.staticOnly) return skipped(`${o.skipFlag} (no Docker proof)`);
  const dockerfile = await readFile(path.join(service.dir, 'Dockerfile'), 'utf8').catch(() => '');
  if (!dockerfileStages(dockerfile).includes('test'))
    return skipped('no Dockerfile with a "test" stage to run the old version\'s tests in');
  const { connectDocker } = await import('../docker/client.js');
  let docker;
  try {
    docker = await connectDocker();
  } catch (error) {
    ui.warn(
      `Docker is not reachable (${(error as Error).message.split('\n')[0] ?? ''}): only the static check ran; "lsvc doctor" checks Docker.`,
    );
    return { ran: false, reason: 'Docker not reachable' };
  }
  const [{ dockerTestRunner }, { proveMigrations }] = await Promise.all([
    import('../docker/test-runner.js'),
    import('./proof.js'),
  ]);
  ui.info('');
  ui.info(ui.paint.bold(`Proving it in Docker: the version at ${report.against.ref} on the new schema`));
  const result = await interruptible((signal) =>
    proveMigrations({
      docker: dockerTestRunner(docker),
      service,
      old: report.against,
      migrations: report.migrations.map((m) => m.file),
      ui,
      progress: { json: o.json },
      signal,
      env: { ...(isCI(process.env) ? { CI: 'true' } : {}), NO_COLOR: '1', FORCE_COLOR: '0' },
    }),
  );
  for (const line of renderProof(result, ui.paint)) ui.info(line);
  return { ran: true, result };
}
