/** Contracts of custom health checks: CEL expressions in Flux's form and Argo CD's Lua scripts. Pure. */
import type { HealthResult } from '../types.js';

/** One CEL check in the form of Flux's `healthCheckExprs` entry. */
export interface CelHealthExpressions {
  /** `group/version` (or `v1`); only the group is matched, so a check survives an API version bump. */
  apiVersion: string;
  kind: string;
  /** True when the object is healthy (required, as in Flux). */
  current: string;
  /** True when the object is still on its way (evaluated first). */
  inProgress?: string | undefined;
  /** True when the object failed (evaluated second). */
  failed?: string | undefined;
}

/** One Argo CD Lua health script for a `group_kind` key (`*` matches any run of characters). */
export interface LuaHealthScript {
  /** The key as written after `resource.customizations.health.`, e.g. `cert-manager.io_Certificate`. */
  groupKind: string;
  script: string;
}

/** What a custom check is called in explanations, e.g. `CEL check for keda.sh/ScaledObject (Application web)`. */
export interface HealthVerdict {
  result: HealthResult;
  /** Which rule or custom check decided. */
  decidedBy: string;
}
