/**
 * Validation of Helm inputs before they reach the render helper. Pure. Clear messages for bad names and
 * versions; not a security boundary (the helper takes them as data, never as flags or paths).
 */
import { MooringError } from '../core/errors.js';

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

/** The Helm inputs that are names or versions. */
export interface HelmInputs {
  releaseName: string;
  namespace: string;
  kubeVersion: string;
  apiVersions: string[];
  includeCRDs: boolean;
}

/** Checks release name, namespace, kube version and API versions; throws INVALID_ARGUMENT on the first bad one. */
export function validateHelmInputs(args: HelmInputs): void {
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
