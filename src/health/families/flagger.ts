/**
 * Flagger Canary (flagger.app): status.phase through Initializing → Initialized → Progressing/Promoting/
 * Finalising → Succeeded, or Failed; spec.suspend pauses it.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { suspendedBySpec } from '../generic.js';
import { conditionOf, explainCondition, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade, unknown } from '../result.js';
import type { HealthContext, HealthResult } from '../types.js';
import { awaitingController } from './shared.js';

function canaryPhase(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, ['status', 'phase']) ?? '';
  const promoted = conditionOf(obj, 'Promoted');
  const why = promoted === undefined ? '' : `: ${explainCondition(promoted)}`;
  switch (phase) {
    case 'Initialized':
    case 'Succeeded':
      return healthy();
    case 'Failed':
      return degraded(`canary analysis failed${why}`);
    case 'Initializing':
    case 'Waiting':
    case 'Progressing':
    case 'WaitingPromotion':
    case 'Promoting':
    case 'Finalising':
    case 'Terminating':
      return progressing(`canary ${phase}${why}`);
    case 'Terminated':
      return healthy('canary terminated');
    default:
      return unknown(`canary phase ${phase === '' ? 'unset' : phase}`);
  }
}

export function assessCanary(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(
    [beingDeleted, suspendedBySpec, awaitingController('Flagger'), canaryPhase],
    obj,
    context,
  );
}
