import { eq, gte, lt, valid } from 'semver';

import { ConfigError, UsageError } from '../errors.js';
import type { TemplateRecord } from '../template/record.js';
import { TemplateRepo } from './git-source.js';
import {
  openTemplate,
  type SourceOptions,
  sourceFolder,
  templateAtCommit,
  type TemplateVersion,
} from './source.js';

export interface TargetOptions extends SourceOptions {
  /** The service folder: relative template paths are taken from it. */
  serviceDir: string;
  /** --template: take the new version from this folder instead of the recorded source. */
  template?: string;
  /** --to: a version (`2.1.0` or `v2.1.0`), or a git ref of the template's repository (`main`, a commit). */
  to?: string;
  signal?: AbortSignal;
}

/** `--to v2.1.0` and `--to 2.1.0` name a version; anything else is a git ref. */
export function parseTo(to: string): { version: string } | { ref: string } {
  const version = valid(to.replace(/^v(?=\d)/, ''));
  return version ? { version } : { ref: to };
}

const REVERT_HINT =
  'lsvc upgrade only moves forward; to undo an upgrade, revert its merge commit (git revert -m 1 <commit>).';

/**
 * The version to upgrade to: the recorded source (or --template) as it is now, or --to a version
 * (the folder's own, or a git tag of its repository) or an untagged ref of that repository. Every
 * way back to an older template is refused (exit 2); a recorded version that nothing vouches for
 * (not in the source, not in the render lsvc merged last) is a configuration error (exit 3).
 * Exports land in `scratch`. `merged` is the version in the record of the render the service last
 * merged from the lsvc/template branch, when there is one.
 */
export async function targetTemplate(
  record: TemplateRecord,
  o: TargetOptions,
  scratch: string,
  merged?: string,
): Promise<TemplateVersion> {
  const fromFlag = o.template !== undefined;
  const source = o.template ?? record.template.source;
  const dir = sourceFolder(source, o.serviceDir, o);
  const folder = await openTemplate(dir, fromFlag ? dir : source, {
    ...o,
    label:
      source === 'builtin' && !fromFlag
        ? `lsvc's built-in template (${dir})`
        : `The template folder ${dir} (${fromFlag ? 'from --template' : 'recorded in .lsvc/template.json'})`,
  });
  const current = record.template.version;
  const want = o.to === undefined ? undefined : parseTo(o.to);
  let target = folder;
  if (want && 'version' in want) {
    if (lt(want.version, current)) {
      throw new UsageError(`--to ${o.to} is older than the version this service is at (${current}).`, {
        hint: REVERT_HINT,
      });
    }
    if (want.version !== folder.version)
      target = await taggedVersion(folder, want.version, scratch, o.signal);
  } else if (want) {
    target = await atRef(folder, want.ref, scratch, o.signal);
  }
  await refuseDowngrade(record, target, folder, { to: o.to, merged, signal: o.signal });
  return target;
}

const where = (t: TemplateVersion) =>
  t.source === 'builtin' ? "lsvc's built-in template" : `The template at ${t.source}`;

async function taggedVersion(
  folder: TemplateVersion,
  version: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<TemplateVersion> {
  const repo = folder.source === 'builtin' ? undefined : await TemplateRepo.of(folder.dir, signal);
  for (const { tag, commit } of repo ? await repo.tagCommits(version) : []) {
    const t = repo && (await templateAtCommit(repo, folder, commit, scratch, { tag }));
    // A tag of the repository, not of the template (e.g. lsvc's own v1.0.0): not this version.
    if (t?.version === version) return t;
  }
  throw new UsageError(
    `${where(folder)} is version ${folder.version}; it cannot provide version ${version}.`,
    {
      hint:
        folder.source === 'builtin'
          ? `The built-in template is always this lsvc's version: install the lsvc that ships ${version}, or pass --template <folder> holding version ${version}.`
          : `No git tag v${version} (or ${version}) there holds it either: check out version ${version} in a folder and pass --template <folder>, or name a branch or commit with --to.`,
    },
  );
}

async function atRef(
  folder: TemplateVersion,
  ref: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<TemplateVersion> {
  if (folder.source === 'builtin') {
    throw new UsageError(
      `--to ${ref}: lsvc's built-in template has no git history, only version ${folder.version}.`,
      {
        hint: 'Pass --to a version, or --template <folder> of a template clone to take a branch or commit from.',
      },
    );
  }
  const repo = await TemplateRepo.of(folder.dir, signal);
  if (!repo) {
    throw new UsageError(`--to ${ref} is not a version, and ${folder.dir} is not in a git repository.`, {
      hint: 'Pass --to a version such as 2.1.0, or use a git clone of the template to take a branch or commit.',
    });
  }
  const commit = await repo.commitOf(ref);
  const t = commit && (await templateAtCommit(repo, folder, commit, scratch, { ref }));
  if (!t) {
    throw new UsageError(
      commit
        ? `--to ${ref}: commit ${commit.slice(0, 12)} has no lsvc template at ${folder.dir}.`
        : `--to ${ref}: no version, tag, branch or commit "${ref}" in the repository of ${folder.dir}.`,
      { hint: 'Check the name with git -C <template> log --oneline --all, or pass a version.' },
    );
  }
  return t;
}

async function refuseDowngrade(
  record: TemplateRecord,
  target: TemplateVersion,
  folder: TemplateVersion,
  o: { to?: string; merged?: string; signal?: AbortSignal },
): Promise<void> {
  const current = record.template.version;
  const had = record.template.commit;
  const sameVersion = eq(target.version, current);
  if (!lt(target.version, current) && !(sameVersion && had)) return;
  const repo = folder.source === 'builtin' ? undefined : await TemplateRepo.of(folder.dir, o.signal);
  const older = `${target.git?.ref ? `--to ${target.git.ref}` : where(target)} holds template ${target.version}, older than the ${current} this service is at: lsvc upgrade does not downgrade.`;
  if (lt(target.version, current)) {
    if (o.to === undefined) {
      // A version nobody vouches for was written into the record by hand (or by a pull request).
      const newest = await repo?.newestTaggedVersion();
      const vouched = o.merged === current || (newest !== undefined && gte(newest, current));
      if (!vouched) {
        throw new ConfigError(
          `.lsvc/template.json records template ${current}, newer than anything its source has (${target.version}${newest ? `; newest tag ${newest}` : ''})${o.merged ? `, and lsvc last merged ${o.merged} here` : ''}.`,
          {
            hint: 'Restore .lsvc/template.json from git (git log -p -- .lsvc/template.json shows who changed it).',
          },
        );
      }
    }
    throw new UsageError(older, {
      hint:
        target.source === 'builtin'
          ? `This lsvc ships template ${target.version}: install the lsvc that ships ${current} or newer. ${REVERT_HINT}`
          : `Check out ${current} or newer in the template folder, or pass --to a newer version. ${REVERT_HINT}`,
    });
  }
  // Same version, other content: still a way back when it is an earlier commit of what the service has.
  if (!repo || !had) return;
  const now = target.git?.commit ?? (await repo.head());
  if (now && (await repo.isStrictAncestor(now, had))) {
    throw new UsageError(
      `${target.git ? `--to ${target.git.ref ?? target.git.tag ?? now}` : where(target)} is at commit ${now.slice(0, 12)}, older than the ${had.slice(0, 12)} this service was rendered from: lsvc upgrade does not downgrade.`,
      { hint: REVERT_HINT },
    );
  }
}
