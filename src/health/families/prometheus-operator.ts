/**
 * Prometheus Operator (monitoring.coreos.com): Prometheus, PrometheusAgent, Alertmanager and ThanosRuler
 * report Available (True; "Degraded" while some replicas are not ready; False when none serves) and Reconciled, and stop with
 * spec.paused; ServiceMonitor, PodMonitor, Probe, PrometheusRule, ScrapeConfig and AlertmanagerConfig are
 * configuration, with per-workload bindings that can refuse them (Accepted=False).
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { suspendedBySpec } from '../generic.js';
import { conditionOf, explainCondition, parseConditions, recordsAt, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthyWithoutStatus, whenCondition } from './shared.js';

/**
 * Available=True: every replica serves. "Degraded" (the operator's third value): some replicas are not ready
 * yet, the rest serve — a rollout or a restart under way. False: no replica serves (NoPodReady), which
 * needs a person (scheduling, storage, config), as Argo CD also judges it.
 */
function available(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Available');
  if (condition === undefined) return progressing('waiting for the operator to report availability');
  const message = `Available ${condition.status}: ${explainCondition(condition)}`;
  switch (condition.status) {
    case 'True':
      return healthy();
    case 'False':
      return degraded(message);
    default:
      return progressing(message);
  }
}

const workloadChecks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  awaitingController('the Prometheus operator'),
  (obj) => generationNotObserved(obj, false),
  whenCondition('Reconciled', 'False', 'Degraded', 'not reconciled'),
  available,
];

/** Prometheus, PrometheusAgent, Alertmanager, ThanosRuler. */
export function assessMonitoringWorkload(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(workloadChecks, obj, context);
}

function refusedBinding(obj: KubeObject): HealthResult | undefined {
  for (const binding of recordsAt(obj, ['status', 'bindings'])) {
    const accepted = parseConditions(recordsAt(binding, ['conditions'])).find(
      (entry) => entry.type === 'Accepted',
    );
    if (accepted?.status === 'False') {
      const name = stringAt(binding, ['name']) ?? '?';
      return degraded(
        `refused by ${stringAt(binding, ['resource']) ?? 'workload'} ${name}: ${explainCondition(accepted)}`,
      );
    }
  }
  return undefined;
}

/** ServiceMonitor, PodMonitor, Probe, PrometheusRule, ScrapeConfig, AlertmanagerConfig. */
export function assessMonitoringConfig(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, healthyWithoutStatus, refusedBinding], obj, context);
}
