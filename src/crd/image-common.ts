/**
 * Pieces shared by the image automation resources (ImageRepository, ImagePolicy): their condition shape and
 * the conditions helper. Kept apart from the Application's conditions, whose types are a closed enum. Pure.
 */
import { z } from 'zod';

import { conditionSchemaOf } from './common.js';

/** The condition types of ImageRepository and ImagePolicy, in the order people read them. */
export const IMAGE_CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled'] as const;
export type ImageConditionType = (typeof IMAGE_CONDITION_TYPES)[number];

/** One condition, shaped like metav1.Condition (`kubectl wait --for=condition=Ready` reads it). */
export const imageConditionSchema = conditionSchemaOf(IMAGE_CONDITION_TYPES);
export type ImageCondition = z.infer<typeof imageConditionSchema>;

/** The conditions list of an image resource's status: one entry per type. */
export const imageConditionsSchema = z
  .array(imageConditionSchema)
  .max(8)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/** What the scan controller decides for one condition; setImageConditions adds the times and generation. */
export interface ImageConditionUpdate {
  type: ImageConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * The conditions after applying `updates`: lastTransitionTime moves only when a type's status changes,
 * types not updated are kept, and the list is ordered as IMAGE_CONDITION_TYPES so identical writes stay
 * identical (the status writer can skip them).
 */
export function setImageConditions(
  previous: readonly ImageCondition[] | undefined,
  updates: readonly ImageConditionUpdate[],
  observedGeneration: number,
  now: Date,
): ImageCondition[] {
  const byType = new Map<ImageConditionType, ImageCondition>();
  for (const condition of previous ?? []) byType.set(condition.type, condition);
  for (const update of updates) {
    const before = byType.get(update.type);
    const lastTransitionTime =
      before?.status === update.status ? before.lastTransitionTime : now.toISOString();
    byType.set(update.type, { ...update, lastTransitionTime, observedGeneration });
  }
  return IMAGE_CONDITION_TYPES.flatMap((type) => {
    const condition = byType.get(type);
    return condition === undefined ? [] : [condition];
  });
}
