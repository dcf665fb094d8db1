import { MooringError } from '../core/errors.js';
import type { RetryClass, Step } from '../core/errors.js';

/** The Status object the API server returns with an error. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** An error answer from the Kubernetes API: HTTP status, the server's reason and message. */
export class KubeApiError extends MooringError {
  readonly httpStatus: number;
  readonly reason: string;
  readonly apiMessage: string;

  constructor(
    httpStatus: number,
    status: ApiStatus,
    context: {
      method: string;
      path: string;
      step?: Step | undefined;
      subject?: string | undefined;
      /** `namespace/name` of the ServiceAccount the request impersonated. */
      actingAs?: string | undefined;
    },
  ) {
    const reason = status.reason ?? (httpStatus === 0 ? 'ConnectionFailed' : `HTTP${httpStatus}`);
    const apiMessage = status.message ?? `HTTP ${httpStatus}`;
    const what = context.subject ?? `${context.method} ${context.path}`;
    super('API_ERROR', `${what}: ${apiMessage} (${reason})`, {
      retry: apiRetryClass(httpStatus, apiMessage),
      step: context.step,
      subject: context.subject,
      hint:
        httpStatus === 403 && context.actingAs !== undefined
          ? `grant ServiceAccount ${context.actingAs} (the identity the Project applies this app as) the verb on the resource named above, e.g. with a RoleBinding in the object's namespace, or change the manifests`
          : hintFor(httpStatus, reason),
    });
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.apiMessage = apiMessage;
  }

  get isNotFound(): boolean {
    return this.httpStatus === 404;
  }

  get isConflict(): boolean {
    return this.httpStatus === 409;
  }

  /** Transient: worth retrying (server overloaded, timeouts, connection trouble). */
  get isTransient(): boolean {
    return this.retry === 'transient';
  }
}

/**
 * How an API error is retried: server trouble, throttling, timeouts, lost connections, conflicts and an
 * admission webhook that cannot be called are transient; a missing namespace is waited for (another app
 * may create it); anything else the server refused (invalid, forbidden, not found) is terminal. Pure.
 */
export function apiRetryClass(httpStatus: number, apiMessage: string): RetryClass {
  if (/failed calling webhook/i.test(apiMessage)) return 'transient';
  if (httpStatus === 0 || httpStatus === 408 || httpStatus === 409 || httpStatus === 429 || httpStatus >= 500)
    return 'transient';
  if (httpStatus === 404 && /namespaces? "[^"]+" not found/.test(apiMessage)) return 'waiting';
  return 'terminal';
}

function hintFor(httpStatus: number, reason: string): string | undefined {
  if (httpStatus === 0) return 'is the cluster reachable? check the kubeconfig server address';
  if (httpStatus === 401) return 'the credentials in the kubeconfig were not accepted';
  if (httpStatus === 403)
    return 'the identity Mooring uses lacks RBAC permission for this (see the message for the verb and resource)';
  if (httpStatus === 404)
    return 'the object or its API does not exist in this cluster (is its CRD installed?)';
  if (httpStatus === 409 && reason === 'Conflict')
    return 'another field manager owns these fields; set mooring.dev/force: "true" on the object to take them over';
  if (httpStatus === 422) return 'the object is invalid: fix the manifest in Git';
  if (httpStatus === 429) return 'the API server is throttling (priority and fairness); Mooring retries';
  return undefined;
}
