/**
 * Image automation metrics: registry scans (ImageRepository) and update runs (ImageUpdateAutomation).
 * Labels are bounded by the objects that exist: one series per repository or automation and result, never
 * per tag, image or commit; a deleted object's series are removed with it (`forgetRepository`,
 * `forgetAutomation`). The callbacks match the scan controller's sink and the automation loop's hooks.
 */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

import type { ImageScanSink, ScanMetrics } from '../image/scan-controller.js';
import type { AutomationOutcome } from '../image/update/automation.js';

/** Seconds buckets for one registry scan: 10 ms to 2 min. */
const SCAN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The result label of an automation run: pushed, unchanged, held (unchanged because of a rollback), suspended, failed. */
export type UpdateResult = 'pushed' | 'unchanged' | 'held' | 'suspended' | 'failed';

export function updateResult(outcome: AutomationOutcome): UpdateResult {
  if (outcome.kind === 'unchanged' && outcome.held.length > 0) return 'held';
  return outcome.kind;
}

/** `namespace/name` → its two labels. */
function split(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class ImageMetrics {
  readonly scans: Counter<'namespace' | 'repository' | 'result'>;
  readonly scanDuration: Histogram<'result'>;
  readonly updates: Counter<'namespace' | 'automation' | 'result'>;

  constructor(registers: Registry[]) {
    this.scans = new Counter({
      name: 'mooring_image_scans_total',
      help: 'Registry scans of an ImageRepository (tag list and digests), by result (success, failure).',
      labelNames: ['namespace', 'repository', 'result'],
      registers,
    });
    this.scanDuration = new Histogram({
      name: 'mooring_image_scan_duration_seconds',
      help: 'Duration of one registry scan, by result.',
      labelNames: ['result'],
      buckets: SCAN_BUCKETS,
      registers,
    });
    this.updates = new Counter({
      name: 'mooring_image_updates_total',
      help: 'Runs of an ImageUpdateAutomation, by result (pushed, unchanged, held, suspended, failed).',
      labelNames: ['namespace', 'automation', 'result'],
      registers,
    });
  }

  /** The scan controller's `scanned` callback (`repository` is `namespace/name`). */
  scanned(result: ScanMetrics): void {
    const { namespace, name } = split(result.repository);
    this.scans.inc({ namespace, repository: name, result: result.outcome });
    this.scanDuration.observe({ result: result.outcome }, result.durationMs / 1000);
  }

  /** The automation loop's `onRun` hook. */
  updated(automation: { metadata: { namespace: string; name: string } }, outcome: AutomationOutcome): void {
    const { namespace, name } = automation.metadata;
    this.updates.inc({ namespace, automation: name, result: updateResult(outcome) });
  }

  /** Removes the series of a deleted ImageRepository (`namespace/name`). */
  forgetRepository(key: string): void {
    const { namespace, name } = split(key);
    for (const result of ['success', 'failure']) this.scans.remove({ namespace, repository: name, result });
  }

  /** Removes the series of a deleted ImageUpdateAutomation (`namespace/name`). */
  forgetAutomation(key: string): void {
    const { namespace, name } = split(key);
    for (const result of ['pushed', 'unchanged', 'held', 'suspended', 'failed'] satisfies UpdateResult[])
      this.updates.remove({ namespace, automation: name, result });
  }

  /** The metrics callbacks of the scan controller's sink (see kubeEventSink). */
  scanSink(): Pick<ImageScanSink, 'scanned' | 'forgotten'> {
    return {
      scanned: (result) => {
        this.scanned(result);
      },
      forgotten: (key) => {
        this.forgetRepository(key);
      },
    };
  }
}
