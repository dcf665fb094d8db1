/**
 * The ImagePolicy custom resource (mooring.dev/v1alpha1, namespaced): which tag of an ImageRepository (same
 * namespace) is "the latest" — semver range, numerical or alphabetical order over an optional regex capture —
 * and whether its digest is pinned. The scan controller writes the choice to status.latestImage
 * (`name:tag`, or `name:tag@sha256:…` with digestPinning), which the image update automation reads.
 * Flux's ImagePolicy is the anchor (same policy and filterTags shapes, Go `(?P<name>…)` groups accepted). Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import {
  MOORING_API_VERSION,
  celCountSet,
  celMeta,
  countSet,
  localObjectReferenceSchema,
  parseField,
} from './common.js';
import type { CelRule } from './common.js';
import { imageConditionsSchema } from './image-common.js';

export const IMAGE_POLICY_KIND = 'ImagePolicy';
export const IMAGE_POLICY_PLURAL = 'imagepolicies';

/** Bounds of the spec and status. */
export const IMAGE_POLICY_LIMITS = { range: 256, pattern: 256, extract: 256, image: 1024 } as const;
const L = IMAGE_POLICY_LIMITS;

const POLICY_KEYS = ['semver', 'numerical', 'alphabetical'] as const;
const policyOneOf: CelRule = {
  rule: `${celCountSet(POLICY_KEYS)} == 1`,
  message: 'set exactly one of semver, numerical or alphabetical',
};

/** asc picks the highest (last in ascending order), desc the lowest — Flux's meaning. */
const orderSchema = (what: string) =>
  z.enum(['asc', 'desc']).describe(`asc selects the highest ${what}, desc the lowest.`).default('asc');

/** spec.policy: exactly one way of ordering the tags. */
export const imagePolicyChoiceSchema = z
  .object({
    semver: z
      .object({
        range: z
          .string()
          .min(1)
          .max(L.range)
          .describe(
            'A semver range, e.g. ">=1.0.0 <2" or "^1.4". Pre-releases are chosen only when the range names one for the same major.minor.patch, or with includePrerelease.',
          ),
        includePrerelease: z
          .boolean()
          .describe('Consider pre-release tags (1.2.0-rc.1) for every version in the range.')
          .default(false),
      })
      .describe('Select the highest tag that is a semantic version within the range.')
      .optional(),
    numerical: z
      .object({ order: orderSchema('number') })
      .describe('Order the (extracted) tags as numbers.')
      .optional(),
    alphabetical: z
      .object({ order: orderSchema('string') })
      .describe('Order the (extracted) tags as strings, e.g. RFC 3339 timestamps.')
      .optional(),
  })
  .refine((policy) => countSet(policy, POLICY_KEYS) === 1, { message: policyOneOf.message })
  .meta({ description: 'How the latest tag is chosen.', ...celMeta([policyOneOf]) });
export type ImagePolicyChoice = z.infer<typeof imagePolicyChoiceSchema>;

/** spec of an ImagePolicy. */
export const imagePolicySpecSchema = z.object({
  imageRepositoryRef: localObjectReferenceSchema('ImageRepository whose tags are chosen from'),
  policy: imagePolicyChoiceSchema,
  filterTags: z
    .object({
      pattern: z
        .string()
        .min(1)
        .max(L.pattern)
        .describe(
          'Regular expression a tag must match, e.g. "^main-(?P<ts>[0-9]+)-[a-f0-9]+$" (Go "(?P<name>" groups are accepted).',
        ),
      extract: z
        .string()
        .max(L.extract)
        .describe(
          'What is ordered instead of the whole tag: "$ts", "${ts}" or "$1" from the pattern\'s groups.',
        )
        .optional(),
    })
    .describe('Keep only tags matching pattern, and order by a part of them.')
    .optional(),
  digestPinning: z
    .boolean()
    .describe('Resolve the chosen tag to its manifest digest: latestImage becomes name:tag@sha256:….')
    .default(false),
  suspend: z.boolean().describe('Keep the current choice; do not update status.latestImage.').optional(),
});

export type ImagePolicySpec = z.infer<typeof imagePolicySpecSchema>;
export type ImagePolicySpecInput = z.input<typeof imagePolicySpecSchema>;

/** status.latestRef: the chosen image, in parts. */
export const imageRefSchema = z.object({
  name: z.string().max(L.image).describe('The image name of the ImageRepository (spec.image).'),
  tag: z.string().max(128).describe('The chosen tag.'),
  digest: z
    .string()
    .max(100)
    .describe('The manifest digest of the tag (sha256:…), with digestPinning.')
    .optional(),
});
export type ImageRef = z.infer<typeof imageRefSchema>;

/** status of an ImagePolicy, written by the scan controller. */
export const imagePolicyStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: imageConditionsSchema.optional(),
  latestRef: imageRefSchema.optional(),
  latestImage: z
    .string()
    .max(L.image)
    .describe('name:tag, or name:tag@sha256:… with digestPinning: what the update automation writes to Git.')
    .optional(),
  observedPreviousImage: z
    .string()
    .max(L.image)
    .describe('The latestImage before the last change.')
    .optional(),
});
export type ImagePolicyStatus = z.infer<typeof imagePolicyStatusSchema>;

/** A whole ImagePolicy, spec defaulted. */
export interface ImagePolicy extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof IMAGE_POLICY_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: ImagePolicySpec;
  status?: ImagePolicyStatus;
}

/** `name:tag` or `name:tag@digest`: the one string status.latestImage holds. */
export function latestImageOf(ref: ImageRef): string {
  return ref.digest === undefined ? `${ref.name}:${ref.tag}` : `${ref.name}:${ref.tag}@${ref.digest}`;
}

/** Validates an ImagePolicy read from the cluster and fills in defaults; throws INVALID_MANIFEST. */
export function parseImagePolicy(obj: KubeObject): ImagePolicy {
  const subject = `${IMAGE_POLICY_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== IMAGE_POLICY_KIND) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} ${IMAGE_POLICY_KIND}, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  }
  const status = imagePolicyStatusSchema.safeParse(obj.status ?? {});
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: IMAGE_POLICY_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' },
    spec: parseField(imagePolicySpecSchema, obj.spec ?? {}, 'spec', subject),
    ...(status.success ? { status: status.data } : {}),
  };
}
