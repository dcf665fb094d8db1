/**
 * What a kustomization file refers to: the folders and files kustomize would load. Pure.
 * Used to refuse remote bases and out-of-checkout kustomization folders before kustomize runs, because
 * kustomize's LoadRestrictionsRootOnly still lets a kustomization load *another kustomization folder*
 * anywhere on disk, and fetches http(s) URLs and git repositories on its own.
 */
import { isRecord } from '../core/objects.js';

/** One path-like entry of a kustomization: `field` names where it was found, for messages. */
export interface KustomizationRef {
  field: string;
  entry: string;
  /** Whether the entry may be a kustomization folder (resources, components...), to be scanned in turn. */
  mayBeFolder: boolean;
}

/** Fields whose entries may be folders holding their own kustomization. */
const FOLDER_FIELDS = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'];
/** Fields whose entries are files. */
const FILE_LIST_FIELDS = ['crds', 'configurations'];
/** Fields holding a list of objects, each with an optional `path` to a file. */
const PATH_OBJECT_FIELDS = ['patches', 'patchesJson6902', 'replacements'];
const GENERATOR_FIELDS = ['configMapGenerator', 'secretGenerator'];

/**
 * Whether a kustomization entry names something kustomize would fetch over the network: a URL
 * (https://, ssh://, git::, file:// clones too), an scp-like git address (git@host:org/repo), a
 * `?ref=` / `?version=` query, or a path whose first segment is a host name (github.com/org/repo).
 * Only entries that do not exist locally are judged by the host-name rule (a folder may be called "v1.2").
 */
export function looksRemote(entry: string, existsLocally = false): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^[a-z][a-z0-9+.-]*::/i.test(entry)) return true;
  if (/^[\w.-]+@[\w.-]+:/.test(entry)) return true;
  if (/[?&](ref|version|submodules|timeout)=/.test(entry)) return true;
  if (existsLocally) return false;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\//i.test(entry);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Drops the `key=` prefix of a generator's `files` entry ("app.conf=config/app.conf"). */
function generatorFilePath(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(eq + 1);
}

/** Every path-like entry of a parsed kustomization file, in file order. Inline patches are left out. */
export function kustomizationRefs(kustomization: unknown): KustomizationRef[] {
  if (!isRecord(kustomization)) return [];
  const refs: KustomizationRef[] = [];
  for (const field of FOLDER_FIELDS) {
    for (const entry of strings(kustomization[field])) refs.push({ field, entry, mayBeFolder: true });
  }
  for (const field of FILE_LIST_FIELDS) {
    for (const entry of strings(kustomization[field])) refs.push({ field, entry, mayBeFolder: false });
  }
  for (const entry of strings(kustomization.patchesStrategicMerge)) {
    // An inline patch is YAML text, not a path.
    if (!entry.includes('\n')) refs.push({ field: 'patchesStrategicMerge', entry, mayBeFolder: false });
  }
  for (const field of PATH_OBJECT_FIELDS) {
    const items: unknown[] = Array.isArray(kustomization[field]) ? kustomization[field] : [];
    for (const item of items) {
      if (isRecord(item) && typeof item.path === 'string')
        refs.push({ field, entry: item.path, mayBeFolder: false });
    }
  }
  for (const field of GENERATOR_FIELDS) {
    const generators: unknown[] = Array.isArray(kustomization[field]) ? kustomization[field] : [];
    for (const generator of generators) {
      if (!isRecord(generator)) continue;
      const files = [
        ...strings(generator.files).map(generatorFilePath),
        ...strings(generator.envs),
        ...(typeof generator.env === 'string' ? [generator.env] : []),
      ];
      for (const entry of files) refs.push({ field, entry, mayBeFolder: false });
    }
  }
  const openapi = kustomization.openapi;
  if (isRecord(openapi) && typeof openapi.path === 'string')
    refs.push({ field: 'openapi', entry: openapi.path, mayBeFolder: false });
  return refs;
}
