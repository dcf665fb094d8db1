import type { Discovery } from './discovery.js';

/** Whether the API server serves every one of these kinds of `apiVersion` (false when a CRD is not installed). */
export async function kindsServed(
  discovery: Discovery,
  apiVersion: string,
  kinds: readonly string[],
): Promise<boolean> {
  for (const kind of kinds) if ((await discovery.lookup(apiVersion, kind)) === undefined) return false;
  return true;
}
