import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { ConfigError, UsageError } from '../errors.js';
import { tail } from '../exec.js';
import { TEMPLATE_BRANCH } from '../init/git.js';
import { RECORD_FILE, readTemplateRecord, type TemplateRecord } from '../template/record.js';
import { Repo } from './repo.js';
import {
  baseTemplate,
  type SourceOptions,
  targetTemplate,
  type TemplateVersion,
  renderWithAnswers,
} from './source.js';
import {
  parseNameStatus,
  stepsBetween,
  summarize,
  type UpgradeStep,
  type UpgradeSummary,
} from './summary.js';

export interface UpgradeOptions extends SourceOptions {
  /** The service folder (the root of its git repository). */
  dir: string;
  /** --template: take the new version from this folder instead of the recorded source. */
  template?: string;
  /** --to: the version wanted (must be the one the source holds). */
  to?: string;
  /** --from: a folder holding the recorded version, for services without the template branch. */
  from?: string;
  dryRun: boolean;
  lsvcVersion: string;
  env?: NodeJS.ProcessEnv;
}

export interface UpgradeCheck {
  current: string;
  latest: string;
  upToDate: boolean;
  /** "builtin" or the template folder. */
  source: string;
  /** Notes and commands of the versions between current and latest, oldest first. */
  steps: UpgradeStep[];
}

export interface UpgradeResult extends UpgradeCheck {
  dryRun: boolean;
  /** The service had no template branch: its base was rebuilt from the recorded version. */
  adopted: boolean;
  summary: UpgradeSummary;
  /** The merge was committed (no conflicts left). */
  committed: boolean;
  /** Things to know that did not stop the upgrade. */
  warnings: string[];
}

async function readRecord(dir: string): Promise<TemplateRecord> {
  try {
    return await readTemplateRecord(dir);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(
      missing
        ? `${join(dir, RECORD_FILE)} is missing: lsvc upgrade needs the record lsvc init writes.`
        : `${join(dir, RECORD_FILE)} is not a valid template record.`,
      {
        hint: missing
          ? 'Run lsvc upgrade in the folder of a service made with lsvc init.'
          : `Restore it from git (git checkout -- ${RECORD_FILE}).`,
        cause: error,
      },
    );
  }
}

/** `lsvc upgrade --check`: is the template the service was made from still the newest? */
export async function checkUpgrade(o: Omit<UpgradeOptions, 'dryRun'>): Promise<UpgradeCheck> {
  const record = await readRecord(o.dir);
  const target = await targetTemplate(record, o);
  await target.dispose();
  return checkOf(record, target);
}

/** What --check says, for a template version already loaded (the fleet loads each source once). */
export function checkOf(record: TemplateRecord, target: TemplateVersion): UpgradeCheck {
  return {
    current: record.template.version,
    latest: target.version,
    // The hash, not the version: a template changed without a version bump still has changes to bring.
    upToDate: target.hash === record.template.hash,
    source: target.source,
    steps: stepsBetween(target.manifest, record.template.version, target.version),
  };
}

const emptySummary = (): UpgradeSummary => ({
  updated: [],
  merged: [],
  added: [],
  removed: [],
  keptDeleted: [],
  conflicted: [],
});

/**
 * Three-way merge of a newer template into the service, git being the merge engine: the pristine
 * render of each version lives on the lsvc/template branch, so the merge base is the version the
 * service was made from (or last upgraded to). Dry run: objects only, no ref, index or file touched.
 */
export async function upgradeService(o: UpgradeOptions): Promise<UpgradeResult> {
  const dir = resolve(o.dir);
  const repo = new Repo(dir, o.env);
  const record = await readRecord(dir);
  const head = await checkRepo(repo, dir);
  const target = await targetTemplate(record, o);
  try {
    return await upgradeTo(target, { o, dir, repo, record, head });
  } finally {
    await target.dispose();
  }
}

interface Context {
  o: UpgradeOptions;
  dir: string;
  repo: Repo;
  record: TemplateRecord;
  head: string;
}

async function upgradeTo(
  target: TemplateVersion,
  { o, dir, repo, record, head }: Context,
): Promise<UpgradeResult> {
  const check = checkOf(record, target);
  const result: UpgradeResult = {
    ...check,
    dryRun: o.dryRun,
    adopted: false,
    summary: emptySummary(),
    committed: false,
    warnings: [],
  };
  if (check.upToDate) return result;

  // tip: where the new render is committed; base: the render your branch last merged (they differ
  // when an earlier upgrade was aborted), which is also the base git's own merge will find.
  let tip = await repo.resolve(`refs/heads/${TEMPLATE_BRANCH}`);
  let base: string;
  if (tip) {
    const r = await repo.run(['merge-base', head, tip], { ok: [1] });
    if (r.code !== 0) {
      throw new ConfigError(`The ${TEMPLATE_BRANCH} branch shares no history with your branch.`, {
        hint: `Delete it (git branch -D ${TEMPLATE_BRANCH}) and run lsvc upgrade again: it rebuilds it from the recorded template version.`,
      });
    }
    base = r.stdout.trim();
  } else {
    const adopted = await adoptionBase(repo, record, target, o);
    if (!adopted.exact) {
      result.warnings.push(
        `The template ${record.template.version} rebuilt as the merge base is not exactly the one this service was made from (its hash differs): expect more conflicts than needed.`,
      );
    }
    base = tip = adopted.commit;
    result.adopted = true;
  }

  const work = await mkdtemp(join(tmpdir(), 'lsvc-upgrade-'));
  let next: string;
  try {
    const answers = await renderWithAnswers(target, record, work);
    const newRecord: TemplateRecord = {
      ...record,
      lsvcVersion: o.lsvcVersion,
      template: { source: target.source, version: target.version, hash: target.hash },
      answers: { name: record.answers.name, ...answers },
    };
    await writeRecordIn(work, `${JSON.stringify(newRecord, null, 2)}\n`);
    next = await repo.commitFolder(work, tip, `template ${target.version}`);
    // The same render as the branch tip already holds (an aborted upgrade): no second commit.
    if (
      (await repo.out(['rev-parse', `${next}^{tree}`])) === (await repo.out(['rev-parse', `${tip}^{tree}`]))
    ) {
      next = tip;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const diff = async (from: string, to: string) =>
    parseNameStatus(await repo.out(['diff', '--name-status', '--no-renames', '-z', from, to]));
  const templateChanges = await diff(base, next);
  const userChanges = await diff(base, head);

  if (o.dryRun) {
    // An adoption merge "ours" commit, as an object only, so merge-tree finds the rebuilt base.
    const ours = result.adopted ? await repo.commitTree(`${head}^{tree}`, [head, base], 'adopt') : head;
    const r = await repo.run(
      ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, next],
      { ok: [1, 129] },
    );
    if (r.code === 129) {
      // 129: git's usage error, an option it does not know (merge-tree --write-tree came in 2.38).
      throw new ConfigError('lsvc upgrade --dry-run needs git 2.38 or newer.', {
        details: [(await repo.out(['--version'])).trim()],
        hint: 'Upgrade git (https://git-scm.com), or run lsvc upgrade without --dry-run on a branch you can throw away.',
      });
    }
    const conflicts = new Set(r.code === 1 ? r.stdout.split('\0').slice(1).filter(Boolean) : []);
    result.summary = summarize(templateChanges, userChanges, conflicts);
    return result;
  }

  await refuseIgnoredCollisions(dir, templateChanges, userChanges);
  const identity = await repo.identityArgs();
  if (result.adopted) {
    // Record the rebuilt base in your branch's history (no file changes), so that git's merge base
    // is the version you were made from, now and at every later upgrade.
    await repo.run([
      ...identity,
      'merge',
      '--quiet',
      '--no-verify',
      '--allow-unrelated-histories',
      '-s',
      'ours',
      '-m',
      `Adopt the lsvc template history (template ${record.template.version}, no file changes)`,
      base,
    ]);
  }
  // The branch moves first so that conflict markers name it; if the merge is then given up, the
  // next upgrade finds the same render at its tip and merges from the older base again.
  await repo.run(['update-ref', `refs/heads/${TEMPLATE_BRANCH}`, next]);
  const merge = await repo.run(
    [
      ...identity,
      'merge',
      '--no-ff',
      '--no-verify',
      '--no-edit',
      '-m',
      `Upgrade to the lsvc service template ${target.version}`,
      TEMPLATE_BRANCH,
    ],
    { ok: [1] },
  );
  const unmerged = async () =>
    new Set((await repo.out(['diff', '--name-only', '--diff-filter=U', '-z'])).split('\0').filter(Boolean));
  const conflicts = merge.code === 0 ? new Set<string>() : await unmerged();
  result.summary = summarize(templateChanges, userChanges, conflicts);
  if (merge.code !== 0 && conflicts.size === 0) {
    // Exit 1 without a conflict: git refused the merge itself.
    throw new ConfigError('git merge failed.', {
      details: tail(merge.stderr || merge.stdout, 10),
      hint: `Run "git status" to see where it stopped (git merge --abort undoes it), then "git merge ${TEMPLATE_BRANCH}" yourself.`,
    });
  }
  // You deleted it, the template changed it: it stays deleted.
  if (result.summary.keptDeleted.length > 0) {
    await repo.run(['rm', '--quiet', '--ignore-unmatch', '--', ...result.summary.keptDeleted]);
  }
  if (merge.code === 0) result.committed = true;
  else if ((await unmerged()).size === 0) {
    await repo.run([...identity, 'commit', '--quiet', '--no-verify', '--no-edit']);
    result.committed = true;
  }
  return result;
}

/**
 * Only whole, clean repositories: upgrade works on the repository root and never on your changes.
 * Returns HEAD's commit.
 */
async function checkRepo(repo: Repo, dir: string): Promise<string> {
  const top = await repo.topLevel();
  if (top === undefined) {
    throw new ConfigError(`${dir} is not a git repository: lsvc upgrade merges with git.`, {
      hint: 'Put the service under git first (git init && git add -A && git commit -m "Initial commit").',
    });
  }
  const real = async (p: string) => (await lstat(p)).ino;
  if ((await real(top)) !== (await real(dir))) {
    throw new UsageError(`${dir} is not the root of its git repository (${top}).`, {
      hint: 'lsvc upgrade works on a service that is its own git repository, as lsvc init makes it.',
    });
  }
  const head = await repo.resolve('HEAD');
  if (!head) {
    throw new UsageError('This repository has no commit yet.', {
      hint: 'Commit your files, then run lsvc upgrade again.',
    });
  }
  if (await repo.resolve('MERGE_HEAD')) {
    throw new UsageError('A merge is in progress (an earlier lsvc upgrade with conflicts?).', {
      hint: 'Resolve the conflicts and commit (or git merge --abort), then run lsvc upgrade again.',
    });
  }
  const changes = await repo.changes();
  if (changes.length > 0) {
    throw new UsageError(
      'Your working tree has uncommitted changes: lsvc upgrade only merges into a clean tree.',
      {
        details: [
          ...changes.slice(0, 10),
          ...(changes.length > 10 ? [`… and ${changes.length - 10} more`] : []),
        ],
        hint: 'Commit them (or git stash), then run lsvc upgrade again.',
      },
    );
  }
  return head;
}

/** No template branch: rebuild the version the service was made from as a root commit. */
async function adoptionBase(
  repo: Repo,
  record: TemplateRecord,
  target: TemplateVersion,
  o: UpgradeOptions,
): Promise<{ commit: string; exact: boolean }> {
  const { template, exact } = await baseTemplate(record, target, o);
  const work = await mkdtemp(join(tmpdir(), 'lsvc-upgrade-base-'));
  try {
    await renderWithAnswers(template, record, work);
    // Your record as committed, byte for byte, so that the record merges without a conflict.
    const committed = await repo.run(['show', `HEAD:${RECORD_FILE.replaceAll('\\', '/')}`], { ok: [128] });
    await writeRecordIn(
      work,
      committed.code === 0 ? committed.stdout : await readFile(join(o.dir, RECORD_FILE), 'utf8'),
    );
    const commit = await repo.commitFolder(
      work,
      undefined,
      `template ${record.template.version} (rebuilt by lsvc upgrade)`,
    );
    return { commit, exact };
  } finally {
    await template.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

async function writeRecordIn(dir: string, text: string): Promise<void> {
  await mkdir(join(dir, '.lsvc'), { recursive: true });
  await writeFile(join(dir, RECORD_FILE), text);
}

/** A new template file whose path holds a file git ignores: git merge would overwrite it silently. */
async function refuseIgnoredCollisions(
  dir: string,
  template: Map<string, string>,
  user: Map<string, string>,
): Promise<void> {
  const hit: string[] = [];
  for (const [path, status] of template) {
    if (status !== 'A' || user.has(path)) continue;
    const there = await lstat(join(dir, path)).then(
      () => true,
      () => false,
    );
    if (there) hit.push(path);
  }
  if (hit.length > 0) {
    throw new UsageError(
      'The new template version adds files that exist here, untracked and ignored by git.',
      {
        details: hit,
        hint: 'Move them away (or commit them), then run lsvc upgrade again.',
      },
    );
  }
}
