// Which log groups `lsvc logs` reads. Elastic Beanstalk streams each instance log file to a group
// named after its path under /aws/elasticbeanstalk/<environment>/ (one stream per instance):
//
//   .../var/log/eb-docker/containers/eb-current-app/stdouterr.log   the containers' stdout/stderr
//        (Docker on AL2023 with docker-compose: web and worker together, each line from
//        `docker compose logs` prefixed "web-1  | " / "worker-1  | ")  -> app, per line
//   .../var/log/eb-docker/containers/<service>/...                   a compose service's own log
//        directory (when a service writes files there)                -> app, that process
//   .../var/log/eb-engine.log, eb-hooks.log, docker, docker-events.log, nginx/*   -> platform
//
// --process keeps the groups of that process and, in shared groups, the lines whose compose
// prefix or pino `process` field names it.

export type GroupKind = 'app' | 'platform';

export interface SelectedGroup {
  name: string;
  kind: GroupKind;
  /** The process the whole group belongs to; undefined for a shared group (decided per line). */
  process: string | undefined;
}

const CONTAINER_DIR = /\/eb-docker\/containers\/([^/]+)\//;

export function classifyGroup(name: string): SelectedGroup {
  const container = CONTAINER_DIR.exec(name)?.[1];
  if (container) {
    return { name, kind: 'app', process: container === 'eb-current-app' ? undefined : container };
  }
  // Non-Docker platforms (and older ones) name the app's output web.stdout.log / stdouterr.log.
  const own = /\/var\/log\/(web|worker)\.stdout\.log$/.exec(name)?.[1];
  if (own) return { name, kind: 'app', process: own };
  if (name.endsWith('stdouterr.log')) return { name, kind: 'app', process: undefined };
  return { name, kind: 'platform', process: undefined };
}

export interface GroupChoice {
  process?: string | undefined;
  /** Also the platform's own logs (eb-engine, hooks, docker, nginx). */
  platform?: boolean;
}

export function selectGroups(names: string[], choice: GroupChoice): SelectedGroup[] {
  return names
    .map(classifyGroup)
    .filter((g) => (g.kind === 'platform' ? Boolean(choice.platform) && !choice.process : true))
    .filter((g) => !choice.process || g.process === undefined || g.process === choice.process);
}

/** Whether a line of `group` belongs to the chosen process (always true without --process). */
export function lineMatchesProcess(
  group: SelectedGroup,
  lineProcess: string | undefined,
  wanted: string | undefined,
): boolean {
  if (!wanted) return true;
  if (group.process !== undefined) return group.process === wanted;
  return lineProcess === wanted;
}
