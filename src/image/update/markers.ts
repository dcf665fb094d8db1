/**
 * Setter markers: the YAML comments that say which field an image policy sets. Pure.
 *
 * - Flux's form, kept as is: `# {"$imagepolicy": "<namespace>:<policy>"}` with an optional `:tag`, `:name` or
 *   `:digest` suffix.
 * - Mooring's form: `# mooring:image <namespace>/<policy>` with the same optional suffixes; the namespace may be
 *   left out (`# mooring:image <policy>`), meaning the automation's own namespace.
 */

/** Which part of the policy's chosen image a marked field receives. */
export type MarkerField = 'image' | 'tag' | 'name' | 'digest';

/** One parsed marker: the policy it names and the part of the image it sets. */
export interface Marker {
  namespace: string;
  policy: string;
  field: MarkerField;
}

const FLUX_MARKER = /\{\s*"\$imagepolicy"\s*:\s*"([^"]*)"\s*\}/;
const MOORING_MARKER = /(?:^|\s)mooring:image\s+(\S+)/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SUFFIXES = new Set<MarkerField>(['tag', 'name', 'digest']);

/**
 * Reads the marker in a comment (as the yaml package gives it, without the `#`), or undefined when the
 * comment holds none. A comment that looks like a marker but names no valid policy gives `{ invalid }`.
 */
export function parseMarker(
  comment: string | null | undefined,
  defaultNamespace: string,
): Marker | { invalid: string } | undefined {
  if (comment === null || comment === undefined) return undefined;
  const flux = FLUX_MARKER.exec(comment);
  if (flux !== null) return fromParts((flux[1] ?? '').split(':'), comment);
  const mooring = MOORING_MARKER.exec(comment);
  if (mooring === null) return undefined;
  const [ref = '', suffix, ...extra] = (mooring[1] ?? '').split(':');
  const slash = ref.indexOf('/');
  const parts = slash < 0 ? [defaultNamespace, ref] : [ref.slice(0, slash), ref.slice(slash + 1)];
  return fromParts(suffix === undefined ? parts : [...parts, suffix, ...extra], comment);
}

function fromParts(parts: string[], comment: string): Marker | { invalid: string } {
  const [namespace = '', policy = '', suffix, ...rest] = parts;
  const field: MarkerField | undefined =
    suffix === undefined
      ? 'image'
      : SUFFIXES.has(suffix as MarkerField)
        ? (suffix as MarkerField)
        : undefined;
  if (!NAME.test(namespace) || !NAME.test(policy) || field === undefined || rest.length > 0)
    return {
      invalid: `marker "${comment.trim()}" does not name a policy as namespace:name (or namespace/name), optionally with :tag, :name or :digest`,
    };
  return { namespace, policy, field };
}

/** The key a policy is known by in the map of chosen images: `namespace/name`. Pure. */
export function policyKey(marker: { namespace: string; policy: string }): string {
  return `${marker.namespace}/${marker.policy}`;
}
