/**
 * Reading custom health checks from manifests: a ConfigMap (Mooring's `mooring-health-checks` or Argo CD's
 * `argocd-cm`) with `healthCheckExprs` (a YAML list in Flux's form) and `resource.customizations.health.<group_kind>`
 * Lua scripts, or a Flux Kustomization's spec.healthCheckExprs. Pure.
 */
import { parseAllDocuments } from 'yaml';

import { MooringError } from '../../core/errors.js';
import { isRecord } from '../../core/objects.js';
import type { HealthCheckSources } from './checks.js';
import type { CelHealthExpressions, LuaHealthScript } from './types.js';

/** The ConfigMap the controller reads in its own namespace. */
export const HEALTH_CHECKS_CONFIGMAP = 'mooring-health-checks';
export const CEL_KEY = 'healthCheckExprs';
export const LUA_KEY_PREFIX = 'resource.customizations.health.';
/** Argo CD's older single key: a YAML map of `group/Kind` to `{health.lua: script}`. */
export const LEGACY_LUA_KEY = 'resource.customizations';

/** CEL entries and Lua scripts of one ConfigMap's data. */
export function checksFromConfigMapData(data: Record<string, unknown>, origin: string): HealthCheckSources {
  const lua: LuaHealthScript[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith(LUA_KEY_PREFIX) || typeof value !== 'string') continue;
    lua.push({ groupKind: key.slice(LUA_KEY_PREFIX.length), script: value });
  }
  lua.push(...legacyLuaScripts(data[LEGACY_LUA_KEY], origin));
  const celText = data[CEL_KEY];
  const cel = typeof celText === 'string' ? parseCelEntries(parseYamlValue(celText, origin), origin) : [];
  return { cel: [{ entries: cel, origin }], lua: [{ scripts: lua, origin }] };
}

/** Validates a list in Flux's healthCheckExprs form; throws INVALID_ARGUMENT naming the bad entry. */
export function parseCelEntries(value: unknown, origin: string): CelHealthExpressions[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${origin}: ${CEL_KEY} must be a list`);
  return value.map((entry, index) => {
    const at = `${origin}: ${CEL_KEY}[${index}]`;
    if (!isRecord(entry)) throw invalid(`${at} must be a map`);
    const field = (name: string, required: boolean): string | undefined => {
      const v = entry[name];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || v === '') throw invalid(`${at}.${name} must be a non-empty string`);
      return v;
    };
    return {
      apiVersion: field('apiVersion', true) as string,
      kind: field('kind', true) as string,
      current: field('current', true) as string,
      inProgress: field('inProgress', false),
      failed: field('failed', false),
    };
  });
}

/**
 * Checks from a YAML file of ConfigMaps (data as above) and Flux Kustomizations (spec.healthCheckExprs),
 * e.g. for `mooring health --checks FILE`; other documents are ignored.
 */
export function checksFromManifests(text: string, fileName: string): HealthCheckSources {
  const sources: Required<HealthCheckSources> = { cel: [], lua: [] };
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw invalid(`${fileName}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
    const obj: unknown = doc.toJS();
    if (!isRecord(obj)) continue;
    const name = isRecord(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '?';
    const origin = `${fileName} ${String(obj.kind)}/${name}`;
    if (obj.kind === 'ConfigMap' && isRecord(obj.data)) {
      const found = checksFromConfigMapData(obj.data, origin);
      sources.cel.push(...(found.cel ?? []));
      sources.lua.push(...(found.lua ?? []));
    } else if (obj.kind === 'Kustomization' && isRecord(obj.spec)) {
      sources.cel.push({ entries: parseCelEntries(obj.spec.healthCheckExprs, origin), origin });
    }
  }
  return sources;
}

function legacyLuaScripts(text: unknown, origin: string): LuaHealthScript[] {
  if (typeof text !== 'string') return [];
  const value = parseYamlValue(text, origin);
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([groupKind, entry]) => {
    const script = isRecord(entry) ? entry['health.lua'] : undefined;
    if (typeof script !== 'string') return [];
    const at = groupKind.lastIndexOf('/');
    return [
      { groupKind: at < 0 ? groupKind : `${groupKind.slice(0, at)}_${groupKind.slice(at + 1)}`, script },
    ];
  });
}

function parseYamlValue(text: string, origin: string): unknown {
  const docs = parseAllDocuments(text);
  const doc = docs[0];
  if (doc === undefined) return undefined;
  if (doc.errors.length > 0) throw invalid(`${origin}: ${CEL_KEY}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
  return doc.toJS();
}

function invalid(message: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', message, {
    hint: 'healthCheckExprs entries are {apiVersion, kind, current, inProgress?, failed?} as in Flux',
  });
}
