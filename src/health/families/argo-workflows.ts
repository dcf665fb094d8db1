/**
 * Argo Workflows (argoproj.io): a Workflow runs to completion (phase Pending/Running → Succeeded, or
 * Failed/Error); a CronWorkflow is suspended with spec.suspend and reports SpecError / SubmissionError
 * conditions; templates are configuration.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { suspendedBySpec } from '../generic.js';
import { stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade, unknown } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { whenCondition } from './shared.js';

function workflowPhase(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, ['status', 'phase']) ?? '';
  const message = stringAt(obj, ['status', 'message']) ?? '';
  const text = message === '' ? `workflow ${phase}` : `workflow ${phase}: ${message}`;
  switch (phase) {
    case '':
      return progressing('waiting for the workflow controller to start the workflow');
    case 'Pending':
    case 'Running':
      return progressing(text);
    case 'Succeeded':
      return healthy(message);
    case 'Failed':
    case 'Error':
      return degraded(text);
    default:
      return unknown(`workflow phase ${phase}`);
  }
}

export function assessWorkflow(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, suspendedBySpec, workflowPhase], obj, context);
}

const cronChecks: readonly HealthCheck[] = [
  beingDeleted,
  whenCondition('SpecError', 'True', 'Degraded', 'spec error'),
  whenCondition('SubmissionError', 'True', 'Degraded', 'submission error'),
  suspendedBySpec,
];

export function assessCronWorkflow(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(cronChecks, obj, context);
}
