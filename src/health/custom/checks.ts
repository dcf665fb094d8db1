/**
 * Custom health checks in front of the built-in rules: an Application's own CEL checks first, then the
 * cluster-wide CEL checks, then Argo CD Lua scripts, then Mooring's rules. The first check whose
 * group/kind matches decides (a Lua script that returns nil lets the built-in rules decide, as in Argo CD).
 */
import { errorMessage } from '../../core/errors.js';
import { groupOf, type KubeObject } from '../../core/objects.js';
import { assessHealth } from '../index.js';
import type { HealthContext, HealthResult, HealthStatus } from '../types.js';
import { compileCelCheck, type CompiledCelCheck } from './cel.js';
import { createLuaSandbox, DEFAULT_LUA_LIMITS, type LuaLimits, type LuaSandbox } from './lua-sandbox.js';
import type { CelHealthExpressions, HealthVerdict, LuaHealthScript } from './types.js';

interface CompiledLuaScript {
  matches: (group: string, kind: string) => boolean;
  groupKind: string;
  script: string;
  origin: string;
}

/** Custom checks ready to run (CEL parsed, Lua VM started). Build with loadCustomHealthChecks. */
export interface CustomHealthChecks {
  readonly cel: readonly CompiledCelCheck[];
  readonly lua: readonly CompiledLuaScript[];
  readonly sandbox: LuaSandbox | undefined;
}

/** Where checks were read from, for explanations. */
export interface HealthCheckSources {
  cel?: { entries: readonly CelHealthExpressions[]; origin: string }[];
  lua?: { scripts: readonly LuaHealthScript[]; origin: string }[];
}

export const NO_CUSTOM_CHECKS: CustomHealthChecks = { cel: [], lua: [], sandbox: undefined };

/** Parses every CEL expression (throws INVALID_ARGUMENT on the first bad one) and starts a Lua VM if needed. */
export async function loadCustomHealthChecks(
  sources: HealthCheckSources,
  limits: LuaLimits = DEFAULT_LUA_LIMITS,
): Promise<CustomHealthChecks> {
  const cel = (sources.cel ?? []).flatMap(({ entries, origin }) =>
    entries.map((entry) => compileCelCheck(entry, origin)),
  );
  const lua = (sources.lua ?? []).flatMap(({ scripts, origin }) =>
    scripts.map((s) => ({ ...s, origin, matches: groupKindMatcher(s.groupKind) })),
  );
  const sandbox = lua.length > 0 ? await createLuaSandbox(limits) : undefined;
  return { cel, lua, sandbox };
}

/** The same checks with an Application's own CEL checks in front (they win over cluster-wide ones). */
export function withAppChecks(
  checks: CustomHealthChecks,
  entries: readonly CelHealthExpressions[] | undefined,
  origin: string,
): CustomHealthChecks {
  if (entries === undefined || entries.length === 0) return checks;
  return { ...checks, cel: [...entries.map((entry) => compileCelCheck(entry, origin)), ...checks.cel] };
}

/** assessHealth with custom checks in front; the same contract (undefined is Missing). */
export function assessHealthWith(
  checks: CustomHealthChecks,
  obj: KubeObject | undefined,
  context: HealthContext = {},
): HealthResult {
  return explainHealth(checks, obj, context).result;
}

/** The health of an object and which rule or custom check decided it. */
export function explainHealth(
  checks: CustomHealthChecks,
  obj: KubeObject | undefined,
  context: HealthContext = {},
): HealthVerdict {
  if (obj === undefined)
    return { result: assessHealth(undefined), decidedBy: 'built-in rules (object missing)' };
  const group = groupOf(obj.apiVersion);
  const gk = `${group === '' ? 'core' : group}/${obj.kind}`;
  const celCheck = checks.cel.find((check) => check.group === group && check.kind === obj.kind);
  if (celCheck !== undefined)
    return { result: celCheck.evaluate(obj), decidedBy: `CEL check for ${gk} from ${celCheck.origin}` };
  const luaScript = checks.lua.find((script) => script.matches(group, obj.kind));
  if (luaScript !== undefined && checks.sandbox !== undefined) {
    const decidedBy = `Lua check resource.customizations.health.${luaScript.groupKind} from ${luaScript.origin}`;
    const result = runLua(checks.sandbox, luaScript, obj);
    if (result !== undefined) return { result, decidedBy };
  }
  return { result: assessHealth(obj, context), decidedBy: `built-in rules for ${gk}` };
}

const LUA_STATUSES = new Set<HealthStatus>([
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
]);

function runLua(sandbox: LuaSandbox, script: CompiledLuaScript, obj: KubeObject): HealthResult | undefined {
  let returned: unknown;
  try {
    returned = sandbox.run(script.script, `health.lua(${script.groupKind})`, obj);
  } catch (error) {
    return { status: 'Unknown', message: errorMessage(error) };
  }
  if (returned === undefined || returned === null) return undefined;
  if (typeof returned !== 'object')
    return { status: 'Unknown', message: `Lua health script returned a ${typeof returned}, not a table` };
  const hs = returned as { status?: unknown; message?: unknown };
  const message = typeof hs.message === 'string' ? hs.message : '';
  if (typeof hs.status !== 'string' || !LUA_STATUSES.has(hs.status as HealthStatus))
    return { status: 'Unknown', message: `Lua health script returned status ${JSON.stringify(hs.status)}` };
  return { status: hs.status as HealthStatus, message };
}

/** Argo CD's `<group>_<kind>` key, `*` matching any run of characters; a key without `_` is a core kind. */
export function groupKindMatcher(groupKind: string): (group: string, kind: string) => boolean {
  const at = groupKind.lastIndexOf('_');
  const groupPattern = at < 0 ? '' : groupKind.slice(0, at);
  const kindPattern = at < 0 ? groupKind : groupKind.slice(at + 1);
  const group = glob(groupPattern);
  const kind = glob(kindPattern);
  return (g, k) => group.test(g) && kind.test(k);
}

function glob(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
