/**
 * The audit trail of API actions: who (the Kubernetes identity), what, which app, when, from where — as
 * a Kubernetes Event on the Application (kubectl describe shows it) and a log line. The SyncRecord of the
 * sync that follows names the user too (`initiatedBy`, from app/protocol.ts's requested-by annotation).
 */
import type { Application } from '../app/model.js';
import type { Logger } from '../core/logger.js';
import { recordEvent } from '../controller/events.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Identity } from './auth/types.js';

/** One audited action. */
export interface AuditEntry {
  identity: Identity;
  /** e.g. `sync`, `rollback to 1a2b3c4`, `suspend`. */
  action: string;
  app: Application;
  /** The caller's address as the server saw it. */
  sourceIP: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** Event reason per action verb (the first word of `action`). */
function reasonOf(action: string): string {
  const verb = action.split(' ')[0] ?? action;
  return `${verb.charAt(0).toUpperCase()}${verb.slice(1)}Requested`;
}

/** The sentence an audit Event says. Pure. */
export function auditMessage(entry: Omit<AuditEntry, 'app'>): string {
  return `${entry.action} requested by ${entry.identity.user} from ${entry.sourceIP} (via the Mooring API)`;
}

/** Audit entries as Events on the Application (with the server's identity) and info log lines. */
export function eventAuditLog(objects: ObjectsApi, logger: Logger): AuditLog {
  return {
    async record(entry) {
      logger.info(
        {
          audit: true,
          user: entry.identity.user,
          groups: entry.identity.groups,
          action: entry.action,
          app: `${entry.app.metadata.namespace}/${entry.app.metadata.name}`,
          sourceIP: entry.sourceIP,
        },
        'API action',
      );
      await recordEvent(
        objects,
        entry.app,
        'Normal',
        reasonOf(entry.action),
        auditMessage(entry),
        'mooring-api',
      );
    },
  };
}
