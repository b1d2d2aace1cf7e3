// How lsvc names images: <service>:<first 12 hex of HEAD>[-dirty], or <service>:dev-<UTC time>
// outside git, plus <service>:latest. Pure functions: build and push must agree on the tag.
import { UsageError } from '../errors.js';
import type { GitState } from '../git.js';

export const SHORT_SHA_LENGTH = 12;
export const LATEST = 'latest';

export interface ImageTag {
  tag: string;
  /** Set when the tag does not name a clean commit: print it as a warning. */
  warning?: string;
}

/** The tag for the current state of the service's repository. */
export function imageTagFor(git: GitState, now: Date = new Date()): ImageTag {
  if (!git.repo) {
    const tag = `dev-${compactUtc(now)}`;
    return {
      tag,
      warning: `No git commit to name the image after (${git.reason}): tagging it ${tag}. Commit the service for reproducible tags.`,
    };
  }
  const short = git.sha.slice(0, SHORT_SHA_LENGTH);
  if (!git.dirty) return { tag: short };
  const tag = `${short}-dirty`;
  const count = git.changes.length;
  const what = count === 1 ? '1 uncommitted change' : `${count} uncommitted changes`;
  return {
    tag,
    warning: `The working tree has ${count ? what : 'uncommitted changes'}: tagging the image ${tag} (not a commit you can check out). Commit first for a reproducible image.`,
  };
}

/** 20261128-093005: sortable, and valid in a Docker tag (no colons). */
export function compactUtc(date: Date): string {
  const iso = date.toISOString(); // 2026-11-28T09:30:05.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// Docker's reference grammar: optional registry host[:port], lowercase path components.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidRepository(name: string): boolean {
  const parts = name.split('/');
  const first = parts[0] ?? '';
  // A first component with a dot, a colon or "localhost" is a registry host (Docker's rule).
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !HOST.test(first)) return false;
  const path = hasHost ? parts.slice(1) : parts;
  return path.length > 0 && path.every((p) => COMPONENT.test(p)) && name.length <= 255;
}

/** "repo:tag" split at the tag's colon (not a registry port's). */
export function splitReference(ref: string): { repository: string; tag: string | undefined } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: undefined };
}

/**
 * A `--tag` value as a full reference: "v1.2" means "<service>:v1.2"; "name:tag" and
 * "registry/name:tag" are taken as given. Usage error (exit 2) when Docker would refuse it.
 */
export function parseTagFlag(value: string, service: string): string {
  const hint =
    'A tag is letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"); a name is lowercase, e.g. billing-api:v1.2.';
  if (!value.includes(':') && !value.includes('/')) {
    if (!isValidTag(value)) throw new UsageError(`Invalid image tag "${value}".`, { hint });
    return `${service}:${value}`;
  }
  const { repository, tag } = splitReference(value);
  if (!isValidRepository(repository) || (tag !== undefined && !isValidTag(tag)))
    throw new UsageError(`Invalid image reference "${value}".`, { hint });
  return `${repository}:${tag ?? LATEST}`;
}
