/**
 * spec.delivery of an Application: progressive delivery of one plain Deployment of the app. When a sync would
 * change that Deployment's pod template, the change is rolled out as a canary (replica ratio behind the same
 * Service) or blue-green, with Prometheus analysis at each step; a failed analysis puts traffic back on the
 * stable version and reverts the app's folder in Git (the same mechanism as `mooring rollback`).
 *
 * A section of the Application rather than a separate resource: it is validated, governed by the Project and
 * deleted with the app; the sync that sees the template change is the one that holds it back, with no second
 * object to look up, watch or grant RBAC for. Shapes follow Flagger's Canary (analysis.interval, threshold as
 * failureLimit, metrics with thresholdRange, webhooks with type/url/timeout/metadata). Pure.
 */
import { z } from 'zod';

import { celCountSet, celMeta, countSet, durationSchema, objectNameSchema } from './common.js';
import type { CelRule } from './common.js';
import { routingNeedsCanary, trafficRoutingSchema } from './traffic.js';

/** Built-in metrics (Flagger's names): share of non-5xx requests (percent) and the 99th latency (ms). */
export const BUILTIN_METRICS = ['request-success-rate', 'request-duration'] as const;
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number];

const METRIC_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const metricOneOf: CelRule = {
  rule: `${celCountSet(['builtin', 'query'])} == 1`,
  message: 'set exactly one of builtin or query',
};

export const thresholdRangeSchema = z
  .object({
    min: z.number().describe('Fail when the value is below this.').optional(),
    max: z.number().describe('Fail when the value is above this.').optional(),
  })
  .describe('The range a healthy value stays in (Flagger thresholdRange).');

export const analysisMetricSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(METRIC_NAME_PATTERN, { message: 'must be a lowercase DNS-1123 label' })
      .describe('Shown in status and in the SyncRecord of an abort.'),
    builtin: z
      .enum(BUILTIN_METRICS)
      .describe('request-success-rate (percent of non-5xx) or request-duration (p99, milliseconds).')
      .optional(),
    query: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        'PromQL returning one number; {{app}}, {{namespace}}, {{revision}}, {{interval}} are replaced with escaped values.',
      )
      .optional(),
    thresholdRange: thresholdRangeSchema,
  })
  .refine((m) => countSet(m, ['builtin', 'query']) === 1, { message: metricOneOf.message })
  .meta({ description: 'One check of the analysis.', ...celMeta([metricOneOf]) });

/** Flagger's webhook types that Mooring calls. */
export const WEBHOOK_TYPES = ['pre-rollout', 'rollout', 'confirm-promotion', 'post-rollout'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export const webhookSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(METRIC_NAME_PATTERN, { message: 'must be a lowercase DNS-1123 label' }),
    type: z
      .enum(WEBHOOK_TYPES)
      .describe(
        'pre-rollout: before any traffic reaches the new version (a failure aborts the rollout); rollout: at each step; confirm-promotion: before the stable gets the new version; post-rollout: told after promotion (Flagger types).',
      )
      .default('rollout'),
    url: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\/[^\s@]+$/, { message: 'must be an http(s) URL without user info' })
      .describe("Receives a POST of Flagger's payload; a 2xx answer passes the gate."),
    timeout: durationSchema('How long to wait for the answer.', undefined, 32).default('10s'),
    metadata: z
      .record(z.string().max(253), z.string().max(4096))
      .describe("Sent as the payload's metadata.")
      .optional(),
  })
  .describe("An HTTP gate in the shape of Flagger's webhooks.");

export const analysisSchema = z
  .object({
    interval: durationSchema(
      'Time between checks (and the range of the built-in queries).',
      '1s',
      32,
    ).default('1m'),
    failureLimit: z
      .int()
      .min(0)
      .max(100)
      .describe('Failed checks tolerated; one more aborts the rollout (Flagger threshold).')
      .default(1),
    minSampleSize: z
      .number()
      .min(0)
      .describe('Canary requests needed in an interval before metrics count; below it the step waits.')
      .default(10),
    prometheus: z
      .object({
        address: z
          .string()
          .min(1)
          .max(2048)
          .regex(/^https?:\/\/[^\s@]+$/, { message: 'must be an http(s) URL without user info' })
          .describe('Prometheus base URL, e.g. http://prometheus.monitoring:9090.'),
      })
      .describe('Where metrics are read.'),
    metrics: z.array(analysisMetricSchema).max(20).describe('Checks; all must pass.').default([]),
    webhooks: z.array(webhookSchema).max(20).optional(),
  })
  .describe('How each step is judged.');

export const canaryStepSchema = z
  .object({
    weight: z
      .int()
      .min(1)
      .max(100)
      .describe('Percent of the traffic on the canary (of the replicas, by default).'),
    pause: durationSchema(
      'Time at this weight before the analysis of the step counts.',
      undefined,
      32,
    ).default('0s'),
  })
  .describe('One step of a canary.');

const distinctServices: CelRule = {
  rule: 'self.activeService != self.previewService',
  message: 'activeService and previewService must be two different Services',
};

/**
 * Blue-green in Argo Rollouts' words (activeService, previewService, autoPromotionEnabled, a scale-down delay
 * of 30s by default): the new version runs at full size beside the old one, reached by the preview Service
 * only; after the analysis (and, with autoPromotionEnabled false, `mooring promote`) the active Service's
 * selector switches to it; the old version is kept for scaleDownDelay, then replaced.
 */
export const blueGreenSchema = z
  .object({
    activeService: objectNameSchema(
      'The Service users reach (a Service of the app); its selector switches on promotion.',
    ),
    previewService: objectNameSchema(
      'The Service (of the app) that reaches only the new version before promotion.',
    ),
    autoPromotionEnabled: z
      .boolean()
      .describe('false: after the analysis passes, the switch waits for mooring promote (Argo Rollouts).')
      .default(true),
    scaleDownDelay: durationSchema(
      'How long the old version is kept after the switch (an abort then switches back at once).',
      undefined,
      32,
    ).default('30s'),
  })
  .refine((b) => b.activeService !== b.previewService, { message: distinctServices.message })
  .meta({
    description: 'Blue-green: the new version beside the old one behind a preview Service, then a switch.',
    ...celMeta([distinctServices]),
  });

const strategyOneOf: CelRule = {
  rule: `${celCountSet(['canary', 'blueGreen'])} == 1`,
  message: 'set exactly one of canary or blueGreen',
};

export const deliverySchema = z
  .object({
    target: objectNameSchema(
      'The Deployment of the app (in the destination namespace) delivered progressively.',
    ),
    canary: z
      .object({
        steps: z
          .array(canaryStepSchema)
          .min(1)
          .max(20)
          .describe('Weights in order; the last need not be 100.'),
      })
      .describe('Canary: the new template beside the stable, traffic moved in steps (see trafficRouting).')
      .optional(),
    blueGreen: blueGreenSchema.optional(),
    trafficRouting: trafficRoutingSchema.optional(),
    analysis: analysisSchema,
  })
  .refine((d) => countSet(d, ['canary', 'blueGreen']) === 1, { message: strategyOneOf.message })
  .refine((d) => d.trafficRouting === undefined || d.canary !== undefined, {
    message: routingNeedsCanary.message,
  })
  .meta({
    description: 'Progressive delivery of one Deployment of the app.',
    ...celMeta([strategyOneOf, routingNeedsCanary]),
  });

export type DeliverySpec = z.infer<typeof deliverySchema>;
export type AnalysisSpec = z.infer<typeof analysisSchema>;
export type AnalysisMetric = z.infer<typeof analysisMetricSchema>;
export type CanaryStep = z.infer<typeof canaryStepSchema>;
export type BlueGreenSpec = z.infer<typeof blueGreenSchema>;
export type WebhookSpec = z.infer<typeof webhookSchema>;

export const DELIVERY_PHASES = ['Progressing', 'Waiting', 'Promoting', 'Succeeded', 'Aborted'] as const;
export type DeliveryPhase = (typeof DELIVERY_PHASES)[number];

export const BLUE_GREEN_STAGES = ['Preview', 'AwaitingPromotion', 'Switched', 'ScalingDown'] as const;
export type BlueGreenStage = (typeof BLUE_GREEN_STAGES)[number];

/** status.delivery: where the rollout stands, each metric's last value and the last decision. */
export const deliveryStatusSchema = z
  .object({
    phase: z
      .enum(DELIVERY_PHASES)
      .describe('Absent until the first rollout (stableTemplateHash alone is recorded at the first sync).')
      .optional(),
    revision: z.string().describe('The commit being rolled out.').optional(),
    step: z.int().min(0).describe('Index of the current step (canary).').optional(),
    canaryWeight: z
      .int()
      .min(0)
      .max(100)
      .describe('Percent of the traffic on the new version (of the replicas, by default).')
      .optional(),
    failedChecks: z.int().min(0).optional(),
    metrics: z
      .array(
        z.object({
          name: z.string(),
          value: z.number().optional(),
          result: z.enum(['Passed', 'Failed', 'NoData', 'LowTraffic']),
          message: z.string().optional(),
        }),
      )
      .optional(),
    message: z.string().describe('The last decision, in a sentence.').optional(),
    stepStartedAt: z.string().describe('When the current step started (RFC 3339).').optional(),
    templateHash: z
      .string()
      .max(64)
      .describe('Hash of the pod template being rolled out: a restarted controller resumes this rollout.')
      .optional(),
    stableRevision: z
      .string()
      .max(64)
      .describe('The commit the stable version came from: what an abort reverts to.')
      .optional(),
    stableTemplateHash: z
      .string()
      .max(64)
      .describe(
        'Hash of the stable template annotation the controller last wrote on the Deployment: another one is refused.',
      )
      .optional(),
    blueGreen: z
      .object({
        stage: z
          .enum(BLUE_GREEN_STAGES)
          .describe(
            'Preview: analysis of the new version; AwaitingPromotion: passed, waiting for mooring promote; Switched: users on the new version, the old one kept; ScalingDown: the Deployment takes the new template.',
          ),
        activeRevision: z.string().describe('The commit the active Service reaches.').optional(),
        previewRevision: z.string().describe('The commit the preview Service reaches.').optional(),
        activeSelector: z
          .record(z.string(), z.string())
          .describe('The active Service selector set.')
          .optional(),
        previewSelector: z
          .record(z.string(), z.string())
          .describe('The preview Service selector set.')
          .optional(),
        scaleDownAt: z.string().describe('When the old version goes (RFC 3339), once switched.').optional(),
      })
      .describe('Blue-green: which version each Service reaches.')
      .optional(),
  })
  .describe('Progressive delivery (spec.delivery) state.');
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;
