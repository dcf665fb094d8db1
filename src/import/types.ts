/** Contracts of `mooring import`: peer manifests in, Mooring objects and a report out. Pure. */
import type { KubeObject } from '../core/objects.js';

/**
 * One thing the conversion could not carry over as it was:
 * - dropped: a setting with no equivalent in Mooring (left out);
 * - changed: carried over with a different meaning or a default that differs, read it;
 * - manual: needs a person (a ServiceAccount to create, a key to export...);
 * - skipped: a whole object not converted (another cluster, a Helm repository...).
 */
export interface ImportNote {
  /** The peer object, `Kind/namespace/name`. */
  subject: string;
  /** The peer field, e.g. `spec.syncPolicy.syncOptions[CreateNamespace=true]`. */
  field: string;
  severity: 'dropped' | 'changed' | 'manual' | 'skipped';
  message: string;
}

export interface ImportResult {
  /** Mooring Projects and Applications, in that order. */
  objects: KubeObject[];
  notes: ImportNote[];
}

export interface ImportOptions {
  /** The controller namespace: where Projects and Applications go (default mooring-system). */
  namespace: string;
  /** ServiceAccount a Project destination applies as when the peer names none (the peers apply as themselves). */
  serviceAccountName: string;
}

export const DEFAULT_IMPORT_OPTIONS: ImportOptions = {
  namespace: 'mooring-system',
  serviceAccountName: 'mooring-deployer',
};

/** A peer manifest read from a file, with where it came from. */
export interface PeerObject {
  obj: KubeObject;
  file: string;
}
