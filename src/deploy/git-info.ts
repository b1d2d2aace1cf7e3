// What a release records about the code: the commit (src/git.ts reads it), whether the tree had
// changes, its author and message, in the application version's description.
import { imageTagFor } from '../docker/image-name.js';
import type { GitCommit } from '../git.js';

/** The image tag and version label: 12 characters of the commit, -dirty with local changes (as lsvc build tags). */
export function versionOf(git: GitCommit): string {
  return imageTagFor(git).tag;
}

/** EB's version description (at most 200 characters): "git <sha>[ dirty] · <author> · <message>". */
export function releaseDescription(
  git: Pick<GitCommit, 'sha' | 'dirty' | 'author' | 'message'> | undefined,
  version: string,
): string {
  const text = git
    ? `git ${git.sha}${git.dirty ? ' dirty' : ''} · ${git.author} · ${git.message}`
    : `version ${version} (no git information)`;
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

/** The git commit recorded in a description, if any. */
export function shaFromDescription(description: string | undefined): string | undefined {
  return /^git ([0-9a-f]{7,64})\b/.exec(description ?? '')?.[1];
}
