// `lsvc env rotate-identity`: replace an environment's signing key without a failed call. The
// new public key is published first (callees fetch a caller's keys again when a token names a kid
// they do not know), then the secret gets the new private key; the JWKS keeps the old key for the
// overlap window, so tokens signed by instances that still hold the old key verify. `--finish`,
// once the overlap has passed, removes the old key from both.
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { send } from '../aws/call.js';
import { resourceTags } from '../aws/names.js';
import { describeSecret, readJsonSecret } from '../aws/secrets.js';
import { readParameter, writeParameter, type Ssm } from '../aws/ssm.js';
import { formatDuration } from '../duration.js';
import { ConfigError, UsageError } from '../errors.js';
import { JWKS_DESCRIPTION } from '../provision/resources/identity.js';
import {
  generateSigningKey,
  identityNames,
  kidsOf,
  parseIdentity,
  publicPart,
  signingKid,
  type IdentitySecret,
  type Jwks,
} from './keys.js';

export interface RotateDeps {
  secrets: Pick<SecretsManagerClient, 'send'>;
  ssm: Ssm;
  now: () => number;
  /** One line per step done (progress). */
  output?: (line: string) => void;
}

export interface RotateTarget {
  service: string;
  env: string;
}

export interface RotateResult {
  environment: string;
  /** What happened: a rotation started, the old key removed, or nothing to do. */
  action: 'rotated' | 'finished' | 'nothing-to-finish';
  signingKid: string;
  /** The kids the published JWKS holds now. */
  kids: string[];
  retiring?: { kid: string; after: string };
}

export const DEFAULT_OVERLAP = '1h';

async function readIdentity(deps: RotateDeps, target: RotateTarget): Promise<IdentitySecret> {
  const { secret } = identityNames(target.service, target.env);
  const described = await describeSecret(deps.secrets as SecretsManagerClient, secret);
  if (!described || described.DeletedDate) {
    throw new ConfigError(`${target.service}-${target.env} has no service identity (secret ${secret}).`, {
      hint: `Run lsvc provision --env ${target.env} first.`,
    });
  }
  const identity = parseIdentity(await readJsonSecret(deps.secrets as SecretsManagerClient, secret));
  if (!identity) {
    throw new ConfigError(`The secret ${secret} does not hold a service identity lsvc made.`, {
      hint: 'Delete it, then run lsvc provision again (callers need the new key published).',
    });
  }
  return identity;
}

async function save(
  deps: RotateDeps,
  target: RotateTarget,
  identity: IdentitySecret,
  order: 'keys-first' | 'secret-first',
) {
  const names = identityNames(target.service, target.env);
  const publish = async () => {
    const exists = (await readParameter(deps.ssm, names.jwksParameter)) !== undefined;
    await writeParameter(deps.ssm, names.jwksParameter, identity.jwks, {
      description: JWKS_DESCRIPTION,
      exists,
      tags: resourceTags(target.service, target.env),
    });
    deps.output?.(`published ${names.jwksParameter}: ${kidsOf(identity).join(', ')}`);
  };
  const store = async () => {
    await send(
      'secretsmanager',
      deps.secrets as SecretsManagerClient,
      new PutSecretValueCommand({ SecretId: names.secret, SecretString: JSON.stringify(identity) }),
    );
    deps.output?.(`stored ${names.secret}: signing with ${signingKid(identity)}`);
  };
  if (order === 'keys-first') {
    await publish();
    await store();
  } else {
    await store();
    await publish();
  }
}

const resultOf = (
  target: RotateTarget,
  action: RotateResult['action'],
  identity: IdentitySecret,
): RotateResult => ({
  environment: `${target.service}-${target.env}`,
  action,
  signingKid: signingKid(identity),
  kids: kidsOf(identity),
  ...(identity.retiring ? { retiring: identity.retiring } : {}),
});

/** A new signing key; the old one stays published for `overlapMs`. */
export async function rotateIdentity(
  deps: RotateDeps,
  target: RotateTarget,
  overlapMs: number,
): Promise<RotateResult> {
  const current = await readIdentity(deps, target);
  if (current.retiring) {
    throw new UsageError(
      `A rotation of ${target.service}-${target.env} is in progress: key ${current.retiring.kid} retires after ${current.retiring.after}.`,
      { hint: `Finish it first: lsvc env rotate-identity --env ${target.env} --finish` },
    );
  }
  const key = generateSigningKey();
  const old = JSON.parse(current.jwks) as Jwks;
  const next: IdentitySecret = {
    signingKey: JSON.stringify(key),
    jwks: JSON.stringify({ keys: [publicPart(key), ...old.keys] }),
    retiring: { kid: signingKid(current), after: new Date(deps.now() + overlapMs).toISOString() },
  };
  // Callees must know the new key before anything signs with it.
  await save(deps, target, next, 'keys-first');
  return resultOf(target, 'rotated', next);
}

/** Remove the retiring key once the overlap has passed (`force`: now). */
export async function finishRotation(
  deps: RotateDeps,
  target: RotateTarget,
  force = false,
): Promise<RotateResult> {
  const current = await readIdentity(deps, target);
  const { retiring } = current;
  if (!retiring) return resultOf(target, 'nothing-to-finish', current);
  const left = Date.parse(retiring.after) - deps.now();
  if (left > 0 && !force) {
    throw new UsageError(
      `The overlap of ${target.service}-${target.env}'s rotation lasts ${formatDuration(left)} more (until ${retiring.after}).`,
      { hint: 'Wait, or pass --force once every instance signs with the new key (after a deploy).' },
    );
  }
  const jwks = JSON.parse(current.jwks) as Jwks;
  const next: IdentitySecret = {
    signingKey: current.signingKey,
    jwks: JSON.stringify({ keys: jwks.keys.filter((k) => k.kid !== retiring.kid) }),
  };
  // Nothing should still sign with the old key: the order does not matter; the secret is the record.
  await save(deps, target, next, 'secret-first');
  return resultOf(target, 'finished', next);
}

/** What the command prints after the change. */
export function renderRotation(result: RotateResult, env: string): string[] {
  switch (result.action) {
    case 'nothing-to-finish':
      return [`No rotation in progress for ${result.environment}: signing with ${result.signingKid}.`];
    case 'finished':
      return [
        `${result.environment} signs with ${result.signingKid} only; tokens signed with the old key are refused now.`,
      ];
    case 'rotated':
      return [
        `${result.environment} has a new signing key ${result.signingKid}; ${result.retiring?.kid ?? ''} stays accepted until ${result.retiring?.after ?? ''}.`,
        `Next: lsvc deploy --env ${env} (instances pick up the new key when they start), then after the overlap lsvc env rotate-identity --env ${env} --finish.`,
      ];
  }
}
