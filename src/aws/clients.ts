// Every AWS SDK client lsvc makes comes from here, with the same settings: the default credential
// chain (env, profiles, SSO, roles) with --profile, the resolved region, adaptive retries.
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> are read by the SDK itself (LocalStack, moto).
// Import client classes lazily in the commands that use them: each costs ~100+ ms to load.
import { AwsError } from '../errors.js';

export interface AwsClientTarget {
  region: string;
  profile?: string | undefined;
}

export interface ClientConfig {
  region: string;
  profile?: string;
  retryMode: 'adaptive';
  maxAttempts: number;
}

export function clientConfig(target: AwsClientTarget): ClientConfig {
  return {
    region: target.region,
    ...(target.profile ? { profile: target.profile } : {}),
    // Adaptive: client-side rate limiting when AWS throttles, on top of exponential back-off.
    retryMode: 'adaptive',
    maxAttempts: 6,
  };
}

/** new Client(config) for any SDK v3 client class, configured the one way. */
export function makeClient<T>(Client: new (config: ClientConfig) => T, target: AwsClientTarget): T {
  return new Client(clientConfig(target));
}

const credentialErrors = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
]);
const permissionErrors = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);

/**
 * Credential and permission failures become AwsError (exit 5) naming the action that failed;
 * anything else is returned as is for the caller to handle.
 */
export function asAwsError(error: unknown, action: string): unknown {
  const { name = '', message = String(error) } = (error ?? {}) as { name?: string; message?: string };
  if (credentialErrors.has(name) || /Could not load credentials|Region is missing/i.test(message)) {
    return new AwsError(`AWS credentials are missing or invalid (${action}): ${message}`, {
      hint: 'Configure credentials (aws configure, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), pass --profile, then run "lsvc doctor".',
      cause: error,
    });
  }
  if (permissionErrors.has(name)) {
    return new AwsError(`Access denied: ${action} is not allowed for these credentials.`, {
      hint: `Grant ${action} (see "lsvc iam-policy" for everything lsvc needs), or use another --profile.`,
      cause: error,
    });
  }
  return error;
}
