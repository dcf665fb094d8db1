/**
 * cert-manager (cert-manager.io): Certificate (Ready, Issuing), CertificateRequest (Ready, Denied,
 * InvalidRequest), Issuer and ClusterIssuer (Ready), as cert-manager documents their conditions.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, staleConditions } from '../common.js';
import { conditionOf, explainCondition } from '../read.js';
import { isProgressReason } from '../reasons.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, readyStrict, whenCondition } from './shared.js';

/** Issuing=True: a new certificate is being requested (first issue or renewal), whatever Ready says. */
const issuing = whenCondition('Issuing', 'True', 'Progressing', 'issuing');

/** Issuing=False with reason Failed: the last attempt failed and cert-manager backs off before retrying. */
function issuanceFailed(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Issuing');
  if (condition?.status !== 'False' || condition.reason !== 'Failed') return undefined;
  return degraded(`issuing failed: ${explainCondition(condition)}`);
}

function certificateReady(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Ready');
  if (condition === undefined) return progressing('waiting for the certificate to be issued');
  if (condition.status === 'True') return healthy(condition.message);
  const message = `Ready ${condition.status}: ${explainCondition(condition)}`;
  return condition.status === 'Unknown' || isProgressReason(condition.reason)
    ? progressing(message)
    : degraded(message);
}

const certificateChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('cert-manager'),
  staleConditions,
  issuanceFailed,
  issuing,
  certificateReady,
];

export function assessCertificate(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(certificateChecks, obj, context);
}

function requestReady(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Ready');
  if (condition === undefined) return progressing('waiting for the issuer to sign the request');
  if (condition.status === 'True') return healthy();
  const message = `Ready ${condition.status}: ${explainCondition(condition)}`;
  return condition.reason === 'Pending' || condition.status === 'Unknown'
    ? progressing(message)
    : degraded(message);
}

const requestChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('cert-manager'),
  whenCondition('Denied', 'True', 'Degraded', 'request denied'),
  whenCondition('InvalidRequest', 'True', 'Degraded', 'invalid request'),
  requestReady,
];

export function assessCertificateRequest(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(requestChecks, obj, context);
}

const issuerChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('cert-manager'),
  staleConditions,
  readyStrict,
  (obj) =>
    conditionOf(obj, 'Ready') === undefined ? progressing('waiting for the issuer to be ready') : undefined,
];

/** Issuer and ClusterIssuer. */
export function assessIssuer(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(issuerChecks, obj, context);
}
