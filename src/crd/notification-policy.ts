/**
 * The NotificationPolicy custom resource (mooring.dev/v1alpha1, namespaced): which Applications, which
 * events, where to send them, how to group bursts and limit repeats. Its status is where the controller
 * keeps what it last sent per app (so a restart re-sends nothing) and how each sink is doing. A policy
 * outside the controller namespace only ever sees the Applications of its own namespace; its sinks read
 * Secrets of its own namespace. The zod schema is the type, the CRD schema and the validation. Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import {
  durationSchema,
  MOORING_API_VERSION,
  objectNameSchema,
  parseField,
  timestampSchema,
} from './common.js';

export const NOTIFICATION_POLICY_KIND = 'NotificationPolicy';
export const NOTIFICATION_POLICY_PLURAL = 'notificationpolicies';

/** The events a policy can ask for. */
export const NOTIFY_EVENTS = [
  'sync-succeeded',
  'sync-failed',
  'health-degraded',
  'recovered',
  'drift-detected',
  'drift-corrected',
  'rollback',
  'out-of-sync',
  'image-updated',
  'image-held',
  'rollout-started',
  'rollout-promoted',
  'rollout-aborted',
] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

/** The kinds of sink. */
export const SINK_TYPES = [
  'webhook',
  'slack',
  'teams',
  'github',
  'gitlab',
  'gitea',
  'kubernetes-events',
] as const;
export type SinkType = (typeof SINK_TYPES)[number];

const secretKeyRefSchema = z
  .object({
    name: objectNameSchema('Name of the Secret, in the policy namespace.'),
  })
  .describe(
    'A Secret in the policy namespace. Keys read: url (webhook, slack, teams), token (slack bot, github, gitlab, gitea), secret (webhook HMAC), channel (slack bot).',
  );

const sinkSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a DNS-1123 label' })
      .describe('Name of the sink, unique in the policy (status reports per sink).'),
    type: z.enum(SINK_TYPES),
    secretRef: secretKeyRefSchema.optional(),
    apiURL: z
      .string()
      .max(2048)
      .describe(
        'API base URL (github: https://api.github.com, gitlab: https://gitlab.com/api/v4, gitea: https://gitea.example.com/api/v1; slack bot: https://slack.com/api).',
      )
      .optional(),
    repository: z
      .string()
      .max(512)
      .describe('Commit status sinks: owner/repo (github, gitea) or the project id or path (gitlab).')
      .optional(),
  })
  .describe('Where messages go. Credentials and URLs come from the Secret, never from the policy.');

const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
  })
  .describe('Applications whose labels include all of these.');

/** spec of a NotificationPolicy. */
export const notificationPolicySpecSchema = z.object({
  selector: z
    .object({
      namespaces: z
        .array(z.string().min(1).max(63))
        .describe('Application namespaces (only honoured in the controller namespace; elsewhere: its own).')
        .optional(),
      names: z.array(z.string().min(1).max(253)).describe('Application names (any if empty).').optional(),
      labelSelector: labelSelectorSchema.optional(),
    })
    .describe('Which Applications (default: every Application of the policy namespace).')
    .default({}),
  events: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1)
    .describe(
      'Events to send. out-of-sync: an app OutOfSync for longer than outOfSyncAfter. image-updated / image-held: an ImageUpdateAutomation committed new images for the app, or left them out while a rollback holds it. rollout-started / -promoted / -aborted: a progressive delivery (spec.delivery) of the app.',
    ),
  outOfSyncAfter: durationSchema('How long an app stays OutOfSync before out-of-sync is sent.', '1s').default(
    '10m',
  ),
  sinks: z.array(sinkSchema).min(1).max(16),
  groupWindow: durationSchema(
    'Events of the same kind and commit within this window become one message.',
    '0s',
  ).default('10s'),
  rateLimit: z
    .object({
      messages: z.int().min(1).max(10000).default(20),
      per: durationSchema('The period.', '1s').default('1h'),
    })
    .describe(
      'At most this many messages per period; the rest are counted into the next one ("and 12 more").',
    )
    .default({ messages: 20, per: '1h' }),
});

export type NotificationPolicySpec = z.infer<typeof notificationPolicySpecSchema>;
export type NotificationSink = NotificationPolicySpec['sinks'][number];

/** What was last sent for one app (the state decideNotifications reads), kept in the policy status. */
export const appNotifyStateSchema = z.object({
  app: z.string().describe('namespace/name'),
  sync: z.enum(['Succeeded', 'Failed']).optional(),
  revision: z.string().optional(),
  health: z.string().optional(),
  outOfSyncSince: z.string().optional(),
  outOfSyncSent: z.boolean().optional(),
  drift: z.string().describe('Fingerprint of the drift last reported.').optional(),
  image: z.string().describe('Fingerprint of the image update last reported.').optional(),
  rollout: z.string().describe('The rollout event last reported (event:revision).').optional(),
  imageHeld: z
    .string()
    .describe('Fingerprint of the image hold last reported (removed when it ends).')
    .optional(),
  messages: z
    .array(z.object({ sink: z.string(), revision: z.string(), ts: z.string(), channel: z.string() }))
    .describe('Slack messages to update in place for the same sync.')
    .optional(),
  updatedAt: z.string().optional(),
});
export type AppNotifyState = z.infer<typeof appNotifyStateSchema>;

const sinkStatusSchema = z.object({
  name: z.string(),
  delivered: z.int().min(0).optional(),
  failed: z.int().min(0).optional(),
  lastDelivery: timestampSchema('When a message was last delivered.').optional(),
  lastError: z.string().optional(),
  lastErrorTime: timestampSchema('When delivery last failed.').optional(),
});

export const notificationPolicyStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    apps: z.array(appNotifyStateSchema).describe('What was last sent per app (bounded).').optional(),
    sinks: z.array(sinkStatusSchema).optional(),
    rate: z
      .object({ windowStart: z.string(), sent: z.int().min(0), suppressed: z.int().min(0) })
      .describe('The rate limit window in progress.')
      .optional(),
    message: z.string().describe('Why the policy is not in use, when it is not.').optional(),
  })
  .describe('What the controller last sent, and how each sink is doing.');
export type NotificationPolicyStatus = z.infer<typeof notificationPolicyStatusSchema>;

/** A whole NotificationPolicy, spec defaulted. */
export interface NotificationPolicy extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof NOTIFICATION_POLICY_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: NotificationPolicySpec;
  status?: NotificationPolicyStatus;
}

/** Validates a NotificationPolicy read from the cluster and fills in defaults; throws INVALID_MANIFEST. */
export function parseNotificationPolicy(obj: KubeObject): NotificationPolicy {
  const subject = `${NOTIFICATION_POLICY_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== NOTIFICATION_POLICY_KIND) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} ${NOTIFICATION_POLICY_KIND}, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  }
  const status = notificationPolicyStatusSchema.safeParse(obj.status ?? {});
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: NOTIFICATION_POLICY_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' },
    spec: parseField(notificationPolicySpecSchema, obj.spec ?? {}, 'spec', subject),
    ...(status.success ? { status: status.data } : {}),
  };
}
