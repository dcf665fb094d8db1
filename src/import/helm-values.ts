/** Helm `--set`-style parameters (Argo CD's helm.parameters) as values. Pure. */

/** Sets each `a.b.c=value` into a copy of `values`, typed as `helm --set` types them unless forceString. */
export function helmValuesOfParameters(
  parameters: readonly Record<string, unknown>[],
  values: Record<string, unknown>,
): { values: Record<string, unknown>; problems: string[] } {
  const out = structuredClone(values);
  const problems: string[] = [];
  for (const parameter of parameters) {
    const name = typeof parameter.name === 'string' ? parameter.name : '';
    const raw = typeof parameter.value === 'string' ? parameter.value : JSON.stringify(parameter.value ?? '');
    if (name === '' || /[[\]\\]/.test(name)) {
      problems.push(
        `${name}: list indexes and escaped dots in parameter names are not converted; put it into values`,
      );
      continue;
    }
    const path = name.split('.');
    let node = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parameter.forceString === true ? raw : typed(raw);
  }
  return { values: out, problems };
}

function typed(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?(0|[1-9]\d{0,15})$/.test(raw)) return Number(raw);
  return raw;
}
