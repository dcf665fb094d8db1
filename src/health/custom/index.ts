/** Custom health checks (CEL in Flux's form, Argo CD Lua) in front of the built-in rules. */
export {
  assessHealthWith,
  explainHealth,
  groupKindMatcher,
  loadCustomHealthChecks,
  NO_CUSTOM_CHECKS,
  withAppChecks,
} from './checks.js';
export type { CustomHealthChecks, HealthCheckSources } from './checks.js';
export {
  CEL_KEY,
  checksFromConfigMapData,
  checksFromManifests,
  HEALTH_CHECKS_CONFIGMAP,
  LUA_KEY_PREFIX,
  parseCelEntries,
} from './config.js';
export { createLuaSandbox, DEFAULT_LUA_LIMITS } from './lua-sandbox.js';
export type { LuaLimits, LuaSandbox } from './lua-sandbox.js';
export type { CelHealthExpressions, HealthVerdict, LuaHealthScript } from './types.js';
export { explainManifests } from './explain.js';
export type { ObjectVerdict } from './explain.js';
