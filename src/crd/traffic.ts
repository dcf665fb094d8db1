/**
 * spec.delivery.trafficRouting: how a canary's weight reaches users. `replicas` (the default) scales the
 * stable and the canary to the step's ratio behind the same Service; `httpRoute` sets the backend weights of a
 * Gateway API HTTPRoute of the app; `nginx` writes ingress-nginx canary annotations on a copy of an Ingress
 * of the app. The routed kinds follow Flagger's gatewayapi and nginx providers: a `<service>-canary` Service
 * selects the canary pods, and the stable Service keeps only the stable pods. Pure.
 */
import { z } from 'zod';

import { celCountSet, celMeta, countSet, objectNameSchema } from './common.js';
import type { CelRule } from './common.js';

export const TRAFFIC_ROUTINGS = ['replicas', 'httpRoute', 'nginx'] as const;
export type TrafficRoutingKind = (typeof TRAFFIC_ROUTINGS)[number];

const routingOneOf: CelRule = {
  rule: `${celCountSet(TRAFFIC_ROUTINGS)} == 1`,
  message: 'set exactly one of replicas, httpRoute or nginx',
};

export const trafficRoutingSchema = z
  .object({
    replicas: z
      .object({})
      .strict()
      .describe('Weights by replica ratio behind the same Service (no router needed).')
      .optional(),
    httpRoute: z
      .object({
        name: objectNameSchema(
          'An HTTPRoute (gateway.networking.k8s.io/v1) of the app, in the destination namespace, that sends to the stable Service.',
        ),
        port: z
          .int()
          .min(1)
          .max(65535)
          .describe('Only the rules that send to this port of the stable Service (default: every such rule).')
          .optional(),
      })
      .describe(
        'Gateway API: the rules that send to the stable Service get a backendRef to <service>-canary, weights 100-w and w.',
      )
      .optional(),
    nginx: z
      .object({
        ingress: objectNameSchema(
          'An Ingress of the app, in the destination namespace, served by ingress-nginx, that sends to the stable Service.',
        ),
      })
      .describe(
        'ingress-nginx: a copy <ingress>-canary that sends to <service>-canary, with nginx.ingress.kubernetes.io/canary-weight.',
      )
      .optional(),
  })
  .refine((r) => countSet(r, TRAFFIC_ROUTINGS) === 1, { message: routingOneOf.message })
  .meta({
    description: 'How the canary weight is applied to traffic (default: replicas).',
    ...celMeta([routingOneOf]),
  });

export type TrafficRouting = z.infer<typeof trafficRoutingSchema>;

/** A CEL rule for the delivery: traffic routing shifts a canary's traffic, so it needs canary steps. */
export const routingNeedsCanary: CelRule = {
  rule: '!has(self.trafficRouting) || has(self.canary)',
  message: 'trafficRouting applies to canary steps: set canary',
};

/** The kind of routing a delivery asks for (absent: replicas). */
export function routingKindOf(routing: TrafficRouting | undefined): TrafficRoutingKind {
  if (routing?.httpRoute !== undefined) return 'httpRoute';
  if (routing?.nginx !== undefined) return 'nginx';
  return 'replicas';
}
