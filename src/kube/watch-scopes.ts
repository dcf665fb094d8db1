/**
 * The scopes a controller watches a kind in: one cluster-wide watch for 'all', otherwise one watch per distinct
 * namespace (undefined stands for cluster-wide). Pure.
 */
export function watchScopes(namespaces: readonly string[] | 'all'): (string | undefined)[] {
  return namespaces === 'all' ? [undefined] : [...new Set(namespaces)];
}
