// The one classification of what an AWS call can throw, for every command. After the SDK's own
// retries an error is one of:
//   credentials   missing, expired or rejected                          AwsError, exit 5
//   permission    the credentials may not do this                       AwsError, exit 5
//   connectivity  refused, reset, DNS, unreachable, timed out           AwsError, exit 5
//   throttling    AWS still said "slow down" after the retries          AwsError, exit 5
//   answer        any other answer from AWS (bad parameter, quota...)   AwsAnswerError, exit 1
// Only what is none of these (a TypeError, say) is left alone: that one is a bug in lsvc.
// Light on purpose (no SDK import): the base command loads it for every error.
import { AwsError, InterruptedError, LsvcError, type LsvcErrorOptions } from '../errors.js';

export type AwsFailureKind = 'credentials' | 'permission' | 'connectivity' | 'throttling';

/** An AWS call that failed for a reason outside lsvc: exit 5, with what to do about it. */
export class AwsCallError extends AwsError {
  readonly kind: AwsFailureKind;
  constructor(kind: AwsFailureKind, message: string, options: LsvcErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
    // The exit-5 family keeps one name under --json.
    this.name = 'AwsError';
  }
}

/** AWS answered, and the answer was no (exit 1): the message quotes it. Not a bug in lsvc. */
export class AwsAnswerError extends LsvcError {
  /** The AWS error name (InvalidParameterValue, LimitExceededException...). */
  readonly awsName: string;
  constructor(awsName: string, message: string, options: LsvcErrorOptions = {}) {
    super(message, options);
    this.awsName = awsName;
  }
}

/** Where a failed request went: added to the SDK's error by the client factory (clients.ts). */
export interface RequestContext {
  /** The SDK's service id: "Elastic Beanstalk", "CloudWatch Logs", "S3"... */
  service?: string | undefined;
  /** protocol://host[:port] the request was sent to. */
  endpoint?: string | undefined;
  region?: string | undefined;
}

const CONTEXT = Symbol.for('lsvc.awsRequestContext');

export function annotateRequest(error: unknown, context: RequestContext): void {
  if (typeof error !== 'object' || error === null || CONTEXT in error) return;
  Object.defineProperty(error, CONTEXT, { value: context, enumerable: false });
}

export function requestContextOf(error: unknown): RequestContext {
  if (typeof error !== 'object' || error === null) return {};
  return ((error as Record<symbol, unknown>)[CONTEXT] as RequestContext | undefined) ?? {};
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  cause?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
}

const shape = (error: unknown): SdkErrorShape => error ?? {};

/** The AWS error name (also of an error already turned into an AwsAnswerError). */
export function errorName(error: unknown): string {
  if (error instanceof AwsAnswerError) return error.awsName;
  const e = shape(error);
  return e.name ?? e.Code ?? '';
}

/** AWS answered with one of these error names (the SDK's `name`, or `Code` in some answers). */
export function isErrorNamed(error: unknown, names: readonly string[]): boolean {
  const e = shape(error);
  return names.some((n) => n === errorName(error) || n === e.Code);
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
  'InvalidAccessKeyId',
]);

const PERMISSION_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  // Elastic Beanstalk's "you may not do what this needs" (the S3 or EC2 calls it makes for you).
  'InsufficientPrivilegesException',
  // S3's answer to HEAD without permission (no body, so no better name).
  'Forbidden',
]);

const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

/** AWS asked us to slow down (and the SDK's retries gave up). */
export function isThrottling(error: unknown): boolean {
  const e = shape(error);
  if (error instanceof AwsCallError) return error.kind === 'throttling';
  return THROTTLING_ERRORS.has(e.name ?? '') || e.$retryable?.throttling === true;
}

// Node's socket errors, by code: what the user reads instead.
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  ETIMEDOUT: 'timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/** Why the request never got an answer, in a few words; undefined when it did get one. */
function connectivityReason(error: unknown): string | undefined {
  const e = shape(error);
  // The code, or in the message when the SDK wrapped the socket error ("... connect ECONNREFUSED").
  const code =
    e.code ?? shape(e.cause).code ?? Object.keys(NETWORK_CODES).find((c) => (e.message ?? '').includes(c));
  if (code && NETWORK_CODES[code] && e.$fault === undefined) {
    return e.name === 'TimeoutError' && code === 'ETIMEDOUT' ? timeoutReason(e.message) : NETWORK_CODES[code];
  }
  if (e.name === 'TimeoutError') return timeoutReason(e.message);
  if (e.name === 'AbortError' && shape(e.cause).name === 'TimeoutError') {
    return firstLine(shape(e.cause).message) || 'no answer in time';
  }
  if (['RequestTimeout', 'RequestTimeoutException'].includes(e.name ?? '')) return 'the request timed out';
  if (/socket hang up/i.test(e.message ?? '')) return 'connection closed';
  return undefined;
}

function timeoutReason(message = ''): string {
  const ms = /(\d+) ?ms/.exec(message)?.[1];
  const after = ms ? ` within ${Math.round(Number(ms) / 100) / 10} s` : '';
  if (/establish a connection/i.test(message)) return `no connection${after}`;
  return `no answer${after}`;
}

export interface FailureContext {
  /** The IAM action of the call, "elasticbeanstalk:DescribeEnvironments". */
  action?: string | undefined;
  /** What to do after an AWS refusal here (replaces the generic hint). */
  hint?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The AWS_ENDPOINT_URL* variables that are set, for the hint ("AWS_ENDPOINT_URL_S3=..."). */
function endpointOverrides(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(k) && v)
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .sort();
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}

/**
 * Turn what an AWS call threw into the error the user sees (see the table at the top). Errors
 * already turned (LsvcError) pass through; a hint given here replaces an AwsAnswerError's.
 */
export function classifyAwsError(error: unknown, ctx: FailureContext = {}): unknown {
  const env = ctx.env ?? process.env;
  if (error instanceof AwsAnswerError && ctx.hint && error.hint !== ctx.hint) {
    return new AwsAnswerError(error.awsName, error.message, {
      hint: ctx.hint,
      details: error.details,
      cause: error.cause,
    });
  }
  if (error instanceof LsvcError) return error;
  const e = shape(error);
  // Aborted by lsvc: the signal's reason says why (Ctrl-C, the command's deadline).
  if (e.name === 'AbortError') {
    if (e.cause instanceof LsvcError) return e.cause;
    if (shape(e.cause).name !== 'TimeoutError') return new InterruptedError('Interrupted.', { cause: error });
  }
  const name = errorName(error);
  const message = firstLine(e.message) || name;
  const action = ctx.action;
  const what = action ? ` (${action})` : '';
  const where = requestContextOf(error);
  const attempts = e.$metadata?.attempts;

  if (CREDENTIAL_ERRORS.has(name) || /Could not load credentials|Region is missing/i.test(message)) {
    return new AwsCallError('credentials', `AWS credentials are missing or invalid${what}: ${message}`, {
      hint: 'Configure credentials (aws configure, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), pass --profile, then run "lsvc doctor".',
      cause: error,
    });
  }
  if (
    PERMISSION_ERRORS.has(name) ||
    name.startsWith('AccessDenied') ||
    (e.$metadata?.httpStatusCode === 403 && e.$fault === 'client')
  ) {
    const needs = action ? `${action} is not allowed for these credentials` : message;
    return new AwsCallError('permission', `Access denied: ${needs}.`, {
      hint: `${name === 'InsufficientPrivilegesException' ? `${message} ` : ''}Grant ${action ?? 'it'} (see "lsvc iam-policy" for everything lsvc needs), or use another --profile.`,
      cause: error,
    });
  }
  if (isThrottling(error)) {
    const tries = attempts ? ` after ${attempts} attempts` : '';
    return new AwsCallError(
      'throttling',
      `AWS kept throttling ${action ?? 'the calls'}${where.region ? ` in ${where.region}` : ''}${tries} (${name || 'throttled'}).`,
      {
        hint: 'The account is making too many calls to this API right now (other tools, CI jobs or the console share the limit): try again in a minute. AWS_MAX_ATTEMPTS raises the retries.',
        cause: error,
      },
    );
  }
  const unreachable = connectivityReason(error);
  if (unreachable) {
    const service = where.service ?? action?.split(':')[0] ?? 'AWS';
    const endpoint = where.endpoint ? ` at ${where.endpoint}` : '';
    const region = where.region ? ` (region ${where.region})` : '';
    const tries = attempts && attempts > 1 ? `, ${attempts} attempts` : '';
    const overrides = endpointOverrides(env);
    return new AwsCallError(
      'connectivity',
      `Could not reach ${service}${endpoint}${region}${what}: ${unreachable}${tries}.`,
      {
        hint: `Check the network, VPN or proxy${overrides.length ? ` and ${overrides.join(', ')}` : ' (and AWS_ENDPOINT_URL* if you point lsvc elsewhere)'}, then try again. LSVC_AWS_TIMEOUT sets how long one request may take.`,
        cause: error,
      },
    );
  }
  if (e.$metadata !== undefined || e.$fault !== undefined) {
    return new AwsAnswerError(
      name,
      `AWS answered ${action ? `${action} with ` : ''}${name && !message.startsWith(`${name}:`) ? `${name}: ` : ''}${message}`,
      {
        hint:
          ctx.hint ??
          'AWS refused the call: the message says why. Check the settings in lsvc.yml and the resource in the AWS console, then try again.',
        cause: error,
      },
    );
  }
  return error;
}
