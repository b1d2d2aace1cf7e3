// What `lsvc fleet list` shows of each service, read from disk and git only (no AWS): template
// version, environments, branch, clean tree, an operation in progress. Plain data (--json).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { mapLimit } from '../concurrency.js';
import { runProcess } from '../exec.js';
import { readTemplateRecord } from '../template/record.js';
import type { Workspace, WorkspaceService } from './workspace.js';

export interface GitSummary {
  /** The branch checked out; null when HEAD is detached. */
  branch: string | null;
  /** No uncommitted change, tracked or untracked (ignored files do not count). */
  clean: boolean;
  /** How many paths `git status` lists. */
  changes: number;
  /** A merge, rebase, cherry-pick or revert stopped half way; null when none is. */
  operation: 'merge' | 'rebase' | 'cherry-pick' | 'revert' | null;
  /** The service folder is the top of its repository (upgrade needs that). */
  repoRoot: boolean;
}

export interface ServiceEntry {
  /** The service name from lsvc.yml; null for a row that is not a service. */
  name: string | null;
  path: string;
  environments: string[];
  /** From .lsvc/template.json; null when the service has none (not made by lsvc init). */
  template: { version: string; source: string } | null;
  /** null when the folder is not in a git repository. */
  git: GitSummary | null;
  /** Why the row is not a usable service (missing folder, no or invalid lsvc.yml). */
  warning: string | null;
}

export interface Inventory {
  root: string;
  file: string | null;
  services: ServiceEntry[];
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Branch, cleanliness and operation in progress: two git calls. null outside a repository. */
export async function readGitSummary(dir: string): Promise<GitSummary | null> {
  const git = (...args: string[]) => runProcess('git', args, { cwd: dir, timeoutMs: 30_000 });
  const [status, where] = await Promise.all([
    git('status', '--porcelain=v2', '--branch', '--untracked-files=normal'),
    git('rev-parse', '--absolute-git-dir', '--show-toplevel'),
  ]);
  if (status.code !== 0 || where.code !== 0) return null;
  const lines = status.stdout.split('\n').filter(Boolean);
  const head = lines.find((l) => l.startsWith('# branch.head '))?.slice('# branch.head '.length) ?? null;
  const changes = lines.filter((l) => !l.startsWith('#')).length;
  const [gitDir = '', top = ''] = where.stdout.trim().split('\n');
  const markers: [string, GitSummary['operation']][] = [
    ['MERGE_HEAD', 'merge'],
    ['rebase-merge', 'rebase'],
    ['rebase-apply', 'rebase'],
    ['CHERRY_PICK_HEAD', 'cherry-pick'],
    ['REVERT_HEAD', 'revert'],
  ];
  let operation: GitSummary['operation'] = null;
  for (const [marker, op] of markers) {
    if (await exists(join(gitDir, marker))) {
      operation = op;
      break;
    }
  }
  const [realTop, realDir] = await Promise.all([stat(top), stat(dir)]);
  return {
    branch: head === '(detached)' ? null : head,
    clean: changes === 0,
    changes,
    operation,
    repoRoot: realTop.ino === realDir.ino && realTop.dev === realDir.dev,
  };
}

async function describeService(s: WorkspaceService): Promise<ServiceEntry> {
  const base = {
    name: s.config?.service ?? null,
    path: s.path,
    environments: Object.keys(s.config?.environments ?? {}),
  };
  if (!s.config) return { ...base, template: null, git: null, warning: s.problem ?? 'not a service' };
  const [record, git] = await Promise.all([
    readTemplateRecord(s.dir).catch(() => null),
    readGitSummary(s.dir),
  ]);
  return {
    ...base,
    template: record ? { version: record.template.version, source: record.template.source } : null,
    git,
    warning: null,
  };
}

/** Every row of the workspace, in its order; git is asked about a few services at a time. */
export async function readInventory(ws: Workspace): Promise<Inventory> {
  return {
    root: ws.root,
    file: ws.file,
    services: await mapLimit(ws.services, 8, describeService),
  };
}
