/**
 * Flux GitRepository + Kustomization / HelmRelease (in their documented shapes) to Mooring Applications, and
 * one Project per Flux namespace holding what those apps need, with a note for everything that has no
 * equivalent. Pure.
 */
import { type KubeObject } from '../core/objects.js';
import {
  arr,
  duration,
  mooringObject,
  Notes,
  readPeerObjects,
  rec,
  repoPath,
  str,
  subjectOfPeer,
} from './common.js';
import type { ImportOptions, ImportResult } from './types.js';

const IMPORTED_FROM = 'mooring.dev/imported-from';

interface GitSource {
  repoURL: string;
  ref: Record<string, string>;
  secretRef?: { name: string };
  verify?: Record<string, unknown>;
}

/** What one Flux namespace's apps need from their Project. */
interface ProjectNeeds {
  repos: Set<string>;
  destinations: Map<string, string>;
  appServiceAccount: boolean;
}

/** Converts the Kustomizations and HelmReleases of the files, using the GitRepositories among them. */
export function importFlux(
  files: readonly { name: string; text: string }[],
  options: ImportOptions,
): ImportResult {
  const peers = readPeerObjects(files).map((p) => p.obj);
  const notes: Notes[] = [];
  const sources = new Map<string, { source: GitSource | undefined; obj: KubeObject }>();
  for (const obj of peers) {
    if (!obj.apiVersion.startsWith('source.toolkit.fluxcd.io/')) continue;
    const n = new Notes(subjectOfPeer(obj));
    notes.push(n);
    const key = `${obj.kind}/${obj.metadata.namespace ?? 'flux-system'}/${obj.metadata.name}`;
    sources.set(key, { source: obj.kind === 'GitRepository' ? gitSourceOf(obj, n) : undefined, obj });
    if (obj.kind !== 'GitRepository')
      n.skipped(
        '',
        `${obj.kind} has no equivalent: Mooring syncs from Git only (vendor charts and artifacts into Git)`,
      );
  }
  const projects = new Map<string, ProjectNeeds>();
  const apps: KubeObject[] = [];
  for (const obj of peers) {
    if (obj.apiVersion.startsWith('source.toolkit.fluxcd.io/')) continue;
    const n = new Notes(subjectOfPeer(obj));
    notes.push(n);
    const namespace = obj.metadata.namespace ?? 'flux-system';
    const needs = projects.get(namespace) ?? {
      repos: new Set(),
      destinations: new Map(),
      appServiceAccount: false,
    };
    let app: KubeObject | undefined;
    if (obj.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && obj.kind === 'Kustomization')
      app = convertKustomization(obj, sources, needs, options, n);
    else if (obj.apiVersion.startsWith('helm.toolkit.fluxcd.io/') && obj.kind === 'HelmRelease')
      app = convertHelmRelease(obj, sources, needs, options, n);
    else
      n.skipped(
        '',
        `${obj.apiVersion} ${obj.kind} is not a Flux GitRepository, Kustomization or HelmRelease`,
      );
    if (app !== undefined) {
      apps.push(app);
      projects.set(namespace, needs);
    }
  }
  const projectObjects = [...projects.entries()].map(([namespace, needs]) =>
    projectOf(namespace, needs, options, notes),
  );
  return { objects: [...projectObjects, ...apps], notes: notes.flatMap((n) => n.list) };
}

function gitSourceOf(obj: KubeObject, n: Notes): GitSource | undefined {
  const spec = rec(obj.spec);
  const url = str(spec.url);
  if (url === undefined) {
    n.skipped('spec.url', 'no URL');
    return undefined;
  }
  const ref = rec(spec.ref);
  let mooringRef: Record<string, string>;
  if (str(ref.commit) !== undefined) mooringRef = { commit: ref.commit as string };
  else if (str(ref.semver) !== undefined) mooringRef = { semver: ref.semver as string };
  else if (str(ref.tag) !== undefined) mooringRef = { tag: ref.tag as string };
  else if (str(ref.branch) !== undefined) mooringRef = { branch: ref.branch as string };
  else {
    if (str(ref.name) !== undefined)
      n.dropped('spec.ref.name', 'a full ref name is not supported: use branch or tag');
    else n.changed('spec.ref', 'no ref: Flux follows master; Mooring names a branch, master is kept');
    mooringRef = { branch: 'master' };
  }
  if (str(ref.commit) !== undefined && str(ref.branch) !== undefined)
    n.changed('spec.ref', 'branch and commit: the commit is pinned');
  for (const key of ['ignore', 'include', 'recurseSubmodules', 'proxySecretRef', 'sparseCheckout'] as const)
    if (spec[key] !== undefined) n.dropped(`spec.${key}`, 'no equivalent');
  if (spec.interval !== undefined)
    n.changed('spec.interval', "the Application's interval polls Git (the Kustomization's is used)");
  const secret = str(rec(spec.secretRef).name);
  if (secret !== undefined)
    n.manual(
      'spec.secretRef',
      `Secret ${secret} (username/password or identity/known_hosts, the same keys as Flux) must exist in the Mooring namespace`,
    );
  const verify = rec(spec.verify);
  const verifySecret = str(rec(verify.secretRef).name);
  const mode = str(verify.mode);
  return {
    repoURL: url,
    ref: mooringRef,
    ...(secret === undefined ? {} : { secretRef: { name: secret } }),
    ...(verifySecret === undefined
      ? {}
      : {
          verify: {
            mode: mode === 'Tag' ? 'tag' : mode === 'TagAndHEAD' ? 'tagAndHead' : 'head',
            secretRef: { name: verifySecret },
          },
        }),
  };
}

function lookupSource(
  sourceRef: Record<string, unknown>,
  namespace: string,
  sources: Map<string, { source: GitSource | undefined; obj: KubeObject }>,
  n: Notes,
  at: string,
): GitSource | undefined {
  const kind = str(sourceRef.kind) ?? 'GitRepository';
  const key = `${kind}/${str(sourceRef.namespace) ?? namespace}/${str(sourceRef.name) ?? ''}`;
  if (kind !== 'GitRepository') {
    n.skipped(at, `${kind} source: Mooring syncs from Git only`);
    return undefined;
  }
  const found = sources.get(key);
  if (found === undefined) {
    n.skipped(at, `${key} is not among the files given: pass the GitRepository too`);
    return undefined;
  }
  if (found.source === undefined) n.skipped(at, `${key} could not be converted`);
  return found.source;
}

function convertKustomization(
  obj: KubeObject,
  sources: Map<string, { source: GitSource | undefined; obj: KubeObject }>,
  needs: ProjectNeeds,
  options: ImportOptions,
  n: Notes,
): KubeObject | undefined {
  const spec = rec(obj.spec);
  const namespace = obj.metadata.namespace ?? 'flux-system';
  if (spec.kubeConfig !== undefined) {
    n.skipped('spec.kubeConfig', 'deploys to another cluster: Mooring deploys to its own cluster only');
    return undefined;
  }
  const git = lookupSource(rec(spec.sourceRef), namespace, sources, n, 'spec.sourceRef');
  if (git === undefined) return undefined;
  const target = str(spec.targetNamespace);
  if (target !== undefined)
    n.changed(
      'spec.targetNamespace',
      'Flux forces this namespace on every object; Mooring uses it only for objects that name none',
    );
  else
    n.changed(
      'spec.targetNamespace',
      `not set: objects that name no namespace go to ${namespace}, the Kustomization's namespace`,
    );
  for (const key of [
    'patches',
    'images',
    'namePrefix',
    'nameSuffix',
    'commonMetadata',
    'components',
    'patchesStrategicMerge',
    'patchesJson6902',
  ] as const)
    if (spec[key] !== undefined)
      n.dropped(`spec.${key}`, 'no equivalent: put it into a kustomization.yaml in the app folder');
  if (spec.postBuild !== undefined)
    n.dropped(
      'spec.postBuild',
      'variable substitution has no equivalent: render the values into the manifests',
    );
  if (spec.decryption !== undefined)
    n.dropped(
      'spec.decryption',
      'SOPS decryption has no equivalent: keep secrets out of Git (external-secrets, sealed-secrets)',
    );
  if (spec.healthChecks !== undefined)
    n.changed(
      'spec.healthChecks',
      'Mooring waits for the health of every object of the app, not a chosen list',
    );
  for (const key of ['force', 'retryInterval', 'timeout', 'wait', 'deletionPolicy'] as const)
    if (spec[key] !== undefined && !(key === 'deletionPolicy' && spec[key] === 'Orphan'))
      n.dropped(`spec.${key}`, 'no equivalent (Mooring waits between waves and retries with backoff)');
  const destination = target ?? namespace;
  return applicationOf(obj, spec, git, destination, repoPath(spec.path), {}, needs, options, n);
}

function convertHelmRelease(
  obj: KubeObject,
  sources: Map<string, { source: GitSource | undefined; obj: KubeObject }>,
  needs: ProjectNeeds,
  options: ImportOptions,
  n: Notes,
): KubeObject | undefined {
  const spec = rec(obj.spec);
  const namespace = obj.metadata.namespace ?? 'flux-system';
  if (spec.kubeConfig !== undefined) {
    n.skipped('spec.kubeConfig', 'deploys to another cluster: Mooring deploys to its own cluster only');
    return undefined;
  }
  if (spec.chartRef !== undefined) {
    n.skipped(
      'spec.chartRef',
      'an OCIRepository or HelmChart: Mooring syncs from Git only; vendor the chart into Git',
    );
    return undefined;
  }
  const chart = rec(rec(spec.chart).spec);
  const git = lookupSource(rec(chart.sourceRef), namespace, sources, n, 'spec.chart.spec.sourceRef');
  if (git === undefined) return undefined;
  if (chart.version !== undefined)
    n.dropped('spec.chart.spec.version', 'a chart from Git is rendered at the synced revision');
  if (spec.valuesFrom !== undefined)
    n.dropped(
      'spec.valuesFrom',
      'values from ConfigMaps and Secrets have no equivalent: move them into values files in Git',
    );
  for (const key of [
    'postRenderers',
    'test',
    'driftDetection',
    'storageNamespace',
    'maxHistory',
    'rollback',
    'uninstall',
  ] as const)
    if (spec[key] !== undefined)
      n.dropped(`spec.${key}`, 'no equivalent (Mooring renders with helm template and applies the objects)');
  const target = str(spec.targetNamespace);
  const destination = target ?? namespace;
  // Flux names the release <targetNamespace>-<name> when targetNamespace is set: keep the rendered names.
  const releaseName =
    str(spec.releaseName) ?? (target === undefined ? obj.metadata.name : `${target}-${obj.metadata.name}`);
  const crds = str(rec(spec.install).crds);
  const valueFiles = arr(chart.valuesFiles)
    .filter((f): f is string => typeof f === 'string')
    .map((f) => relativeTo(repoPath(chart.chart), repoPath(f)));
  const helm = {
    releaseName: releaseName.slice(0, 53),
    ...(valueFiles.length === 0 ? {} : { valueFiles }),
    ...(Object.keys(rec(spec.values)).length === 0 ? {} : { values: rec(spec.values) }),
    includeCRDs: crds !== 'Skip',
  };
  return applicationOf(obj, spec, git, destination, repoPath(chart.chart), { helm }, needs, options, n);
}

/** A values file path, given from the repository root in Flux, relative to the chart folder in Mooring. */
function relativeTo(folder: string, file: string): string {
  if (folder !== '' && file.startsWith(`${folder}/`)) return file.slice(folder.length + 1);
  const depth = folder === '' ? 0 : folder.split('/').length;
  return `${'../'.repeat(depth)}${file}`;
}

function applicationOf(
  obj: KubeObject,
  spec: Record<string, unknown>,
  git: GitSource,
  destination: string,
  path: string,
  renderer: Record<string, unknown>,
  needs: ProjectNeeds,
  options: ImportOptions,
  n: Notes,
): KubeObject {
  const namespace = obj.metadata.namespace ?? 'flux-system';
  const serviceAccount = str(spec.serviceAccountName);
  needs.repos.add(git.repoURL);
  needs.destinations.set(destination, needs.destinations.get(destination) ?? options.serviceAccountName);
  if (serviceAccount !== undefined) {
    needs.appServiceAccount = true;
    n.changed(
      'spec.serviceAccountName',
      `Flux impersonates ${serviceAccount} of ${namespace}; Mooring applies as ${serviceAccount} of the destination namespace ${destination}: create it there`,
    );
  }
  const dependsOn = arr(spec.dependsOn)
    .map(rec)
    .flatMap((d) => {
      const name = str(d.name);
      if (name === undefined) return [];
      if (str(d.namespace) !== undefined && d.namespace !== namespace)
        n.changed(
          'spec.dependsOn',
          `${String(d.namespace)}/${name}: Mooring names Applications of its own namespace`,
        );
      return [{ name }];
    });
  const exprs = arr(spec.healthCheckExprs);
  const interval = duration(spec.interval);
  return mooringObject(
    'Application',
    obj.metadata.name,
    options.namespace,
    {
      project: namespace,
      ...(serviceAccount === undefined ? {} : { serviceAccountName: serviceAccount }),
      source: { ...git, path, ...renderer },
      destination: { namespace: destination },
      syncPolicy: {
        automated: true,
        prune: spec.prune === true,
        selfHeal: true,
        ...(obj.kind === 'HelmRelease'
          ? { createNamespace: rec(spec.install).createNamespace === true }
          : {}),
      },
      ...(interval === undefined ? {} : { interval }),
      ...(dependsOn.length === 0 ? {} : { dependsOn }),
      ...(spec.suspend === true ? { suspend: true } : {}),
      ...(spec.deletionPolicy === 'Orphan' ? { orphanOnDelete: true } : {}),
      ...(exprs.length === 0 ? {} : { healthCheckExprs: exprs }),
    },
    { [IMPORTED_FROM]: 'flux' },
  );
}

function projectOf(
  namespace: string,
  needs: ProjectNeeds,
  options: ImportOptions,
  notes: Notes[],
): KubeObject {
  const n = new Notes(`Project/${options.namespace}/${namespace}`);
  notes.push(n);
  n.manual(
    'spec.destinations',
    `Flux applies with its controller's cluster-admin account unless serviceAccountName is set; Mooring applies as ${options.serviceAccountName} in each destination: create it and bind the roles the apps need`,
  );
  n.changed(
    'spec.clusterResourceAllowList',
    'Flux applies cluster-scoped objects freely; this Project allows every cluster-scoped kind to keep that: narrow it',
  );
  return mooringObject(
    'Project',
    namespace,
    options.namespace,
    {
      description: `Imported from the Flux objects of namespace ${namespace}`,
      sourceRepos: [...needs.repos].sort(),
      destinations: [...needs.destinations.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ns, serviceAccountName]) => ({ namespace: ns, serviceAccountName })),
      clusterResourceAllowList: [{ group: '*', kind: '*' }],
      ...(needs.appServiceAccount ? { allowAppServiceAccount: true } : {}),
    },
    { [IMPORTED_FROM]: 'flux' },
  );
}
