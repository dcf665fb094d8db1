/**
 * ingress-nginx canary (as Flagger's nginx provider does it): a copy of the app's Ingress named
 * `<ingress>-canary`, whose backends that were the stable Service become `<service>-canary`, annotated
 * `nginx.ingress.kubernetes.io/canary: "true"` and `canary-weight: "<w>"`. ingress-nginx then sends w% of the
 * requests for the same host and path to the canary. The copy is no object of the app (not tracked, never
 * pruned by a sync); it is deleted when the rollout ends. Pure.
 */
import type { KubeObject } from '../../core/objects.js';
import { untracked } from './services.js';

export const CANARY_ANNOTATION = 'nginx.ingress.kubernetes.io/canary';
export const CANARY_WEIGHT_ANNOTATION = 'nginx.ingress.kubernetes.io/canary-weight';

interface Backend {
  service?: { name: string; port?: Record<string, unknown> };
  [key: string]: unknown;
}

interface IngressShape {
  metadata: KubeObject['metadata'];
  spec?: {
    defaultBackend?: Backend;
    rules?: { http?: { paths?: { backend: Backend }[] } }[];
  } & Record<string, unknown>;
}

function backendsOf(ingress: KubeObject): Backend[] {
  const spec = (ingress as IngressShape).spec;
  return [
    ...(spec?.defaultBackend === undefined ? [] : [spec.defaultBackend]),
    ...(spec?.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => p.backend)),
  ];
}

/** The Services the Ingress sends to. */
export function ingressServices(ingress: KubeObject): string[] {
  return backendsOf(ingress).flatMap((b) => (b.service === undefined ? [] : [b.service.name]));
}

export function canaryIngressName(ingress: string): string {
  return `${ingress}-canary`.slice(0, 253);
}

/** The canary Ingress at `weight`: the stable's spec with its backends renamed, the canary annotations. */
export function canaryIngress(
  ingress: KubeObject,
  services: { stable: string; canary: string },
  weight: number,
  owner?: { uid: string },
): KubeObject {
  const copy = structuredClone(ingress) as KubeObject & IngressShape;
  for (const backend of backendsOf(copy))
    if (backend.service?.name === services.stable) backend.service.name = services.canary;
  const { labels } = untracked(ingress.metadata);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(ingress.metadata.name),
      namespace: ingress.metadata.namespace ?? 'default',
      labels,
      annotations: {
        [CANARY_ANNOTATION]: 'true',
        [CANARY_WEIGHT_ANNOTATION]: String(weight),
      },
      ...(owner === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: 'networking.k8s.io/v1',
                kind: 'Ingress',
                name: ingress.metadata.name,
                uid: owner.uid,
              },
            ],
          }),
    },
    spec: copy.spec ?? {},
  };
}
