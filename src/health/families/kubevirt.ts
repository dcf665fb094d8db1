/**
 * KubeVirt (kubevirt.io, cdi.kubevirt.io): a VirtualMachine reports status.printableStatus (Running,
 * Stopped, Paused, Provisioning, ErrorUnschedulable, CrashLoopBackOff, ...) and Ready / Failure / Paused
 * conditions; a VirtualMachineInstance has a pod-like phase; a DataVolume has an import phase.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { conditionOf, explainCondition, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade, suspended, unknown } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, whenCondition } from './shared.js';

/** printableStatus values that need a person: scheduling, image, volume or crash problems. */
const VM_FAILURES = new Set([
  'ErrorUnschedulable',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrorPvcNotFound',
  'ErrorDataVolumeNotFound',
  'DataVolumeError',
  'CrashLoopBackOff',
]);

function vmPrintableStatus(obj: KubeObject): HealthResult | undefined {
  const printable = stringAt(obj, ['status', 'printableStatus']);
  if (printable === undefined) return undefined;
  if (VM_FAILURES.has(printable)) {
    const failure = conditionOf(obj, 'Failure') ?? conditionOf(obj, 'Ready');
    return degraded(failure === undefined ? printable : `${printable}: ${explainCondition(failure)}`);
  }
  switch (printable) {
    case 'Stopped':
      return suspended('virtual machine stopped');
    case 'Paused':
      return suspended('virtual machine paused');
    case 'Running':
      return conditionOf(obj, 'Ready')?.status === 'False'
        ? progressing(
            `running, not ready: ${explainCondition(conditionOf(obj, 'Ready') ?? { type: '', status: '', reason: '', message: '' })}`,
          )
        : healthy();
    default:
      return progressing(`virtual machine ${printable}`);
  }
}

const vmChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('KubeVirt'),
  whenCondition('Failure', 'True', 'Degraded', 'failure'),
  whenCondition('Paused', 'True', 'Suspended', 'paused'),
  vmPrintableStatus,
  whenCondition('Ready', 'True', 'Healthy', ''),
];

export function assessVirtualMachine(obj: KubeObject, context: HealthContext = {}): HealthResult {
  const result = runCascade(vmChecks, obj, context);
  return result.status === 'Healthy' ? healthy() : result;
}

function vmiPhase(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, ['status', 'phase']) ?? '';
  switch (phase) {
    case '':
    case 'Pending':
    case 'Scheduling':
    case 'Scheduled':
      return progressing(`virtual machine instance ${phase === '' ? 'pending' : phase}`);
    case 'Running': {
      const ready = conditionOf(obj, 'Ready');
      return ready?.status === 'False'
        ? progressing(`running, not ready: ${explainCondition(ready)}`)
        : healthy();
    }
    case 'Succeeded':
      // The guest shut down: like a stopped VirtualMachine, nothing runs and nothing is wrong.
      return suspended('virtual machine instance shut down');
    case 'Failed':
      return degraded('virtual machine instance failed');
    default:
      return unknown(`virtual machine instance phase ${phase}`);
  }
}

export function assessVirtualMachineInstance(obj: KubeObject): HealthResult {
  return runCascade(
    [beingDeleted, whenCondition('Paused', 'True', 'Suspended', 'paused'), vmiPhase],
    obj,
    {},
  );
}

function dataVolumePhase(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, ['status', 'phase']) ?? '';
  const progress = stringAt(obj, ['status', 'progress']);
  switch (phase) {
    case 'Succeeded':
      return healthy();
    case 'Failed':
      return degraded(`data volume failed${explainRunning(obj)}`);
    case 'WaitForFirstConsumer':
      return healthy('waiting for a virtual machine to use it (WaitForFirstConsumer)');
    default:
      return progressing(
        `data volume ${phase === '' ? 'pending' : phase}${progress === undefined ? '' : ` (${progress})`}`,
      );
  }
}

function explainRunning(obj: KubeObject): string {
  const running = conditionOf(obj, 'Running');
  return running === undefined ? '' : `: ${explainCondition(running)}`;
}

export function assessDataVolume(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, dataVolumePhase], obj, context);
}
