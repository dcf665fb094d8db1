/**
 * Rules for the custom-resource families operators run most, by `group/kind`, then by group for families
 * that span many groups (Crossplane providers, Cluster API providers, Knative, Istio config). Each family's
 * file says which documented status shape it reads.
 */
import { groupOf, type KubeObject } from '../../core/objects.js';
import type { HealthContext, HealthResult } from '../types.js';
import { assessArgoApplication, assessApplicationSet } from './argocd.js';
import { assessAnalysisRun, assessExperiment, assessRollout } from './argo-rollouts.js';
import { assessCronWorkflow, assessWorkflow } from './argo-workflows.js';
import { assessCertificate, assessCertificateRequest, assessIssuer } from './cert-manager.js';
import { assessClusterApi, isClusterApiGroup } from './cluster-api.js';
import { assessCrossplane, isCrossplaneGroup } from './crossplane.js';
import { assessExternalSecrets } from './external-secrets.js';
import { assessCanary } from './flagger.js';
import { assessFlux } from './flux.js';
import { assessGateway, assessGatewayClass, assessRoute } from './gateway-api.js';
import { assessIstioConfig, assessIstioOperator, assessSail } from './istio.js';
import { assessScaled, assessTriggerAuthentication } from './keda.js';
import { assessKnative } from './knative.js';
import { assessInferenceService, assessServingRuntime } from './kserve.js';
import { assessDataVolume, assessVirtualMachine, assessVirtualMachineInstance } from './kubevirt.js';
import { assessMooringApplication } from './mooring.js';
import { assessMonitoringConfig, assessMonitoringWorkload } from './prometheus-operator.js';
import { assessRabbitmqCluster, assessRabbitmqTopology } from './rabbitmq.js';
import { assessStrimzi } from './strimzi.js';

export type Assess = (obj: KubeObject, context: HealthContext) => HealthResult;

const GATEWAY = 'gateway.networking.k8s.io';
const FLUX_KINDS: readonly [string, string][] = [
  ['source.toolkit.fluxcd.io', 'GitRepository'],
  ['source.toolkit.fluxcd.io', 'OCIRepository'],
  ['source.toolkit.fluxcd.io', 'HelmRepository'],
  ['source.toolkit.fluxcd.io', 'HelmChart'],
  ['source.toolkit.fluxcd.io', 'Bucket'],
  ['kustomize.toolkit.fluxcd.io', 'Kustomization'],
  ['helm.toolkit.fluxcd.io', 'HelmRelease'],
  ['notification.toolkit.fluxcd.io', 'Receiver'],
  ['image.toolkit.fluxcd.io', 'ImageRepository'],
  ['image.toolkit.fluxcd.io', 'ImagePolicy'],
  ['image.toolkit.fluxcd.io', 'ImageUpdateAutomation'],
];

const byGroupKind = new Map<string, Assess>([
  ['argoproj.io/Rollout', assessRollout],
  ['argoproj.io/AnalysisRun', assessAnalysisRun],
  ['argoproj.io/Experiment', assessExperiment],
  ['argoproj.io/Application', assessArgoApplication],
  ['argoproj.io/ApplicationSet', assessApplicationSet],
  ['argoproj.io/Workflow', assessWorkflow],
  ['argoproj.io/CronWorkflow', assessCronWorkflow],
  ['flagger.app/Canary', assessCanary],
  ['cert-manager.io/Certificate', assessCertificate],
  ['cert-manager.io/CertificateRequest', assessCertificateRequest],
  ['cert-manager.io/Issuer', assessIssuer],
  ['cert-manager.io/ClusterIssuer', assessIssuer],
  ...['ExternalSecret', 'ClusterExternalSecret', 'SecretStore', 'ClusterSecretStore', 'PushSecret'].map(
    (kind): [string, Assess] => [`external-secrets.io/${kind}`, assessExternalSecrets],
  ),
  ['keda.sh/ScaledObject', assessScaled],
  ['keda.sh/ScaledJob', assessScaled],
  ['keda.sh/TriggerAuthentication', assessTriggerAuthentication],
  ['keda.sh/ClusterTriggerAuthentication', assessTriggerAuthentication],
  [`${GATEWAY}/Gateway`, assessGateway],
  [`${GATEWAY}/GatewayClass`, assessGatewayClass],
  ...['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'].map((kind): [string, Assess] => [
    `${GATEWAY}/${kind}`,
    assessRoute,
  ]),
  ...FLUX_KINDS.map(([group, kind]): [string, Assess] => [`${group}/${kind}`, assessFlux]),
  ['rabbitmq.com/RabbitmqCluster', assessRabbitmqCluster],
  ['kubevirt.io/VirtualMachine', assessVirtualMachine],
  ['kubevirt.io/VirtualMachineInstance', assessVirtualMachineInstance],
  ['cdi.kubevirt.io/DataVolume', assessDataVolume],
  ['serving.kserve.io/InferenceService', assessInferenceService],
  ['serving.kserve.io/InferenceGraph', assessInferenceService],
  ['serving.kserve.io/TrainedModel', assessInferenceService],
  ['serving.kserve.io/ServingRuntime', assessServingRuntime],
  ['serving.kserve.io/ClusterServingRuntime', assessServingRuntime],
  ['install.istio.io/IstioOperator', assessIstioOperator],
  ...['Prometheus', 'PrometheusAgent', 'Alertmanager', 'ThanosRuler'].map((kind): [string, Assess] => [
    `monitoring.coreos.com/${kind}`,
    assessMonitoringWorkload,
  ]),
  ...['ServiceMonitor', 'PodMonitor', 'Probe', 'PrometheusRule', 'ScrapeConfig', 'AlertmanagerConfig'].map(
    (kind): [string, Assess] => [`monitoring.coreos.com/${kind}`, assessMonitoringConfig],
  ),
  ['mooring.dev/Application', assessMooringApplication],
]);

const ISTIO_CONFIG_GROUPS = new Set([
  'networking.istio.io',
  'security.istio.io',
  'telemetry.istio.io',
  'extensions.istio.io',
]);

/** Families recognised by group alone. */
function byGroup(apiVersion: string): Assess | undefined {
  const group = groupOf(apiVersion);
  if (isCrossplaneGroup(apiVersion)) return assessCrossplane;
  if (isClusterApiGroup(apiVersion)) return assessClusterApi;
  if (group.endsWith('.knative.dev')) return assessKnative;
  if (group === 'kafka.strimzi.io' || group === 'core.strimzi.io') return assessStrimzi;
  if (group === 'rabbitmq.com') return assessRabbitmqTopology;
  if (group === 'sailoperator.io') return assessSail;
  if (ISTIO_CONFIG_GROUPS.has(group)) return assessIstioConfig;
  return undefined;
}

/** The family rule for an object's kind, or undefined when no family knows it. */
export function familyRule(obj: KubeObject): Assess | undefined {
  return byGroupKind.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? byGroup(obj.apiVersion);
}
