import type { KubeObject } from '../core/objects.js';
import { isRecord } from '../core/objects.js';

/**
 * Hides Secret values in a pair of objects before they are shown: equal values become the same mask,
 * different ones different masks, so a reader sees that a key changed but never its value. Pure.
 */
export function maskSecretPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const kind = after?.kind ?? before?.kind;
  if (kind !== 'Secret') return [before, after];
  const masks = new Map<string, string>();
  const maskOf = (value: unknown): string => {
    const key = JSON.stringify(value);
    let mask = masks.get(key);
    if (mask === undefined) {
      mask = `*** (value ${masks.size + 1}, hidden)`;
      masks.set(key, mask);
    }
    return mask;
  };
  return [maskValues(before, maskOf), maskValues(after, maskOf)];
}

function maskValues(obj: KubeObject | undefined, maskOf: (value: unknown) => string): KubeObject | undefined {
  if (obj === undefined) return undefined;
  const out: KubeObject = { ...obj };
  for (const field of ['data', 'stringData']) {
    const values = obj[field];
    if (isRecord(values))
      out[field] = Object.fromEntries(Object.keys(values).map((k) => [k, maskOf(values[k])]));
  }
  const lastApplied = obj.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (lastApplied !== undefined) {
    out.metadata = {
      ...obj.metadata,
      annotations: {
        ...obj.metadata.annotations,
        'kubectl.kubernetes.io/last-applied-configuration': '*** (hidden)',
      },
    };
  }
  return out;
}

/** What a hidden Secret value is shown as. */
export const HIDDEN_VALUE = '*** (hidden)';

/** A Secret with the values of data/stringData (and kubectl's last-applied copy) hidden; any other object as is. Pure. */
export function maskSecretObject(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  return maskValues(obj, () => HIDDEN_VALUE) ?? obj;
}

/**
 * `value` with every Secret found anywhere in it masked (maskSecretObject): for reports that embed
 * objects at any depth (planned objects, dry-run results, lists). Pure; the input is not changed.
 */
export function maskSecretsDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecretsDeep);
  if (!isRecord(value)) return value;
  const masked = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecretsDeep(v)]));
  return masked.kind === 'Secret' && isRecord(masked.metadata)
    ? maskSecretObject(masked as unknown as KubeObject)
    : masked;
}
