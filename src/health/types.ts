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
}
