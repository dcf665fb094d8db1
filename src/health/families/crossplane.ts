/**
 * Crossplane: managed resources (any *.crossplane.io / *.upbound.io group), composite resources and claims
 * report Synced and Ready; packages (pkg.crossplane.io Provider, Configuration, Function and revisions)
 * report Installed and Healthy; XRDs report Established and Offered. Configuration kinds (ProviderConfig,
 * Composition, ...) have no status. A paused resource (crossplane.io/paused) is Suspended.
 */
import { groupOf, type KubeObject } from '../../core/objects.js';
import { beingDeleted, staleConditions } from '../common.js';
import { conditionOf, conditionsOf, explainCondition, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade, suspended } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { hasNoStatus, whenCondition } from './shared.js';

/** Kinds that only hold configuration: an empty status is their normal state. */
const CONFIGURATION_KINDS = new Set([
  'ProviderConfig',
  'ClusterProviderConfig',
  'ProviderConfigUsage',
  'ClusterProviderConfigUsage',
  'StoreConfig',
  'Composition',
  'CompositionRevision',
  'DeploymentRuntimeConfig',
  'ControllerConfig',
  'EnvironmentConfig',
  'ImageConfig',
  'Usage',
  'ClusterUsage',
]);

function paused(obj: KubeObject): HealthResult | undefined {
  if (stringAt(obj, ['metadata', 'annotations', 'crossplane.io/paused']) === 'true')
    return suspended('reconciliation paused (crossplane.io/paused)');
  const synced = conditionOf(obj, 'Synced');
  return synced?.reason === 'ReconcilePaused' ? suspended('reconciliation paused') : undefined;
}

function configurationKind(obj: KubeObject): HealthResult | undefined {
  return CONFIGURATION_KINDS.has(obj.kind) && conditionsOf(obj).length === 0 ? healthy() : undefined;
}

function noStatusYet(obj: KubeObject): HealthResult | undefined {
  return hasNoStatus(obj) || conditionsOf(obj).length === 0
    ? progressing('waiting for Crossplane to report status')
    : undefined;
}

/** The provider's last call to the external API failed; Crossplane retries but needs a change to succeed. */
function failed(type: string): HealthCheck {
  return (obj) => {
    const condition = conditionOf(obj, type);
    return condition?.status === 'False'
      ? degraded(`${type} False: ${explainCondition(condition)}`)
      : undefined;
  };
}

/** Ready=False on a managed resource or composite: Creating, Deleting or not yet Available. */
function ready(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Ready');
  if (condition === undefined) return undefined;
  if (condition.status === 'True') return healthy();
  return progressing(`Ready ${condition.status}: ${explainCondition(condition)}`);
}

const resourceChecks: readonly HealthCheck[] = [
  beingDeleted,
  paused,
  configurationKind,
  noStatusYet,
  staleConditions,
  failed('LastAsyncOperation'),
  failed('Synced'),
  failed('Healthy'),
  ready,
  whenCondition('Installed', 'False', 'Progressing', 'installing'),
  whenCondition('Established', 'False', 'Progressing', 'waiting to be established'),
  whenCondition('Offered', 'False', 'Progressing', 'waiting for the claim kind to be offered'),
];

export function assessCrossplane(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(resourceChecks, obj, context);
}

/** Groups served by Crossplane and its providers. */
export function isCrossplaneGroup(apiVersion: string): boolean {
  const group = groupOf(apiVersion);
  return group.endsWith('.crossplane.io') || group === 'crossplane.io' || group.endsWith('.upbound.io');
}
