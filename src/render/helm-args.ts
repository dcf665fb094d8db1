/**
 * Validation of Helm inputs and the `helm template` argument list. Pure.
 * Every user-supplied value is checked before it reaches the command line, so none can pose as a flag.
 */
import { MooringError } from '../core/errors.js';
import { isRecord } from '../core/objects.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KUBE_VERSION = /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$/;
const API_VERSION = /^[A-Za-z0-9][A-Za-z0-9.-]*(\/[A-Za-z0-9.-]+){0,2}$/;

function invalid(what: string, value: string, rule: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', `helm ${what} "${value}" is not valid: ${rule}`, {
    step: 'render',
    subject: value,
    hint: `fix the ${what} in the app's helm options`,
  });
}

/** A release name from a folder name: lower-case DNS label, at most 53 characters (Helm's limit). */
export function defaultReleaseName(appPath: string): string {
  const base =
    appPath
      .split('/')
      .filter((part) => part !== '')
      .pop() ?? '';
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53)
    .replace(/-+$/, '');
  return cleaned === '' ? 'release' : cleaned;
}

export interface HelmTemplateArgs {
  releaseName: string;
  chartDir: string;
  namespace: string;
  kubeVersion: string;
  /** Absolute, already confined value files, then the generated inline-values file, in merge order. */
  valueFiles: string[];
  apiVersions: string[];
  includeCRDs: boolean;
}

/** Checks release name, namespace, kube version and API versions; throws INVALID_ARGUMENT on the first bad one. */
export function validateHelmInputs(args: Omit<HelmTemplateArgs, 'chartDir' | 'valueFiles'>): void {
  if (!DNS_LABEL.test(args.releaseName) || args.releaseName.length > 53)
    throw invalid(
      'release name',
      args.releaseName,
      'lower-case letters, digits and "-", at most 53 characters',
    );
  if (!DNS_LABEL.test(args.namespace) || args.namespace.length > 63)
    throw invalid('namespace', args.namespace, 'a DNS label (lower-case letters, digits and "-")');
  if (!KUBE_VERSION.test(args.kubeVersion))
    throw invalid('kube version', args.kubeVersion, 'a version such as 1.36.3');
  for (const apiVersion of args.apiVersions) {
    if (!API_VERSION.test(apiVersion))
      throw invalid('API version', apiVersion, 'a group/version such as monitoring.coreos.com/v1');
  }
}

/** The argument list of `helm template`; values use `--flag=value` so none is read as another flag. */
export function helmTemplateArgs(args: HelmTemplateArgs): string[] {
  validateHelmInputs(args);
  return [
    'template',
    args.releaseName,
    args.chartDir,
    `--namespace=${args.namespace}`,
    `--kube-version=${args.kubeVersion}`,
    ...args.valueFiles.map((file) => `--values=${file}`),
    ...args.apiVersions.map((apiVersion) => `--api-versions=${apiVersion}`),
    ...(args.includeCRDs ? ['--include-crds'] : []),
  ];
}

/** One dependency of Chart.yaml. */
export interface ChartDependency {
  name: string;
  repository: string;
}

/** The dependencies listed in a parsed Chart.yaml (entries without a name are ignored: helm rejects them). */
export function chartDependencies(chart: unknown): ChartDependency[] {
  if (!isRecord(chart) || !Array.isArray(chart.dependencies)) return [];
  return chart.dependencies.flatMap((dep: unknown) =>
    isRecord(dep) && typeof dep.name === 'string'
      ? [{ name: dep.name, repository: typeof dep.repository === 'string' ? dep.repository : '' }]
      : [],
  );
}

/** Whether charts/ already holds a dependency: a folder of its name, or a `<name>-<version>.tgz` archive. */
export function isVendored(dependency: string, chartsEntries: readonly string[]): boolean {
  return chartsEntries.some(
    (entry) =>
      entry === dependency ||
      (entry.startsWith(`${dependency}-`) &&
        entry.endsWith('.tgz') &&
        /^\d/.test(entry.slice(dependency.length + 1))),
  );
}
