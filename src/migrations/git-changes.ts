// What git says about a service's migrations relative to an older ref: the migration files this
// checkout adds (committed or not), the ones it edits, and where the old ref's code uses a name.
import { ConfigError, UsageError } from '../errors.js';
import { runProcess } from '../exec.js';
import type { Exec } from '../git.js';

export const MIGRATIONS_FOLDER = 'migrations';
const MIGRATION_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export interface MigrationChanges {
  /** Full sha of the ref. */
  sha: string;
  /** Paths relative to the service folder, oldest first (migration names sort by time). */
  added: string[];
  /** Migrations the ref already had that this checkout changes: they will not run again there. */
  edited: string[];
  /** Migrations the ref had that this checkout deletes (or renames): Kysely refuses a history without them. */
  removed: string[];
}

function gitIn(dir: string, exec: Exec) {
  return (...args: string[]) => exec('git', args, { cwd: dir, timeoutMs: 20_000 });
}

/**
 * What --against names, as a git revision: a ref or commit as it is, or an image lsvc built
 * (`<service>:<12 hex of the commit>`, see src/docker/image-name.ts): its commit. Git refs cannot
 * hold a colon, so the two never mix.
 */
export function revisionOf(against: string): string {
  const image = /^[a-z0-9][\w./-]*:([\w.-]+)$/i.exec(against);
  if (!image) return against;
  const tag = image[1] ?? '';
  if (/^[0-9a-f]{7,40}$/.test(tag)) return tag;
  const why = tag.endsWith('-dirty')
    ? 'it was built from uncommitted changes'
    : tag.startsWith('dev-')
      ? 'it was built outside git'
      : 'its tag is not a commit';
  throw new UsageError(`The image ${against} names no commit to compare with: ${why}.`, {
    hint: 'Pass the git tag, branch or commit of the running release, or an image tagged with its commit (lsvc build).',
  });
}

export async function migrationChanges(
  dir: string,
  ref: string,
  exec: Exec = runProcess,
): Promise<MigrationChanges> {
  const git = gitIn(dir, exec);
  const inside = await git('rev-parse', '--is-inside-work-tree');
  if (inside.spawnError)
    throw new ConfigError('git is not installed.', { hint: 'Install git: the check compares git refs.' });
  if (inside.code !== 0) {
    throw new UsageError(`${dir} is not in a git repository.`, {
      hint: 'lsvc check migrations compares this checkout with a git ref: run it in the service repository.',
    });
  }
  const revision = revisionOf(ref);
  const resolved = await git('rev-parse', '--verify', '--quiet', `${revision}^{commit}`);
  const sha = resolved.stdout.trim();
  if (ref.startsWith('-') || resolved.code !== 0 || !sha) {
    throw new UsageError(`Unknown git ref "${ref}".`, {
      hint: 'Name a tag, branch or commit of the release running now (git fetch --tags if it is remote).',
    });
  }
  const [diff, untracked] = await Promise.all([
    git('diff', '--name-status', '--relative', '--no-renames', sha, '--', MIGRATIONS_FOLDER),
    git('ls-files', '--others', '--exclude-standard', '--', MIGRATIONS_FOLDER),
  ]);
  if (diff.code !== 0) throw new UsageError(`git diff against "${ref}" failed: ${diff.stderr.trim()}`);
  const added: string[] = [];
  const edited: string[] = [];
  const removed: string[] = [];
  for (const row of diff.stdout.split('\n')) {
    const [status, path] = row.split('\t');
    if (!path || !MIGRATION_FILE.test(path) || path.endsWith('.d.ts')) continue;
    if (status === 'A') added.push(path);
    if (status === 'M') edited.push(path);
    if (status === 'D') removed.push(path);
  }
  for (const path of untracked.stdout.split('\n')) {
    if (path && MIGRATION_FILE.test(path) && !path.endsWith('.d.ts')) added.push(path);
  }
  const byName = (a: string, b: string) =>
    basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0;
  return {
    sha,
    added: [...new Set(added)].sort(byName),
    edited: edited.sort(byName),
    removed: removed.sort(byName),
  };
}

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * Where the ref's own code names `name` as a whole word: "src/x.ts:12". Code is src/ and views/
 * (a template reads a column that a selectAll() in src/ never names); migrations are not code.
 */
export async function oldCodeUses(
  dir: string,
  sha: string,
  name: string,
  exec: Exec = runProcess,
): Promise<string[]> {
  const git = gitIn(dir, exec);
  const found = await git('grep', '-n', '-I', '-w', '-F', '-e', name, sha, '--', 'src', 'views');
  // 1: no match. Anything else but 0 is a real failure, which must not pass as "unused".
  if (found.code === 1) return [];
  if (found.code !== 0)
    throw new UsageError(`git grep in "${sha.slice(0, 12)}" failed: ${found.stderr.trim()}`);
  return found.stdout
    .split('\n')
    .filter(Boolean)
    .map((row) => {
      const [, path = '', lineNo = ''] = row.split(':');
      return `${path}:${lineNo}`;
    });
}
