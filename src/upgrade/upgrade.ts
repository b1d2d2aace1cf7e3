import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

import { ConfigError, UsageError } from '../errors.js';
import { tail } from '../exec.js';
import { TEMPLATE_BRANCH } from '../init/git.js';
import {
  RECORD_FILE,
  readTemplateRecord,
  type TemplateRecord,
  templateRecordSchema,
} from '../template/record.js';
import { type CommandPolicy, type CommandsOutcome, runUpgradeCommands } from './commands.js';
import { baseTemplate } from './base.js';
import { leaveAlone } from './leave-alone.js';
import { Repo } from './repo.js';
import {
  type AnswerChange,
  answersFor,
  renderVersion,
  type SourceOptions,
  type TemplateVersion,
} from './source.js';
import {
  emptySummary,
  type NameStatus,
  parseNameStatus,
  type Status,
  stepsBetween,
  summarize,
  type UpgradeStep,
  type UpgradeSummary,
} from './summary.js';
import { targetTemplate } from './target.js';

/** The record's path in git (forward slashes). */
const RECORD_PATH = RECORD_FILE.replaceAll('\\', '/');

/**
 * What `lsvc upgrade --check` needs. Paths are absolute (a relative one is taken from `dir`, never
 * from the process's current folder): the core runs as well for one service as for a fleet of them.
 */
export interface CheckOptions extends SourceOptions {
  /** The service folder (the root of its git repository). */
  dir: string;
  /** --template: take the new version from this folder instead of the recorded source. */
  template?: string;
  /** --to: a version (`2.1.0`, `v2.1.0`) or an untagged git ref of the template's repository. */
  to?: string;
  /** --set: answers to change (question -> choice), validated against the new template. */
  set?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Aborts git and the template's commands (Ctrl-C); scratch folders are removed all the same. */
  signal?: AbortSignal;
}

export interface UpgradeOptions extends CheckOptions {
  /** --from: a folder holding the recorded version, for services without the template branch. */
  from?: string;
  dryRun: boolean;
  /** Whether the template's upgrade commands run: --trust, the question to ask, their output. */
  commands: Omit<CommandPolicy, 'env' | 'signal'>;
  /** Called once with the outcome of the merge (or of the dry run), before any command runs. */
  onSummary?: (result: UpgradeResult) => void;
  lsvcVersion: string;
}

export interface UpgradeCheck {
  current: string;
  latest: string;
  upToDate: boolean;
  /** "builtin" or the template folder. */
  source: string;
  /** The untagged git ref (`--to main`) and the commit the new version is exported from. */
  ref?: string;
  commit?: string;
  /** The answers the service has after the upgrade (name included), and those that change. */
  answers: TemplateRecord['answers'];
  changedAnswers: AnswerChange[];
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
  /** The template's upgrade commands: which ran, and why the others did not. */
  commands: CommandsOutcome;
}

/** Every scratch folder of one run lives in one temporary folder, removed however the run ends. */
async function withScratch<T>(work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), 'lsvc-upgrade-'));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function readRecord(dir: string): Promise<TemplateRecord> {
  try {
    return await readTemplateRecord(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ConfigError(
      `${join(dir, RECORD_FILE)} is missing: lsvc upgrade needs the record lsvc init writes.`,
      {
        hint: 'Run lsvc upgrade in the folder of a service made with lsvc init.',
        cause: error,
      },
    );
  }
}

const absolute = (dir: string, p: string | undefined) =>
  p === undefined || isAbsolute(p) ? p : resolve(dir, p);

/** `lsvc upgrade --check`: is the template the service was made from still the newest? */
export async function checkUpgrade(o: CheckOptions): Promise<UpgradeCheck> {
  const dir = resolve(o.dir);
  const record = await readRecord(dir);
  const repo = new Repo(dir, o.env, o.signal);
  const inRepo = await isRepoRoot(repo, dir);
  if (inRepo && (await repo.resolve('MERGE_HEAD'))) throw mergeInProgress();
  return withScratch(async (scratch) => {
    const merged = inRepo ? await lastMerged(repo, await repo.resolve('HEAD')) : undefined;
    const target = await targetTemplate(
      record,
      { ...o, serviceDir: dir, template: absolute(dir, o.template) },
      scratch,
      merged?.version,
    );
    return checkOf(record, target, o.set);
  });
}

/** What --check says, for a template version already loaded (the fleet loads each source once). */
export function checkOf(
  record: TemplateRecord,
  target: TemplateVersion,
  set?: Record<string, string>,
): UpgradeCheck {
  const { answers, changed } = answersFor(target.manifest, record, set);
  const asked = changed.filter((c) => set && Object.hasOwn(set, c.question));
  const sameVersion = target.version === record.template.version;
  // The built-in template is this lsvc's version: its files can differ by packaging at the same
  // version. A folder changed without a version bump (a fork in development) has changes to bring.
  const sameFiles =
    target.source === 'builtin' ? sameVersion : sameVersion && target.hash === record.template.hash;
  return {
    current: record.template.version,
    latest: target.version,
    upToDate: sameFiles && asked.length === 0,
    source: target.source,
    ...(target.git?.ref ? { ref: target.git.ref } : {}),
    ...(target.git ? { commit: target.git.commit } : {}),
    answers: { name: record.answers.name, ...answers },
    changedAnswers: asked,
    steps: stepsBetween(target.manifest, record.template.version, target.version),
  };
}

/**
 * Three-way merge of a newer template into the service, git being the merge engine: the pristine
 * render of each version lives on the lsvc/template branch, so the merge base is the version the
 * service was made from (or last upgraded to). Dry run: objects only, no ref, index or file touched.
 */
export async function upgradeService(o: UpgradeOptions): Promise<UpgradeResult> {
  const dir = resolve(o.dir);
  const repo = new Repo(dir, o.env, o.signal);
  const record = await readRecord(dir);
  const head = await checkRepo(repo, dir);
  return withScratch(async (scratch) => {
    // tip: where the new render is committed; base: the render your branch last merged (they differ
    // when an earlier upgrade was aborted), which is also the base git's own merge will find.
    const tip = await repo.resolve(`refs/heads/${TEMPLATE_BRANCH}`);
    const merged = tip ? await lastMerged(repo, head) : undefined;
    if (tip && !merged) {
      throw new ConfigError(`The ${TEMPLATE_BRANCH} branch shares no history with your branch.`, {
        hint: `Delete it (git branch -D ${TEMPLATE_BRANCH}) and run lsvc upgrade again: it rebuilds it from the recorded template version.`,
      });
    }
    const target = await targetTemplate(
      record,
      { ...o, serviceDir: dir, template: absolute(dir, o.template) },
      scratch,
      merged?.version,
    );
    return upgradeTo(target, { o, dir, repo, record, head, tip, merged: merged?.commit, scratch });
  });
}

interface Context {
  o: UpgradeOptions;
  dir: string;
  repo: Repo;
  record: TemplateRecord;
  head: string;
  tip: string | undefined;
  merged: string | undefined;
  scratch: string;
}

async function upgradeTo(target: TemplateVersion, c: Context): Promise<UpgradeResult> {
  const { o, dir, repo, record, head, scratch } = c;
  const check = checkOf(record, target, o.set);
  const commands = check.steps.flatMap((s) => s.run);
  const result: UpgradeResult = {
    ...check,
    dryRun: o.dryRun,
    adopted: false,
    summary: emptySummary(),
    committed: false,
    warnings: [],
    commands: { all: commands, trusted: target.source === 'builtin' || o.commands.trust, ran: [] },
  };
  if (check.upToDate) {
    o.onSummary?.(result);
    return result;
  }

  let base: string;
  let tip: string;
  if (c.tip && c.merged) {
    base = c.merged;
    tip = c.tip;
  } else {
    const adopted = await adoptionBase(repo, record, target, o, scratch);
    if (!adopted.exact) {
      result.warnings.push(
        `The template ${record.template.version} rebuilt as the merge base is not exactly the one this service was made from (its hash differs): expect more conflicts than needed.`,
      );
    }
    base = tip = adopted.commit;
    result.adopted = true;
  }

  const render = join(scratch, 'render');
  await mkdir(render);
  await renderVersion(target, record.answers.name, withoutName(check.answers), render, o.signal);
  const newRecord: TemplateRecord = {
    ...record,
    lsvcVersion: o.lsvcVersion,
    template: {
      source: target.source,
      version: target.version,
      hash: target.hash,
      ...(check.ref ? { ref: check.ref } : {}),
      ...(check.commit ? { commit: check.commit } : {}),
    },
    answers: check.answers,
  };
  const recordText = `${JSON.stringify(newRecord, null, 2)}\n`;
  await writeRecordIn(render, recordText);
  const left = leaveAlone(repo, { base, head, manifest: target.manifest, name: record.answers.name });
  let next = await repo.commitFolder(render, tip, renderMessage(check), {
    indexFile: join(scratch, 'index'),
    adjust: left.adjust,
  });
  // The same render as the branch tip already holds (an aborted upgrade): no second commit.
  if (
    (await repo.out(['rev-parse', `${next}^{tree}`])) === (await repo.out(['rev-parse', `${tip}^{tree}`]))
  ) {
    next = tip;
  }

  const diff = async (from: string, to: string, renames: boolean): Promise<NameStatus> =>
    parseNameStatus(
      await repo.out(['diff', '--name-status', renames ? '--find-renames' : '--no-renames', '-z', from, to]),
    );
  const templateChanges = await diff(base, next, true);
  const userChanges = (await diff(base, head, false)).changes;

  if (o.dryRun) {
    // An adoption merge "ours" commit, as an object only, so merge-tree finds the rebuilt base.
    const ours = result.adopted ? await repo.commitTree(`${head}^{tree}`, [head, base], 'adopt') : head;
    const r = await repo.run(
      ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, next],
      {
        ok: [1, 129],
      },
    );
    if (r.code === 129) {
      // 129: git's usage error, an option it does not know (merge-tree --write-tree came in 2.38).
      throw new ConfigError('lsvc upgrade --dry-run needs git 2.38 or newer.', {
        details: [(await repo.out(['--version'])).trim()],
        hint: 'Upgrade git (https://git-scm.com), or run lsvc upgrade without --dry-run on a branch you can throw away.',
      });
    }
    const conflicts = new Set(r.code === 1 ? r.stdout.split('\0').slice(1).filter(Boolean) : []);
    conflicts.delete(RECORD_PATH);
    result.summary = summarize(templateChanges, userChanges, conflicts, left.report);
    if (commands.length > 0) result.commands.notRun = 'dry-run';
    o.onSummary?.(result);
    return result;
  }

  await refuseIgnoredCollisions(dir, templateChanges.changes, userChanges);
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
    [...identity, 'merge', '--no-ff', '--no-verify', '--no-edit', '-m', mergeMessage(check), TEMPLATE_BRANCH],
    { ok: [1] },
  );
  const unmerged = async () =>
    new Set((await repo.out(['diff', '--name-only', '--diff-filter=U', '-z'])).split('\0').filter(Boolean));
  const conflicts = merge.code === 0 ? new Set<string>() : await unmerged();
  const refused = merge.code !== 0 && conflicts.size === 0;
  if (conflicts.delete(RECORD_PATH)) {
    // The record is lsvc's: the new one already carries your fields (edited by hand, say) forward.
    await writeRecordIn(dir, recordText);
    await repo.run(['add', '--', RECORD_PATH]);
  }
  result.summary = summarize(templateChanges, userChanges, conflicts, left.report);
  if (refused) {
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
  o.onSummary?.(result);
  if (!result.committed) {
    if (commands.length > 0) result.commands.notRun = 'conflicts';
    return result;
  }
  result.commands = await runUpgradeCommands(commands, target.source, dir, {
    ...o.commands,
    env: o.env,
    signal: o.signal,
  });
  return result;
}

const withoutName = ({ name: _name, ...rest }: Record<string, string>) => rest;

const answersText = (check: UpgradeCheck) =>
  check.changedAnswers.map((a) => `${a.question}=${a.to}`).join(', ');

function originText(check: UpgradeCheck): string {
  return check.ref && check.commit ? ` (${check.ref} at ${check.commit.slice(0, 12)})` : '';
}

function renderMessage(check: UpgradeCheck): string {
  const answers = answersText(check);
  return `template ${check.latest}${originText(check)}${answers ? `, ${answers}` : ''}`;
}

function mergeMessage(check: UpgradeCheck): string {
  const answers = answersText(check);
  if (check.latest === check.current && answers) {
    return `Change the lsvc template answers: ${answers} (template ${check.latest})`;
  }
  return `Upgrade to the lsvc service template ${check.latest}${originText(check)}${answers ? ` with ${answers}` : ''}`;
}

const mergeInProgress = () =>
  new UsageError('A merge is in progress (an earlier lsvc upgrade with conflicts?).', {
    hint: 'Resolve the conflicts and commit (or git merge --abort), then run lsvc upgrade again.',
  });

async function isRepoRoot(repo: Repo, dir: string): Promise<boolean> {
  const top = await repo.topLevel();
  if (top === undefined) return false;
  const ino = async (p: string) => (await lstat(p)).ino;
  return (await ino(top)) === (await ino(dir));
}

/**
 * The render your branch last merged from the lsvc/template branch (their merge base) and the
 * template version its record names (what lsvc itself wrote there), or undefined without a shared
 * history (or without the branch).
 */
async function lastMerged(
  repo: Repo,
  head: string | undefined,
): Promise<{ commit: string; version?: string } | undefined> {
  const tip = await repo.resolve(`refs/heads/${TEMPLATE_BRANCH}`);
  if (!tip || !head) return undefined;
  const r = await repo.run(['merge-base', head, tip], { ok: [1] });
  if (r.code !== 0) return undefined;
  const commit = r.stdout.trim();
  const text = await repo.show(commit, RECORD_PATH);
  let version: string | undefined;
  try {
    version = text === undefined ? undefined : templateRecordSchema.parse(JSON.parse(text)).template.version;
  } catch {
    version = undefined;
  }
  return { commit, ...(version ? { version } : {}) };
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
  if (!(await isRepoRoot(repo, dir))) {
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
  if (await repo.resolve('MERGE_HEAD')) throw mergeInProgress();
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
  scratch: string,
): Promise<{ commit: string; exact: boolean }> {
  const { template, exact } = await baseTemplate(record, target, {
    ...o,
    serviceDir: o.dir,
    from: absolute(o.dir, o.from),
    scratch,
  });
  const work = join(scratch, 'base');
  await mkdir(work);
  await renderVersion(
    template,
    record.answers.name,
    answersFor(template.manifest, record).answers,
    work,
    o.signal,
  );
  // Your record as committed, byte for byte, so that the record merges without a conflict.
  const committed = await repo.show('HEAD', RECORD_PATH);
  await writeRecordIn(work, committed ?? (await readFile(join(o.dir, RECORD_FILE), 'utf8')));
  const commit = await repo.commitFolder(
    work,
    undefined,
    `template ${record.template.version} (rebuilt by lsvc upgrade)`,
    {
      indexFile: join(scratch, 'base-index'),
    },
  );
  return { commit, exact };
}

async function writeRecordIn(dir: string, text: string): Promise<void> {
  await mkdir(join(dir, '.lsvc'), { recursive: true });
  await writeFile(join(dir, RECORD_FILE), text);
}

/** A new template file whose path holds a file git ignores: git merge would overwrite it silently. */
async function refuseIgnoredCollisions(
  dir: string,
  template: Map<string, Status>,
  user: Map<string, Status>,
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
