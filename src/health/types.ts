/** Contracts of health assessment (pure). Implementation: src/health/*. */
import type { KubeObject } from '../core/objects.js';

export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface HealthResult {
  status: HealthStatus;
  /** One plain sentence, e.g. "2/3 pods ready; pod web-7f9 CrashLoopBackOff". Empty when Healthy needs no words. */
  message: string;
}

/** Objects related to the one assessed, fetched by the caller (e.g. the pods of a Deployment). */
export interface HealthContext {
  pods?: KubeObject[];
  /**
   * The CustomResourceDefinition of a custom resource's kind, when the caller knows it. With it, a custom
   * resource that has no status yet while its CRD declares a status subresource is Progressing (its
   * controller has not reported yet) instead of Healthy.
   */
  crd?: KubeObject;
}

/** One object's health with the name people know it by (`Kind/namespace/name`), for aggregates and messages. */
export interface SubjectHealth {
  subject: string;
  result: HealthResult;
}

/**
 * One small step of a health cascade: returns a result when it can decide, undefined to let the next
 * check decide. Checks are pure and read only the object and its context.
 */
export type HealthCheck = (obj: KubeObject, context: HealthContext) => HealthResult | undefined;
