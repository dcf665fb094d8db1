/**
 * Per-object annotations that decide when and how an object is applied: hook phase, sync wave, hook delete
 * policy and options. Mooring's own keys win over the Argo CD ones, which win over Helm's. Pure; bad values
 * become warnings, never exceptions. The user-facing table is in src/plan/README.md.
 */
import { parseObjectOptions } from './sync-options.js';
import type { DriftMode, HookDeletePolicy, ObjectOptions, Phase } from './types.js';

export const MOORING_HOOK = 'mooring.dev/hook';
export const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
export const HELM_HOOK = 'helm.sh/hook';
export const MOORING_SYNC_WAVE = 'mooring.dev/sync-wave';
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const HELM_HOOK_WEIGHT = 'helm.sh/hook-weight';
export const MOORING_HOOK_DELETE_POLICY = 'mooring.dev/hook-delete-policy';
export const ARGOCD_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
export const HELM_HOOK_DELETE_POLICY = 'helm.sh/hook-delete-policy';

type Annotations = Readonly<Record<string, string>>;

/** What an object's annotations say about applying it. */
export interface ObjectAnnotations {
  /** True: leave the object out entirely (hook Skip, or only hooks Mooring does not run). */
  skip: boolean;
  phase: Phase;
  /** Delete policies when the object is a hook; undefined for ordinary objects. */
  hookDeletePolicies: HookDeletePolicy[] | undefined;
  wave: number;
  options: ObjectOptions;
  /** Problems with the annotations, without the object's name (the caller adds it). */
  warnings: string[];
}

type HookSpec = { is: 'ordinary' } | { is: 'hook'; phase: Phase } | { is: 'skipped' };

const PHASES: readonly Phase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

/** Helm hook types that map onto a Mooring phase; every other Helm hook type is not run. */
const HELM_PHASES: Readonly<Record<string, Phase>> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

const DELETE_POLICIES: Readonly<Record<string, HookDeletePolicy>> = {
  BeforeHookCreation: 'BeforeHookCreation',
  HookSucceeded: 'HookSucceeded',
  HookFailed: 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** Mooring's and Argo CD's hook annotation: phase names, or Skip. */
function parsePhaseHook(key: string, value: string, warnings: string[]): HookSpec {
  const items = listOf(value);
  if (items.includes('Skip')) {
    warnings.push(`${key}: Skip — the object is left out`);
    return { is: 'skipped' };
  }
  const phases = items.filter(isPhase);
  const [first] = phases;
  if (first === undefined) {
    warnings.push(
      `${key}: "${value}" names no supported phase (${PHASES.join(', ')}); the object is left out`,
    );
    return { is: 'skipped' };
  }
  if (items.length > 1) {
    warnings.push(`${key}: "${value}" — Mooring runs a hook in one phase only; it runs in ${first}`);
  }
  return { is: 'hook', phase: first };
}

/** Helm's hook annotation, mapped as Argo CD maps it. */
function parseHelmHook(value: string, warnings: string[]): HookSpec {
  const items = listOf(value);
  // Helm 2's crd-install hook marked CRDs that Helm 3 (and Argo CD) apply as ordinary objects.
  if (items.length > 0 && items.every((item) => item === 'crd-install')) return { is: 'ordinary' };
  const phases = [...new Set(items.flatMap((item) => HELM_PHASES[item] ?? []))];
  const unsupported = items.filter((item) => HELM_PHASES[item] === undefined);
  const [first] = phases;
  if (first === undefined) {
    warnings.push(`${HELM_HOOK}: "${value}" is not a hook Mooring runs; the object is left out`);
    return { is: 'skipped' };
  }
  if (unsupported.length > 0) {
    warnings.push(`${HELM_HOOK}: ${unsupported.join(', ')} not run by Mooring; runs in ${first} only`);
  } else if (phases.length > 1) {
    warnings.push(`${HELM_HOOK}: "${value}" — Mooring runs a hook in one phase only; it runs in ${first}`);
  }
  return { is: 'hook', phase: first };
}

function parseHook(annotations: Annotations, warnings: string[]): HookSpec {
  const mooring = annotations[MOORING_HOOK];
  if (mooring !== undefined) return parsePhaseHook(MOORING_HOOK, mooring, warnings);
  const argocd = annotations[ARGOCD_HOOK];
  if (argocd !== undefined) return parsePhaseHook(ARGOCD_HOOK, argocd, warnings);
  const helm = annotations[HELM_HOOK];
  if (helm !== undefined) return parseHelmHook(helm, warnings);
  return { is: 'ordinary' };
}

const INTEGER = /^[+-]?\d+$/;

/** The sync wave; Helm's hook weight counts only for Helm hooks, as in Argo CD. */
function parseWave(annotations: Annotations, warnings: string[]): number {
  const keys = [MOORING_SYNC_WAVE, ARGOCD_SYNC_WAVE];
  if (annotations[HELM_HOOK] !== undefined) keys.push(HELM_HOOK_WEIGHT);
  for (const key of keys) {
    const value = annotations[key];
    if (value === undefined) continue;
    const trimmed = value.trim();
    const wave = Number(trimmed);
    if (INTEGER.test(trimmed) && Number.isSafeInteger(wave)) return wave;
    warnings.push(`${key}: "${value}" is not an integer; using wave 0`);
    return 0;
  }
  return 0;
}

function firstPresent(annotations: Annotations, keys: readonly string[]): [string, string] | undefined {
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) return [key, value];
  }
  return undefined;
}

const DELETE_POLICY_KEYS = [MOORING_HOOK_DELETE_POLICY, ARGOCD_HOOK_DELETE_POLICY, HELM_HOOK_DELETE_POLICY];

/** Hook delete policies; BeforeHookCreation when none is given or none is valid (Argo CD's and Helm's default). */
function parseDeletePolicies(annotations: Annotations, warnings: string[]): HookDeletePolicy[] {
  const found = firstPresent(annotations, DELETE_POLICY_KEYS);
  if (found === undefined) return ['BeforeHookCreation'];
  const [key, value] = found;
  const policies = new Set<HookDeletePolicy>();
  for (const item of listOf(value)) {
    const policy = DELETE_POLICIES[item];
    if (policy === undefined) warnings.push(`${key}: "${item}" is not a hook delete policy; ignored`);
    else policies.add(policy);
  }
  return policies.size === 0 ? ['BeforeHookCreation'] : [...policies];
}

/**
 * Reads every per-object annotation Mooring understands. `defaultDrift` is the application's drift mode,
 * used when the object does not set its own.
 */
export function parseObjectAnnotations(
  annotations: Annotations | undefined,
  defaultDrift: DriftMode = 'enforce',
): ObjectAnnotations {
  const given = annotations ?? {};
  const warnings: string[] = [];
  const hook = parseHook(given, warnings);
  const wave = parseWave(given, warnings);
  const options = parseObjectOptions(given, defaultDrift, warnings);
  let hookDeletePolicies: HookDeletePolicy[] | undefined;
  if (hook.is === 'hook') {
    hookDeletePolicies = parseDeletePolicies(given, warnings);
  } else if (hook.is === 'ordinary') {
    const policy = firstPresent(given, DELETE_POLICY_KEYS);
    if (policy !== undefined) warnings.push(`${policy[0]}: ignored, the object is not a hook`);
  }
  return {
    skip: hook.is === 'skipped',
    phase: hook.is === 'hook' ? hook.phase : 'Sync',
    hookDeletePolicies,
    wave,
    options,
    warnings,
  };
}
