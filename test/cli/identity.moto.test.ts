// The service identity against moto's Secrets Manager and SSM: provision creates the signing key
// (secret) and publishes its public JWKS (parameter), never regenerates it, re-publishes a missing
// JWKS with the same key, and wires the environment (LSVC_IDENTITY_KEY from the secret);
// rotate-identity publishes both keys (a signature made with either verifies during the overlap),
// refuses a second rotation and an early --finish, and --finish leaves the new key only; the
// built binary does the same with --json and exit 3 when nothing is provisioned.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { resourceNames } from '../../src/aws/names.js';
import { BUILTIN_DEFAULTS, type ResolvedEnvironment } from '../../src/config/schema.js';
import { identityNames, type IdentitySecret, type Jwks, type PrivateJwk } from '../../src/identity/keys.js';
import { finishRotation, rotateIdentity, type RotateDeps } from '../../src/identity/rotate.js';
import { environmentOptions } from '../../src/provision/resources/eb-environment.js';
import { identityJwks, identitySecret } from '../../src/provision/resources/identity.js';
import type { ProvisionClients, ProvisionContext } from '../../src/provision/types.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_REGION, MOTO_SDK, uniqueSuffix } from '../support/moto.js';
import { fastTiming } from './provision-fake-aws.js';

const secrets = new SecretsManagerClient(MOTO_SDK);
const ssm = new SSMClient(MOTO_SDK);
const service = `id${uniqueSuffix()}`;
const made: { secrets: Set<string>; parameters: Set<string> } = { secrets: new Set(), parameters: new Set() };
const HOUR = 3_600_000;

beforeAll(async () => {
  await ensureMoto();
});
afterAll(async () => {
  for (const name of made.parameters)
    await ssm.send(new DeleteParameterCommand({ Name: name })).catch(() => undefined);
  for (const id of made.secrets)
    await secrets
      .send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }))
      .catch(() => undefined);
});

function environment(name: string, callers: Record<string, string[]> = {}): ResolvedEnvironment {
  return {
    ...BUILTIN_DEFAULTS,
    callers,
    name,
    fullName: `${service}-${name}`,
    region: MOTO_REGION,
    profile: undefined,
    notifyEmail: undefined,
    ecrRepository: undefined,
  };
}

function context(env: string, callers: Record<string, string[]> = {}): ProvisionContext {
  const names = identityNames(service, env);
  made.secrets.add(names.secret);
  made.parameters.add(names.jwksParameter);
  return {
    service,
    environment: environment(env, callers),
    names: resourceNames(service, env),
    region: MOTO_REGION,
    clients: { secrets, ssm } as unknown as ProvisionClients,
    timing: fastTiming(),
    known: { scope: { partition: 'aws', region: MOTO_REGION, account: '123456789012' }, securityGroups: {} },
    dependencies: {},
    warnings: [],
  };
}

/** Inspect both resources (as the plan does), apply what changes; the plan's actions. */
async function provisionIdentity(ctx: ProvisionContext): Promise<string[]> {
  const actions: string[] = [];
  for (const resource of [identitySecret(ctx), identityJwks(ctx)]) {
    const inspection = await resource.inspect(ctx);
    actions.push(`${resource.kind} ${inspection.action}`);
    await inspection.apply?.(ctx, { output: () => undefined, title: () => undefined } as never);
  }
  return actions;
}

async function storedIdentity(env: string): Promise<IdentitySecret> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: identityNames(service, env).secret }));
  return JSON.parse(out.SecretString ?? '') as IdentitySecret;
}

async function publishedJwks(env: string): Promise<Jwks> {
  const out = await ssm.send(new GetParameterCommand({ Name: identityNames(service, env).jwksParameter }));
  return JSON.parse(out.Parameter?.Value ?? '') as Jwks;
}

/** Sign as the service would with a private JWK; check against the published JWKS by kid. */
function signWith(key: PrivateJwk, message: string): Buffer {
  return sign('sha256', Buffer.from(message), {
    key: createPrivateKey({ key: key as never, format: 'jwk' }),
    dsaEncoding: 'ieee-p1363',
  });
}
function verifiesWith(jwks: Jwks, kid: string, message: string, signature: Buffer): boolean {
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  return verify('sha256', Buffer.from(message), { key, dsaEncoding: 'ieee-p1363' }, signature);
}

describe('provision: the service identity', () => {
  it('creates the key once, publishes only its public part, and never makes a new one', async () => {
    const ctx = context('staging');
    expect(await provisionIdentity(ctx)).toEqual(['secret create', 'ssm-parameter create']);
    const identity = await storedIdentity('staging');
    const key = JSON.parse(identity.signingKey) as PrivateJwk;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', d: expect.any(String) });
    const jwks = await publishedJwks('staging');
    expect(jwks.keys.map((k) => k.kid)).toEqual([key.kid]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect(verifiesWith(jwks, key.kid, 'hello', signWith(key, 'hello'))).toBe(true);

    // Second run: nothing to do, the same key.
    const again = context('staging');
    expect(await provisionIdentity(again)).toEqual(['secret unchanged', 'ssm-parameter unchanged']);
    expect((await storedIdentity('staging')).signingKey).toBe(identity.signingKey);

    // A lost parameter is published again from the secret: same kid, no new key.
    await ssm.send(new DeleteParameterCommand({ Name: identityNames(service, 'staging').jwksParameter }));
    expect(await provisionIdentity(context('staging'))).toEqual(['secret unchanged', 'ssm-parameter create']);
    expect((await publishedJwks('staging')).keys.map((k) => k.kid)).toEqual([key.kid]);
    expect((await storedIdentity('staging')).signingKey).toBe(identity.signingKey);
  });

  it('the environment gets its name, its callers, their keys and the key from the secret', async () => {
    const ctx = context('preview', { orders: ['notes:read'], 'billing-api': ['notes:read', 'notes:write'] });
    await provisionIdentity(ctx);
    const options = environmentOptions({
      service,
      environment: ctx.environment,
      names: ctx.names,
      known: ctx.known,
    });
    const value = (name: string) => options.find((o) => o.OptionName === name)?.Value;
    expect(value('LSVC_SERVICE_NAME')).toBe(service);
    expect(JSON.parse(value('LSVC_CALLERS') ?? '')).toEqual({
      'billing-api': ['notes:read', 'notes:write'],
      orders: ['notes:read'],
    });
    expect(value('LSVC_CALLER_JWKS_ORDERS')).toBe('ssm:/lsvc/preview/orders/jwks');
    expect(value('LSVC_CALLER_JWKS_BILLING_API')).toBe('ssm:/lsvc/preview/billing-api/jwks');
    const arn = ctx.known.identity?.arn ?? '';
    expect(arn).toMatch(/^arn:aws:secretsmanager:/);
    expect(options.find((o) => o.OptionName === 'LSVC_IDENTITY_KEY')).toMatchObject({
      Namespace: 'aws:elasticbeanstalk:application:environmentsecrets',
      Value: `${arn}:signingKey`,
    });
    expect(value('LSVC_IDENTITY_JWKS')).toBe(`${arn}:jwks`);
  });
});

describe('rotate-identity', () => {
  const deps = (now: number): RotateDeps => ({ secrets, ssm, now: () => now });
  const target = { service, env: 'rotating' };

  it('overlap: old and new signatures verify; a second rotation and an early finish are refused; finish removes the old', async () => {
    await provisionIdentity(context('rotating'));
    const oldKey = JSON.parse((await storedIdentity('rotating')).signingKey) as PrivateJwk;
    const t0 = Date.now();

    const started = await rotateIdentity(deps(t0), target, HOUR);
    const newKey = JSON.parse((await storedIdentity('rotating')).signingKey) as PrivateJwk;
    expect(newKey.kid).not.toBe(oldKey.kid);
    expect(started).toMatchObject({
      action: 'rotated',
      signingKid: newKey.kid,
      kids: [newKey.kid, oldKey.kid],
      retiring: { kid: oldKey.kid, after: new Date(t0 + HOUR).toISOString() },
    });
    const during = await publishedJwks('rotating');
    expect(during.keys.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
    // An instance that still holds the old key and one with the new are both accepted.
    expect(verifiesWith(during, oldKey.kid, 'call', signWith(oldKey, 'call'))).toBe(true);
    expect(verifiesWith(during, newKey.kid, 'call', signWith(newKey, 'call'))).toBe(true);
    // Provision during the overlap keeps both (it follows the secret, it does not undo the rotation).
    expect(await provisionIdentity(context('rotating'))).toEqual([
      'secret unchanged',
      'ssm-parameter unchanged',
    ]);

    await expect(rotateIdentity(deps(t0), target, HOUR)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`key ${oldKey.kid} retires after`),
    });
    await expect(finishRotation(deps(t0 + HOUR / 2), target)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('lasts 30m more'),
    });

    const finished = await finishRotation(deps(t0 + HOUR + 1), target);
    expect(finished).toMatchObject({ action: 'finished', signingKid: newKey.kid, kids: [newKey.kid] });
    expect(finished.retiring).toBeUndefined();
    const after = await publishedJwks('rotating');
    expect(verifiesWith(after, oldKey.kid, 'call', signWith(oldKey, 'call'))).toBe(false);
    expect(verifiesWith(after, newKey.kid, 'call', signWith(newKey, 'call'))).toBe(true);
    expect((await storedIdentity('rotating')).retiring).toBeUndefined();
    expect((await finishRotation(deps(t0 + HOUR + 2), target)).action).toBe('nothing-to-finish');
  });

  it('the command: --json result, --finish --force; exit 3 without an identity, exit 2 for a bad --overlap', async () => {
    const dir = await tempDir('lsvc-identity-cli-');
    try {
      await writeFile(
        join(dir, 'lsvc.yml'),
        `service: ${service}\nregion: ${MOTO_REGION}\nenvironments:\n  cli:\n  empty:\n`,
      );
      made.secrets.add(identityNames(service, 'empty').secret);
      await provisionIdentity(context('cli'));
      const env = { ...MOTO_ENV, LSVC_AWS_TIMEOUT: '5s', AWS_MAX_ATTEMPTS: '2' };
      const started = await runCli(['env', 'rotate-identity', '--env', 'cli', '--overlap', '2h', '--json'], {
        cwd: dir,
        env,
      });
      expect(started.code).toBe(0);
      const result = JSON.parse(started.stdout) as {
        action: string;
        kids: string[];
        retiring: { after: string };
      };
      expect(result.action).toBe('rotated');
      expect(result.kids).toHaveLength(2);
      expect(Date.parse(result.retiring.after) - Date.now()).toBeGreaterThan(HOUR + 50 * 60_000);

      const early = await runCli(['env', 'rotate-identity', '--env', 'cli', '--finish'], { cwd: dir, env });
      expect(early.code).toBe(2);
      // 2h from a moment ago: "2h" within the first second, "1h59m..." after it.
      expect(early.stderr).toMatch(/^Error: The overlap of .* lasts (2h|1h\d+m\d*s?) more/m);
      const forced = await runCli(['env', 'rotate-identity', '--env', 'cli', '--finish', '--force'], {
        cwd: dir,
        env,
      });
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain('tokens signed with the old key are refused now');
      expect((await publishedJwks('cli')).keys).toHaveLength(1);

      const none = await runCli(['env', 'rotate-identity', '--env', 'empty'], { cwd: dir, env });
      expect(none.code).toBe(3);
      expect(none.stderr).toContain(`has no service identity (secret lsvc/${service}/empty/identity)`);
      expect(none.stderr).toContain('Hint: Run lsvc provision --env empty first.');
      const bad = await runCli(['env', 'rotate-identity', '--env', 'cli', '--overlap', 'soon'], {
        cwd: dir,
        env,
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--overlap "soon" is not a duration.');
    } finally {
      await removeDir(dir);
    }
  });
});
