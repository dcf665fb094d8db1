import type { KubeObject } from '../core/objects.js';
import type { HealthStatus } from '../health/types.js';
import type { InventoryEntry } from '../plan/types.js';

/** API group/version of Mooring's custom resources. */
export const MOORING_API_VERSION = 'mooring.dev/v1alpha1';
export const FINALIZER = 'mooring.dev/prune-on-delete';

/** The fields of an Application the controller reads (the CRD schema in src/crd is authoritative). */
export interface ApplicationSpec {
  source: {
    repoURL: string;
    ref: { branch?: string; tag?: string; semver?: string; commit?: string };
    path?: string;
    secretRef?: { name: string };
    renderer?: 'directory' | 'kustomize' | 'helm' | 'jsonnet';
    directory?: { recurse?: boolean; include?: string[]; exclude?: string[] };
    kustomize?: Record<string, unknown>;
    helm?: {
      releaseName?: string;
      valueFiles?: string[];
      values?: Record<string, unknown>;
      kubeVersion?: string;
    };
    jsonnet?: { tlas?: Record<string, string>; extVars?: Record<string, string>; libPaths?: string[] };
  };
  destination: { namespace: string; cluster?: string };
  syncPolicy?: {
    automated?: boolean;
    prune?: boolean;
    selfHeal?: boolean;
    driftMode?: 'enforce' | 'warn';
    createNamespace?: boolean;
    pruneThreshold?: number;
  };
  interval?: string;
  dependsOn?: { name: string }[];
  suspend?: boolean;
  orphanOnDelete?: boolean;
  historyLimit?: number;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health: HealthStatus;
  message?: string;
  drift?: { path: string; changedBy: { manager: string; operation?: string; time?: string }[] }[];
}

export interface ApplicationStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  sync?: {
    status: 'Synced' | 'OutOfSync' | 'Unknown';
    revision?: string;
    shortRevision?: string;
    pinnedRevision?: string;
  };
  health?: { status: HealthStatus; message?: string };
  inventory?: InventoryEntry[];
  resources?: ResourceStatus[];
  lastSync?: {
    startedAt: string;
    finishedAt: string;
    revision?: string;
    result: string;
    message?: string;
    syncRecord?: string;
    trigger?: string;
  };
  summary?: string;
  source?: {
    displayURL?: string;
    resolvedRef?: string;
    commitSubject?: string;
    author?: string;
    pathTreeHash?: string;
  };
  /** A revision rolled back from: automated sync never re-applies it. */
  rolledBackRevision?: string;
}

export interface Application extends KubeObject {
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}

/** Why a reconcile runs; recorded in SyncRecords. */
export type Trigger = 'poll' | 'webhook' | 'drift' | 'manual' | 'rollback' | 'dependency' | 'spec';
