/**
 * Per-object options from annotations: Flux's first, then Argo CD's sync options, then Mooring's own, each
 * overriding what the previous set. Pure; a bad value is a warning and leaves the option as it was.
 */
import type { DriftMode, ObjectOptions } from './types.js';

export const MOORING_SYNC_OPTIONS = 'mooring.dev/sync-options';
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
export const FLUX_SSA = 'kustomize.toolkit.fluxcd.io/ssa';
export const FLUX_FORCE = 'kustomize.toolkit.fluxcd.io/force';
export const FLUX_RECONCILE = 'kustomize.toolkit.fluxcd.io/reconcile';
export const MOORING_PRUNE = 'mooring.dev/prune';
export const MOORING_DRIFT = 'mooring.dev/drift';
export const MOORING_APPLY = 'mooring.dev/apply';
export const MOORING_RECREATE = 'mooring.dev/recreate';
export const MOORING_FORCE = 'mooring.dev/force';

type Annotations = Readonly<Record<string, string>>;

/** Options of an object without annotations. */
export function defaultObjectOptions(drift: DriftMode = 'enforce'): ObjectOptions {
  return {
    prune: true,
    replace: false,
    recreateOnImmutable: false,
    createOnly: false,
    ignore: false,
    force: false,
    drift,
    skipDryRunOnMissingResource: false,
  };
}

/** Each allowed value (lower case) of an enumerated annotation and what it does to the options. */
type Choices = Readonly<Record<string, (options: ObjectOptions) => void>>;

function applyChoice(
  annotations: Annotations,
  key: string,
  choices: Choices,
  options: ObjectOptions,
  warnings: string[],
): void {
  const value = annotations[key];
  if (value === undefined) return;
  const choose = choices[value.trim().toLowerCase()];
  if (choose === undefined) {
    warnings.push(`${key}: "${value}" is not one of ${Object.keys(choices).join(', ')}; ignored`);
    return;
  }
  choose(options);
}

const FLUX_CHOICES: readonly [string, Choices][] = [
  [FLUX_PRUNE, { disabled: (o) => (o.prune = false), enabled: (o) => (o.prune = true) }],
  [
    FLUX_SSA,
    {
      override: () => undefined,
      merge: (o) => (o.mergeWithOtherManagers = true),
      ifnotpresent: (o) => (o.createOnly = true),
      ignore: (o) => (o.ignore = true),
    },
  ],
  [
    FLUX_FORCE,
    { enabled: (o) => (o.recreateOnImmutable = true), disabled: (o) => (o.recreateOnImmutable = false) },
  ],
  [FLUX_RECONCILE, { disabled: (o) => (o.ignore = true), enabled: () => undefined }],
];

const MOORING_CHOICES: readonly [string, Choices][] = [
  [MOORING_PRUNE, { disabled: (o) => (o.prune = false), enabled: (o) => (o.prune = true) }],
  [
    MOORING_DRIFT,
    {
      enforce: (o) => (o.drift = 'enforce'),
      warn: (o) => (o.drift = 'warn'),
      ignore: (o) => (o.drift = 'ignore'),
    },
  ],
  [
    MOORING_APPLY,
    {
      always: (o) => ((o.createOnly = false), (o.ignore = false)),
      'create-only': (o) => (o.createOnly = true),
      ignore: (o) => (o.ignore = true),
    },
  ],
  [
    MOORING_RECREATE,
    { 'on-immutable': (o) => (o.recreateOnImmutable = true), never: (o) => (o.recreateOnImmutable = false) },
  ],
  [MOORING_FORCE, { true: (o) => (o.force = true), false: (o) => (o.force = false) }],
];

/** Argo CD sync options that only make sense for a whole application. */
const APP_LEVEL_OPTIONS = new Set([
  'CreateNamespace',
  'ApplyOutOfSyncOnly',
  'PrunePropagationPolicy',
  'RespectIgnoreDifferences',
  'FailOnSharedResource',
]);

type BooleanOption = (options: ObjectOptions, on: boolean) => string | undefined;

/** Argo CD boolean sync options; each may return a warning. */
const BOOLEAN_OPTIONS: Readonly<Record<string, BooleanOption>> = {
  Prune: (o, on) => void (o.prune = on),
  Delete: (o, on) => void (o.keepOnAppDelete = !on),
  Replace: (o, on) => void (o.replace = on),
  Force: (o, on) => void (o.recreateOnImmutable = on),
  SkipDryRunOnMissingResource: (o, on) => void (o.skipDryRunOnMissingResource = on),
  ServerSideApply: (_o, on) => (on ? undefined : 'Mooring always uses server-side apply; ignored'),
  // Mooring prunes after the last wave anyway.
  PruneLast: () => undefined,
  Validate: (_o, on) => (on ? undefined : 'Mooring always validates with a server-side dry-run; ignored'),
};

function applySyncOption(key: string, item: string, options: ObjectOptions, warnings: string[]): void {
  const equals = item.indexOf('=');
  const name = equals < 0 ? item : item.slice(0, equals).trim();
  const value = equals < 0 ? '' : item.slice(equals + 1).trim();
  if (APP_LEVEL_OPTIONS.has(name)) {
    warnings.push(`${key}: ${name} applies to a whole application, not one object; ignored`);
    return;
  }
  // "confirm" asks a person before deleting; Mooring has no such step, so it never deletes on its own.
  if ((name === 'Prune' || name === 'Delete') && value === 'confirm') {
    warnings.push(`${key}: ${item} — Mooring does not ask for confirmation; it will not delete the object`);
    BOOLEAN_OPTIONS[name]?.(options, false);
    return;
  }
  const option = BOOLEAN_OPTIONS[name];
  if (option === undefined || (value !== 'true' && value !== 'false')) {
    warnings.push(`${key}: "${item}" is not a sync option Mooring knows; ignored`);
    return;
  }
  const warning = option(options, value === 'true');
  if (warning !== undefined) warnings.push(`${key}: ${item} — ${warning}`);
}

function applySyncOptions(
  annotations: Annotations,
  key: string,
  options: ObjectOptions,
  warnings: string[],
): void {
  const value = annotations[key];
  if (value === undefined) return;
  for (const item of value.split(',')) {
    const trimmed = item.trim();
    if (trimmed !== '') applySyncOption(key, trimmed, options, warnings);
  }
}

/** The options an object's annotations ask for; warnings collect bad values (which change nothing). */
export function parseObjectOptions(
  annotations: Annotations,
  defaultDrift: DriftMode,
  warnings: string[],
): ObjectOptions {
  const options = defaultObjectOptions(defaultDrift);
  for (const [key, choices] of FLUX_CHOICES) applyChoice(annotations, key, choices, options, warnings);
  applySyncOptions(annotations, ARGOCD_SYNC_OPTIONS, options, warnings);
  applySyncOptions(annotations, MOORING_SYNC_OPTIONS, options, warnings);
  for (const [key, choices] of MOORING_CHOICES) applyChoice(annotations, key, choices, options, warnings);
  return options;
}
