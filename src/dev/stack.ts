// Small operations on a running dev stack shared by `lsvc dev` and `lsvc dev down`.
import type { Docker } from '../docker/client.js';
import { COMPOSE_LABELS, type ComposeProject, type Exec, runCompose } from '../docker/compose.js';
import { DockerError } from '../errors.js';
import { tail } from '../exec.js';

/** `compose stop`: containers stop, containers and volumes stay (the next start is quick). */
export async function stopStack(exec: Exec, compose: ComposeProject): Promise<void> {
  const r = await runCompose(exec, compose, ['stop'], { timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new DockerError(
      `${compose.cli.display} stop failed${r.code === null ? '' : ` (exit ${r.code})`}.`,
      {
        details: tail(r.stderr || r.stdout, 15),
        hint: `Stop them by hand: ${compose.cli.display} -p ${compose.name} stop`,
      },
    );
  }
}

/** Volumes compose made for the project (e.g. <project>_postgres-data). */
export async function projectVolumes(docker: Docker, project: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({
    filters: { label: [`${COMPOSE_LABELS.project}=${project}`] },
  });
  // The engine sends null for "none".
  return ((Volumes as typeof Volumes | null) ?? []).map((v) => v.Name).sort();
}

/** Networks compose made for the project (e.g. <project>_default). */
export async function projectNetworks(docker: Docker, project: string): Promise<string[]> {
  const networks = await docker.listNetworks({
    filters: { label: [`${COMPOSE_LABELS.project}=${project}`] },
  });
  return networks.map((n) => n.Name).sort();
}
