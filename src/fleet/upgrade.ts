// `lsvc fleet upgrade`: lsvc upgrade's merge (src/upgrade, not a second one) for every service
// whose template moved on, each in a git worktree of its own on a new branch
// `lsvc/upgrade-<version>`, so the user's branch, index and working tree are never touched. A
// clean merge stays as that branch; a conflicted one leaves nothing (no branch, no worktree, the
// lsvc/template branch as it was) and is reported with its files and the command to resolve it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { mapLimit } from '../concurrency.js';
import { LsvcError } from '../errors.js';
import { TEMPLATE_BRANCH } from '../init/git.js';
import { Repo } from '../upgrade/repo.js';
import type { CommandsOutcome } from '../upgrade/commands.js';
import type { SourceOptions } from '../upgrade/source.js';
import { checkUpgrade, upgradeService } from '../upgrade/upgrade.js';
import { readGitSummary } from './inventory.js';
import { usableServices, type Workspace, type WorkspaceService } from './workspace.js';

export type UpgradeOutcome = 'upgraded' | 'conflicts' | 'up-to-date' | 'skipped' | 'failed';

export interface FleetUpgradeRow {
  service: string;
  path: string;
  from: string | null;
  to: string | null;
  outcome: UpgradeOutcome;
  /** Why it was skipped or failed. */
  reason: string | null;
  counts: { updated: number; merged: number; added: number; removed: number; conflicts: number } | null;
  /** The branch made (upgraded only). */
  branch: string | null;
  /** With --push: pushed to origin, or why not. */
  pushed: boolean | null;
  pushError: string | null;
  /** Conflicted files, and what the owner runs to resolve them. */
  conflicts: string[];
  resolve: string | null;
  /** The template's upgrade commands: run (trusted) or for the owner to run on the branch. */
  steps: { commands: string[]; ran: boolean; note: string | null };
}

export interface FleetUpgradeOptions extends SourceOptions {
  to?: string | undefined;
  push: boolean;
  /** Run template `run` steps of a template that is not lsvc's built-in one. */
  trust: boolean;
  lsvcVersion: string;
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  /** One line of progress per step of each service. */
  progress?: (line: string) => void;
}

export interface FleetUpgrade {
  root: string;
  rows: FleetUpgradeRow[];
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function row(s: WorkspaceService & { config: { service: string } }): FleetUpgradeRow {
  return {
    service: s.config.service,
    path: s.path,
    from: null,
    to: null,
    outcome: 'skipped',
    reason: null,
    counts: null,
    branch: null,
    pushed: null,
    pushError: null,
    conflicts: [],
    resolve: null,
    steps: { commands: [], ran: false, note: null },
  };
}

/** Why a service cannot be upgraded in place of its owner, or null when it can. */
async function refusal(dir: string): Promise<string | null> {
  const git = await readGitSummary(dir);
  if (!git) return 'not a git repository';
  if (!git.repoRoot) return 'not the root of its git repository';
  if (git.operation) return `a ${git.operation} is in progress`;
  if (!git.clean) return `uncommitted changes (${git.changes} path${git.changes === 1 ? '' : 's'})`;
  return null;
}

async function upgradeOne(
  s: WorkspaceService & { config: { service: string } },
  o: FleetUpgradeOptions,
): Promise<FleetUpgradeRow> {
  const out = row(s);
  const say = (text: string) => o.progress?.(`${s.config.service}: ${text}`);
  const refused = await refusal(s.dir);
  if (refused) {
    say(`skipped: ${refused}`);
    return { ...out, reason: refused };
  }
  const source = { builtinDir: o.builtinDir, dotfilesSnapshot: o.dotfilesSnapshot };
  const check = await checkUpgrade({ dir: s.dir, ...source, to: o.to, ...(o.env ? { env: o.env } : {}) });
  out.from = check.current;
  out.to = check.latest;
  if (check.upToDate) {
    say(`up to date (template ${check.current})`);
    return { ...out, outcome: 'up-to-date' };
  }

  const repo = new Repo(s.dir, o.env);
  const branch = `lsvc/upgrade-${check.latest}`;
  if (await repo.resolve(`refs/heads/${branch}`)) {
    const reason = `branch ${branch} exists already (merge it, or delete it to upgrade again)`;
    say(`skipped: ${reason}`);
    return { ...out, reason };
  }
  say(`upgrading template ${check.current} -> ${check.latest}`);
  const templateTip = await repo.resolve(`refs/heads/${TEMPLATE_BRANCH}`);
  const tmp = await mkdtemp(join(tmpdir(), 'lsvc-fleet-upgrade-'));
  const worktree = join(tmp, s.config.service);
  // The user's hooks are for their own checkouts, not this throwaway one.
  await repo.run([
    '-c',
    'core.hooksPath=/dev/null',
    'worktree',
    'add',
    '--quiet',
    '--detach',
    worktree,
    'HEAD',
  ]);
  let keepTemplateBranch = false;
  try {
    const result = await upgradeService({
      dir: worktree,
      ...source,
      to: o.to,
      dryRun: false,
      lsvcVersion: o.lsvcVersion,
      ...(o.env ? { env: o.env } : {}),
      // lsvc upgrade's trust rule; no prompt in a fleet run: untrusted commands are listed.
      commands: {
        trust: o.trust,
        onStart: (command) => {
          say(`$ ${command}`);
        },
        onLine: (line) => {
          say(`  ${line}`);
        },
      },
    });
    const sum = result.summary;
    out.counts = {
      updated: sum.updated.length,
      merged: sum.merged.length,
      added: sum.added.length,
      removed: sum.removed.length,
      conflicts: sum.conflicted.length,
    };
    if (!result.committed) {
      say(`conflicts in ${sum.conflicted.length} file(s): no branch made`);
      return {
        ...out,
        outcome: 'conflicts',
        conflicts: sum.conflicted,
        resolve: `cd ${s.path} && lsvc upgrade${o.to ? ` --to ${o.to}` : ''}`,
      };
    }
    out.steps = stepsOf(result.commands);
    const failed = result.commands.failed;
    if (failed) {
      const reason = `upgrade command failed (${failed.timedOut ? 'timed out' : `exit ${String(failed.exitCode)}`}): ${failed.command}`;
      say(`failed: ${reason}: no branch made`);
      return { ...out, outcome: 'failed', reason };
    }
    keepTemplateBranch = true;
    const wt = new Repo(worktree, o.env);
    await commitCommandChanges(wt);
    await wt.run(['branch', branch, 'HEAD']);
    say(`merged on ${branch}`);
    const upgraded: FleetUpgradeRow = { ...out, outcome: 'upgraded', branch };
    return o.push ? { ...upgraded, ...(await push(repo, branch, say)) } : upgraded;
  } catch (error) {
    say(`failed: ${errorText(error)}`);
    return { ...out, outcome: 'failed', reason: errorText(error) };
  } finally {
    await repo.run(['worktree', 'remove', '--force', worktree], { ok: [128] });
    await rm(tmp, { recursive: true, force: true });
    await repo.run(['worktree', 'prune']);
    // Nothing of a merge that did not make a branch stays: lsvc/template goes back to where it was.
    if (!keepTemplateBranch) {
      if (templateTip) await repo.run(['update-ref', `refs/heads/${TEMPLATE_BRANCH}`, templateTip]);
      else await repo.run(['update-ref', '-d', `refs/heads/${TEMPLATE_BRANCH}`], { ok: [1] });
    }
  }
}

/** What the template's `run` commands did, for the row: run, or listed for the owner and why. */
function stepsOf(c: CommandsOutcome): FleetUpgradeRow['steps'] {
  const notes: Record<string, string> = {
    untrusted: 'not run: the template is not built in (pass --trust to run them)',
    declined: 'not run',
  };
  const note = c.notRun ? (notes[c.notRun] ?? `not run (${c.notRun})`) : null;
  return { commands: c.all, ran: c.all.length > 0 && c.ran.length === c.all.length, note };
}

/** What the commands changed is committed on the upgrade branch. */
async function commitCommandChanges(wt: Repo): Promise<void> {
  if ((await wt.changes()).length === 0) return;
  await wt.run(['add', '--all']);
  const identity = await wt.identityArgs();
  await wt.run([
    ...identity,
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    'Run the lsvc template upgrade steps',
  ]);
}

async function push(
  repo: Repo,
  branch: string,
  say: (text: string) => void,
): Promise<Pick<FleetUpgradeRow, 'pushed' | 'pushError'>> {
  try {
    await repo.run(['push', '--quiet', 'origin', `refs/heads/${branch}:refs/heads/${branch}`]);
    say(`pushed ${branch} to origin`);
    return { pushed: true, pushError: null };
  } catch (error) {
    const message =
      error instanceof LsvcError ? [error.message, ...error.details].join(' ') : errorText(error);
    say(`push failed: ${message}`);
    return { pushed: false, pushError: message };
  }
}

/** Every service of the workspace, a few at a time (git and template renders are CPU and disk work). */
export async function upgradeFleet(ws: Workspace, o: FleetUpgradeOptions): Promise<FleetUpgrade> {
  const rows = await mapLimit(usableServices(ws), o.concurrency ?? 4, async (s) => {
    try {
      return await upgradeOne(s, o);
    } catch (error) {
      return { ...row(s), outcome: 'failed' as const, reason: errorText(error) };
    }
  });
  return { root: ws.root, rows };
}
