/**
 * The Services of a routed canary (Flagger's shape): the stable Service of the app keeps only the stable pods
 * (its selector gains `mooring.dev/track: stable`, and so do the stable's pods), and `<service>-canary`
 * selects the canary pods. Which Service is the stable one is read from where the route sends traffic: the
 * backend Service of the HTTPRoute or Ingress that selects the target's pods. Pure.
 */
import { MooringError } from '../../core/errors.js';
import type { KubeObject } from '../../core/objects.js';
import type { PlannedObject } from '../../plan/types.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from '../../plan/tracking.js';
import { TRACK_LABEL } from '../hold.js';

/** A Service name is a DNS-1035 label: at most 63 characters. */
const SERVICE_NAME_MAX = 63;

interface ServiceShape {
  metadata: { labels?: Record<string, string> };
  spec?: { selector?: Record<string, string>; ports?: Record<string, unknown>[]; type?: string };
}

export function canaryServiceName(service: string): string {
  const name = `${service}-canary`;
  if (name.length > SERVICE_NAME_MAX)
    throw new MooringError('INVALID_MANIFEST', `Service name ${name} would be longer than 63 characters`, {
      step: 'validate',
      retry: 'terminal',
      subject: `Service/${service}`,
      hint: 'give the stable Service a name of at most 56 characters',
    });
  return name;
}

/** The planned object of a kind and name in the namespace. */
export function plannedOf(
  planned: Iterable<PlannedObject>,
  group: string,
  kind: string,
  namespace: string,
  name: string,
): PlannedObject | undefined {
  for (const p of planned)
    if (
      p.ref.group === group &&
      p.ref.kind === kind &&
      p.ref.namespace === namespace &&
      p.ref.name === name &&
      p.hookDeletePolicies === undefined
    )
      return p;
  return undefined;
}

/** Whether a Service's selector (less the track key Mooring adds) picks pods with these labels. */
export function selects(service: KubeObject, podLabels: Readonly<Record<string, string>>): boolean {
  const selector = Object.entries((service as ServiceShape).spec?.selector ?? {}).filter(
    ([k]) => k !== TRACK_LABEL,
  );
  return selector.length > 0 && selector.every(([k, v]) => podLabels[k] === v);
}

/**
 * The stable Service: among the Services `backends` names, the one of the app that selects the target's pods.
 * `router` names the route or Ingress for the error messages.
 */
export function stableServiceOf(
  planned: Iterable<PlannedObject>,
  namespace: string,
  backends: readonly string[],
  podLabels: Readonly<Record<string, string>>,
  router: string,
  target: string,
): PlannedObject {
  const list = [...planned];
  const found = [...new Set(backends)]
    .map((name) => plannedOf(list, '', 'Service', namespace, name))
    .filter((p): p is PlannedObject => p !== undefined && selects(p.object, podLabels));
  const only = found[0];
  if (only !== undefined && found.length === 1) return only;
  throw new MooringError(
    'INVALID_MANIFEST',
    found.length === 0
      ? `${router} sends to no Service of the app that selects the pods of Deployment ${target} (backends: ${backends.join(', ') || 'none'})`
      : `${router} sends to several Services that select the pods of Deployment ${target}: ${found.map((p) => p.ref.name).join(', ')}`,
    {
      step: 'validate',
      retry: 'terminal',
      subject: router,
      hint: 'spec.delivery.trafficRouting needs one backend Service of the app whose selector matches the target Deployment’s pod labels',
    },
  );
}

/** Adds the stable track to a Service's selector (in place): it then skips the canary's pods. */
export function selectStableTrack(service: KubeObject): void {
  const s = service as ServiceShape;
  s.spec = { ...s.spec, selector: { ...s.spec?.selector, [TRACK_LABEL]: 'stable' } };
}

/** `<service>-canary`: the stable Service's ports, selecting the canary's pods; owned by the stable Service. */
export function canaryService(stable: KubeObject, live: KubeObject | undefined): KubeObject {
  const s = stable as ServiceShape & KubeObject;
  const selector = Object.fromEntries(
    Object.entries(s.spec?.selector ?? {}).filter(([k]) => k !== TRACK_LABEL),
  );
  const labels = Object.fromEntries(
    Object.entries(s.metadata.labels ?? {}).filter(([k]) => k !== TRACKING_LABEL),
  );
  const ports = (s.spec?.ports ?? []).map((p) =>
    Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'nodePort')),
  );
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: canaryServiceName(s.metadata.name),
      namespace: s.metadata.namespace ?? 'default',
      labels: { ...labels, [TRACK_LABEL]: 'canary' },
      ...(live?.metadata.uid === undefined
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Service', name: live.metadata.name, uid: live.metadata.uid },
            ],
          }),
    },
    spec: { type: 'ClusterIP', ports, selector: { ...selector, [TRACK_LABEL]: 'canary' } },
  };
}

/** Labels and annotations of a copied object, without Mooring's tracking (the copy is no object of the app). */
export function untracked(meta: KubeObject['metadata']): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return {
    labels: Object.fromEntries(Object.entries(meta.labels ?? {}).filter(([k]) => k !== TRACKING_LABEL)),
    annotations: Object.fromEntries(
      Object.entries(meta.annotations ?? {}).filter(([k]) => k !== TRACKING_ANNOTATION),
    ),
  };
}
