// Errors as RFC 9457 `application/problem+json`. Handlers throw an HttpProblem; the error
// middleware renders it. Anything else becomes a 500 that says nothing about internals.
import { STATUS_CODES } from 'node:http';

export interface FieldError {
  in: 'body' | 'query' | 'params' | 'header';
  path: string;
  message: string;
  code: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const codes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  428: 'precondition_required',
  500: 'internal',
  501: 'not_implemented',
  503: 'unavailable',
};

export class HttpProblem extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly detail?: string,
    readonly extra: {
      code?: string;
      errors?: FieldError[];
      headers?: Record<string, string>;
      [key: string]: unknown;
    } = {},
  ) {
    super(detail ?? STATUS_CODES[status] ?? 'Error');
    this.name = 'HttpProblem';
    this.code = extra.code ?? codes[status] ?? 'error';
  }

  toBody(instance: string, requestId?: string): ProblemBody {
    const { code: _code, headers: _headers, ...extensions } = this.extra;
    return {
      type: 'about:blank',
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      instance,
      ...(requestId ? { requestId } : {}),
      ...extensions,
    };
  }
}

export const notFound = (what: string) => new HttpProblem(404, `${what} not found`);
export const validationFailed = (errors: FieldError[]) =>
  new HttpProblem(400, 'The request is not valid: see errors.', { code: 'validation_failed', errors });
