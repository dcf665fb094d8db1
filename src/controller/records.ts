import { isTerminal } from '../app/retry.js';
import { randomBytes } from 'node:crypto';

import type { ObjectOutcome } from '../apply/types.js';
import { errorMessage } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import type { SyncResult } from '../engine/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Application, Trigger } from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';
import { requesterOf } from '../app/protocol.js';
import { diffSummaryOf, fitSyncRecordSpec, recordedObjectOf, recordsBeyond } from '../crd/syncrecord.js';

export { RECORD_APP_LABEL } from '../app/model.js';
import { RECORD_APP_LABEL } from '../app/model.js';

export interface RecordInput {
  app: Application;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  revision?: string;
  commit?: { author: string; message: string };
  result: 'Succeeded' | 'Failed' | 'Rejected';
  message: string;
  outcomes: ObjectOutcome[];
}

/** A SyncRecord object for one sync, owned by its Application (deleted with it). Pure. */
export function syncRecordFor(input: RecordInput): KubeObject {
  const initiatedBy = requesterOf(input.app, input.trigger);
  const stamp = input.startedAt.replace(/[-:TZ.]/g, '').slice(0, 14);
  return {
    apiVersion: MOORING_API_VERSION,
    kind: 'SyncRecord',
    metadata: {
      name: `${input.app.metadata.name}-${stamp}-${randomBytes(2).toString('hex')}`.slice(0, 253),
      namespace: input.app.metadata.namespace,
      labels: { [RECORD_APP_LABEL]: input.app.metadata.name },
      ownerReferences: [
        {
          apiVersion: MOORING_API_VERSION,
          kind: 'Application',
          name: input.app.metadata.name,
          uid: input.app.metadata.uid,
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
    },
    spec: fitSyncRecordSpec({
      application: input.app.metadata.name,
      trigger: input.trigger,
      ...(initiatedBy === undefined ? {} : { initiatedBy }),
      revision: input.revision ?? '',
      ...(input.commit === undefined ? {} : { commit: input.commit }),
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
      result: input.result,
      message: input.message.slice(0, 1024),
      objects: input.outcomes.map(recordedObjectOf),
      diffSummary: diffSummaryOf(input.outcomes),
    }),
  };
}

export function resultOf(result: SyncResult): RecordInput['result'] {
  if (result.error === undefined) return 'Succeeded';
  // Rejected: the commit itself cannot be applied; Failed: something that retrying may get past.
  return isTerminal(result.error) ? 'Rejected' : 'Failed';
}

/**
 * Writes a SyncRecord and deletes the oldest ones beyond `keep`. `before` is how many records of the app
 * exist already when known (the caller counts them): while that many plus this one fit in `keep`, nothing
 * needs listing. Returns the record's name and how many records the app has now, when known.
 */
export async function recordSync(
  objects: ObjectsApi,
  record: KubeObject,
  keep: number,
  before?: number,
): Promise<{ name: string; count: number | undefined }> {
  const created = await objects.create(record, 'inventory');
  if (before !== undefined && before + 1 <= keep) return { name: created.metadata.name, count: before + 1 };
  try {
    const app = record.metadata.labels?.[RECORD_APP_LABEL] ?? '';
    const all = await objects.list(MOORING_API_VERSION, 'SyncRecord', {
      namespace: record.metadata.namespace ?? 'default',
      labelSelector: `${RECORD_APP_LABEL}=${app}`,
    });
    const beyond = recordsBeyond(all, keep);
    for (const old of beyond) {
      await objects.delete(MOORING_API_VERSION, {
        group: 'mooring.dev',
        kind: 'SyncRecord',
        namespace: old.metadata.namespace ?? '',
        name: old.metadata.name,
      });
    }
    return { name: created.metadata.name, count: all.length - beyond.length };
  } catch (error) {
    // Retention is housekeeping: a failure here must not fail the sync.
    void errorMessage(error);
    return { name: created.metadata.name, count: undefined };
  }
}
