/**
 * The one place an error becomes an HTTP answer: MooringError codes and Kubernetes API errors map to a
 * status and the body `{code, message, hint}`. Anything unexpected is a 500 whose message says nothing
 * about internals (the log has it). Pure.
 */
import { MooringError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { KubeApiError } from '../kube/errors.js';

/** The body of every error answer of the API. */
export interface ApiErrorBody {
  code: string;
  message: string;
  hint: string;
}

/** An error answer: HTTP status and body; `internal` says the log should keep the original error. */
export interface ApiErrorReply {
  status: number;
  body: ApiErrorBody;
  internal: boolean;
}

const STATUS_OF_CODE: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  UNSAFE_INPUT: 400,
  INVALID_MANIFEST: 400,
  PLAN_REFUSED: 409,
  TIMEOUT: 504,
  SOURCE_FAILED: 502,
  UNVERIFIED_SOURCE: 409,
  RENDER_FAILED: 422,
  API_ERROR: 502,
  HEALTH_TIMEOUT: 504,
  PREREQUISITE_MISSING: 503,
  TOOLCHAIN_BUILD_FAILED: 500,
  PROCESS_FAILED: 500,
  REGISTRY_FAILED: 502,
};

const DEFAULT_HINT: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED:
    'send a Kubernetes bearer token (Authorization: Bearer <token>), e.g. from `kubectl create token <serviceaccount>`',
  FORBIDDEN:
    "ask a cluster admin for a Role granting this verb on applications.mooring.dev in the app's namespace",
  NOT_FOUND: 'check the namespace and name (GET /api/v1/applications lists what you may see)',
  INVALID_ARGUMENT: 'see /api/openapi.json for the parameters each route takes',
};

/** Fastify's own refusals (no route, body too large, bad media type, timeout) as the API's codes. */
function fromHttpStatus(status: number, message: string): ApiErrorReply {
  switch (status) {
    case 404:
      return reply(404, 'NOT_FOUND', 'no such route', 'see /api/openapi.json for the routes');
    case 408:
      return reply(408, 'TIMEOUT', 'request timeout', 'send the whole request at once');
    case 413:
      return reply(413, 'PAYLOAD_TOO_LARGE', 'payload too large', 'request bodies are small JSON objects');
    case 415:
      return reply(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content type', 'send application/json');
    default:
      return reply(status, 'INVALID_ARGUMENT', message, DEFAULT_HINT.INVALID_ARGUMENT ?? '');
  }
}

function reply(status: number, code: string, message: string, hint: string, internal = false): ApiErrorReply {
  return { status, body: { code, message, hint }, internal };
}

/**
 * A Kubernetes API error met while serving a request (the server's own identity): a missing object is a
 * 404; a conflict a 409; the cluster refusing the server itself is the server's misconfiguration (502 with
 * the RBAC hint); throttling and outages are 503.
 */
function fromKubeApiError(error: KubeApiError): ApiErrorReply {
  const hint = error.hint ?? 'retry later; if it persists, check the API server and the controller logs';
  if (error.isNotFound) return reply(404, 'NOT_FOUND', error.message, DEFAULT_HINT.NOT_FOUND ?? hint);
  if (error.isConflict) return reply(409, 'CONFLICT', error.message, 'the object changed meanwhile: retry');
  if (error.httpStatus === 422 || error.httpStatus === 400)
    return reply(400, 'INVALID_ARGUMENT', error.message, hint);
  if (error.httpStatus === 403)
    return reply(
      502,
      'API_ERROR',
      error.message,
      "the controller's ServiceAccount lacks RBAC for this (see deploy/rbac); your own rights were checked first",
    );
  if (error.httpStatus === 429 || error.httpStatus === 0 || error.httpStatus >= 500)
    return reply(503, 'API_UNAVAILABLE', error.message, hint);
  return reply(502, 'API_ERROR', error.message, hint);
}

/** Maps anything a route threw to the answer. Pure. */
export function errorReply(error: unknown): ApiErrorReply {
  if (error instanceof KubeApiError) return fromKubeApiError(error);
  if (error instanceof MooringError) {
    const status = STATUS_OF_CODE[error.code];
    return reply(
      status,
      error.code,
      error.message,
      error.hint ?? DEFAULT_HINT[error.code] ?? 'see the controller logs',
      status >= 500,
    );
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = error instanceof Error ? error.message : 'bad request';
    return fromHttpStatus(statusCode, message);
  }
  return reply(500, 'INTERNAL', 'internal error', 'see the controller logs', true);
}
