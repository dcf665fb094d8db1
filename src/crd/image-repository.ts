/**
 * The ImageRepository custom resource (mooring.dev/v1alpha1, namespaced): an image in an OCI registry whose
 * tags the scan controller lists through the distribution API, on an interval and when the registry's
 * webhook says something was pushed. Flux's ImageRepository is the anchor: same field names where the
 * meaning is the same (image, secretRef, certSecretRef, insecure, interval, exclusionList). Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import {
  MOORING_API_VERSION,
  durationSchema,
  localObjectReferenceSchema,
  matchingString,
  parseField,
  timestampSchema,
} from './common.js';
import { imageConditionsSchema } from './image-common.js';

export const IMAGE_REPOSITORY_KIND = 'ImageRepository';
export const IMAGE_REPOSITORY_PLURAL = 'imagerepositories';

/** Bounds of the spec and status (etcd caps an object at 1.5 MiB; CEL needs bounded strings). */
export const IMAGE_REPOSITORY_LIMITS = {
  image: 512,
  patterns: 25,
  pattern: 256,
  /** How many tags status.tags keeps (the newest by the registry's order, see the status field). */
  statusTags: 50,
  tag: 128,
} as const;
const L = IMAGE_REPOSITORY_LIMITS;

/**
 * An image name without tag or digest, as the distribution reference grammar writes it: an optional
 * registry host (a name with a dot or a port, or `localhost`) then lowercase path components. Docker Hub
 * short names (`nginx`, `team/app`) are allowed and mean docker.io. RE2-compatible for the API server.
 */
export const IMAGE_NAME_PATTERN =
  /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]{1,5})?|\[[0-9a-fA-F:]+\](:[0-9]{1,5})?)\/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/;

const patternList = (description: string) =>
  z.array(z.string().min(1).max(L.pattern)).max(L.patterns).describe(description);

/** spec of an ImageRepository. */
export const imageRepositorySpecSchema = z.object({
  image: matchingString(
    IMAGE_NAME_PATTERN,
    'image must be an image name without tag or digest, e.g. registry.example.com:5000/team/app',
    'The image to scan, without tag: registry.example.com/team/app (a name without a registry host means docker.io).',
  )
    .min(1)
    .max(L.image),
  secretRef: localObjectReferenceSchema(
    'Secret of type kubernetes.io/dockerconfigjson (key .dockerconfigjson) holding the registry credentials',
  ).optional(),
  certSecretRef: localObjectReferenceSchema(
    'Secret (as Flux) whose ca.crt (PEM) is the certificate authority the registry is verified against, and whose tls.crt and tls.key (PEM), when present, are the client certificate presented to the registry and its token service (mutual TLS)',
  ).optional(),
  insecure: z
    .boolean()
    .describe(
      'Reach the registry (and its token service) over plain HTTP. Off by default: https only. For test registries.',
    )
    .default(false),
  interval: durationSchema(
    'How often the registry is scanned, e.g. 5m (webhooks scan at once).',
    '10s',
  ).default('5m'),
  timeout: durationSchema('How long one scan may take before it counts as failed.', '1s').default('60s'),
  exclusionList: patternList(
    'Regular expressions: tags matching any of them are ignored (default skips cosign signatures, ^.*\\.sig$).',
  ).default(['^.*\\.sig$']),
  inclusionList: patternList(
    'Regular expressions: when set, only tags matching at least one of them are kept.',
  ).optional(),
  suspend: z.boolean().describe('Stop scanning (the last result stays in status).').optional(),
});

export type ImageRepositorySpec = z.infer<typeof imageRepositorySpecSchema>;
export type ImageRepositorySpecInput = z.input<typeof imageRepositorySpecSchema>;

/** status of an ImageRepository, written by the scan controller. */
export const imageRepositoryStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: imageConditionsSchema.optional(),
  canonicalImageName: z
    .string()
    .max(L.image)
    .describe('The image as the registry is reached: host/path, Docker Hub names expanded.')
    .optional(),
  lastScanTime: timestampSchema('When the last successful scan finished.').optional(),
  lastScanAttemptTime: timestampSchema('When the last scan (successful or not) finished.').optional(),
  tagCount: z
    .int()
    .min(0)
    .describe('How many tags the last successful scan kept (after filters).')
    .optional(),
  tags: z
    .array(z.string().max(L.tag))
    .max(L.statusTags)
    .describe(
      `Up to ${L.statusTags} of the kept tags: the last ones in the registry's listing order (the full list is kept in memory for policies).`,
    )
    .optional(),
  lastScanTrigger: z.enum(['interval', 'webhook', 'spec']).describe('What started the last scan.').optional(),
});
export type ImageRepositoryStatus = z.infer<typeof imageRepositoryStatusSchema>;

/** A whole ImageRepository, spec defaulted. */
export interface ImageRepository extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof IMAGE_REPOSITORY_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: ImageRepositorySpec;
  status?: ImageRepositoryStatus;
}

/** Validates an ImageRepository read from the cluster and fills in defaults; throws INVALID_MANIFEST. */
export function parseImageRepository(obj: KubeObject): ImageRepository {
  const subject = `${IMAGE_REPOSITORY_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== IMAGE_REPOSITORY_KIND) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} ${IMAGE_REPOSITORY_KIND}, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  }
  const status = imageRepositoryStatusSchema.safeParse(obj.status ?? {});
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: IMAGE_REPOSITORY_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' },
    spec: parseField(imageRepositorySpecSchema, obj.spec ?? {}, 'spec', subject),
    // A status someone else damaged is dropped, not fatal: the next scan rewrites it.
    ...(status.success ? { status: status.data } : {}),
  };
}
