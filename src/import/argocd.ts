/**
 * Argo CD Application and AppProject (argoproj.io/v1alpha1, in their documented shapes) to Mooring
 * Applications and Projects, with a note for everything that has no equivalent. Pure.
 */
import { parse as parseYaml } from 'yaml';

import { isRecord, type KubeObject } from '../core/objects.js';
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
import { helmValuesOfParameters } from './helm-values.js';
import { refOfTargetRevision } from './revision.js';
import type { ImportOptions, ImportResult } from './types.js';

const IN_CLUSTER_SERVERS = new Set(['https://kubernetes.default.svc', 'https://kubernetes.default.svc/']);
const IMPORTED_FROM = 'mooring.dev/imported-from';

/** Converts every Argo CD Application and AppProject of the files; other objects are reported and left out. */
export function importArgoCD(
  files: readonly { name: string; text: string }[],
  options: ImportOptions,
): ImportResult {
  const projects: KubeObject[] = [];
  const apps: KubeObject[] = [];
  const notes: Notes[] = [];
  const peers = readPeerObjects(files);
  const clusters = clusterNamesOf(peers.map((p) => p.obj));
  for (const { obj } of peers) {
    const n = new Notes(subjectOfPeer(obj));
    notes.push(n);
    if (isClusterSecret(obj))
      n.manual(
        '',
        `Argo CD cluster "${clusters.nameOf(obj) ?? '?'}": register it with mooring cluster add (its credentials are not imported); Applications deploying there name it in spec.destination.cluster`,
      );
    else if (obj.apiVersion.startsWith('argoproj.io/') && obj.kind === 'AppProject')
      projects.push(convertProject(obj, options, n, clusters));
    else if (obj.apiVersion.startsWith('argoproj.io/') && obj.kind === 'Application') {
      const app = convertApplication(obj, options, n, clusters);
      if (app !== undefined) apps.push(app);
    } else if (obj.apiVersion.startsWith('argoproj.io/') && obj.kind === 'ApplicationSet')
      n.skipped(
        '',
        'ApplicationSet has no equivalent yet: generate the Applications it would make and import those',
      );
    else n.skipped('', `${obj.apiVersion} ${obj.kind} is not an Argo CD Application or AppProject`);
  }
  return { objects: [...projects, ...apps], notes: notes.flatMap((n) => n.list) };
}

/** Argo CD's cluster Secrets (label argocd.argoproj.io/secret-type: cluster) of the input: server → name. */
interface ClusterNames {
  /** The Mooring cluster name for an Argo CD destination: in-cluster, its name, or the name of its server. */
  clusterOf(destination: Record<string, unknown>): string | undefined;
  nameOf(secret: KubeObject): string | undefined;
}

function isClusterSecret(obj: KubeObject): boolean {
  return (
    obj.apiVersion === 'v1' &&
    obj.kind === 'Secret' &&
    obj.metadata.labels?.['argocd.argoproj.io/secret-type'] === 'cluster'
  );
}

/** Reads `name` and `server` of Argo CD cluster Secrets (stringData or base64 data); never the credentials. */
function clusterNamesOf(objects: readonly KubeObject[]): ClusterNames {
  const field = (secret: KubeObject, key: string): string | undefined => {
    const plain = str(rec(secret.stringData)[key]);
    if (plain !== undefined) return plain;
    const encoded = str(rec(secret.data)[key]);
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  };
  const byServer = new Map<string, string>();
  for (const secret of objects.filter(isClusterSecret)) {
    const name = field(secret, 'name');
    const server = field(secret, 'server');
    if (name !== undefined && server !== undefined) byServer.set(server.replace(/\/+$/, ''), name);
  }
  return {
    clusterOf: (destination) => {
      if (isInCluster(destination)) return 'in-cluster';
      const name = str(destination.name);
      if (name !== undefined) return name;
      const server = str(destination.server);
      return server === undefined ? undefined : byServer.get(server.replace(/\/+$/, ''));
    },
    nameOf: (secret) => field(secret, 'name'),
  };
}

function isInCluster(destination: Record<string, unknown>): boolean {
  const server = str(destination.server);
  const name = str(destination.name);
  return (
    (server === undefined || IN_CLUSTER_SERVERS.has(server)) && (name === undefined || name === 'in-cluster')
  );
}

function convertApplication(
  obj: KubeObject,
  options: ImportOptions,
  n: Notes,
  clusters: ClusterNames,
): KubeObject | undefined {
  const spec = rec(obj.spec);
  const destination = rec(spec.destination);
  const cluster = clusters.clusterOf(destination);
  if (cluster === undefined) {
    n.skipped(
      'spec.destination',
      `deploys to server ${str(destination.server) ?? '?'}, which no Argo CD cluster Secret in the input names: import that Secret too, or register the cluster (mooring cluster add NAME) and set spec.destination.cluster: NAME`,
    );
    return undefined;
  }
  const source = pickSource(spec, n);
  if (source === undefined) return undefined;
  const namespace = str(destination.namespace);
  if (namespace === undefined)
    n.changed(
      'spec.destination.namespace',
      'not set: Mooring needs one for objects that name none; "default" is used',
    );
  const policy = syncPolicyOf(rec(spec.syncPolicy), n);
  const finalizers = arr(obj.metadata.finalizers);
  const cascades = finalizers.some(
    (f) => typeof f === 'string' && f.startsWith('resources-finalizer.argocd.argoproj.io'),
  );
  if (!cascades)
    n.changed(
      'metadata.finalizers',
      'without resources-finalizer.argocd.argoproj.io, deleting the Argo CD app left its objects: orphanOnDelete is set to keep that',
    );
  if (spec.ignoreDifferences !== undefined)
    n.dropped(
      'spec.ignoreDifferences',
      'no equivalent: Mooring compares only the fields Git sets (server-side apply ownership), which covers most uses',
    );
  if (spec.info !== undefined) n.dropped('spec.info', 'no equivalent');
  notifications(obj, n);
  const historyLimit = typeof spec.revisionHistoryLimit === 'number' ? spec.revisionHistoryLimit : undefined;
  return mooringObject(
    'Application',
    obj.metadata.name,
    options.namespace,
    {
      project: str(spec.project) ?? 'default',
      source,
      destination: { ...(cluster === 'in-cluster' ? {} : { cluster }), namespace: namespace ?? 'default' },
      syncPolicy: policy.syncPolicy,
      ...(cascades ? {} : { orphanOnDelete: true }),
      ...(historyLimit !== undefined && historyLimit >= 1 ? { historyLimit } : {}),
    },
    { [IMPORTED_FROM]: 'argocd' },
  );
}

function pickSource(spec: Record<string, unknown>, n: Notes): Record<string, unknown> | undefined {
  if (spec.source !== undefined) return convertSource(rec(spec.source), 'spec.source', n);
  const sources = arr(spec.sources).map(rec);
  const renderable = sources.filter((s) => str(s.ref) === undefined);
  const first = renderable[0];
  if (sources.length === 0 || first === undefined) {
    n.skipped('spec.source', 'no source');
    return undefined;
  }
  if (sources.length > 1)
    n.dropped(
      'spec.sources',
      `${sources.length} sources: Mooring has one source per Application; the first that renders is kept (${str(first.repoURL) ?? '?'}), make one Application per other source and move $values files into the chart's repository`,
    );
  return convertSource(first, 'spec.sources[0]', n);
}

function convertSource(
  source: Record<string, unknown>,
  at: string,
  n: Notes,
): Record<string, unknown> | undefined {
  const repoURL = str(source.repoURL);
  if (repoURL === undefined) {
    n.skipped(`${at}.repoURL`, 'no repository');
    return undefined;
  }
  if (str(source.chart) !== undefined) {
    n.skipped(
      `${at}.chart`,
      `a chart from a Helm repository (${repoURL}); Mooring syncs from Git only: vendor the chart into a Git repository (helm pull --untar) and import again`,
    );
    return undefined;
  }
  if (repoURL.startsWith('oci://') || !/^(https?|ssh|file):\/\/|^[\w.~+-]+@[\w.-]+:/.test(repoURL)) {
    n.skipped(`${at}.repoURL`, `${repoURL} is not a Git URL Mooring can fetch`);
    return undefined;
  }
  const revision = refOfTargetRevision(source.targetRevision);
  if (revision.note !== undefined) n.changed(`${at}.targetRevision`, revision.note);
  if (source.plugin !== undefined) {
    n.skipped(
      `${at}.plugin`,
      'config management plugins have no equivalent: render in CI and commit the output',
    );
    return undefined;
  }
  const renderer = rendererOf(source, at, n);
  return { repoURL, ref: revision.ref, path: repoPath(source.path), ...renderer };
}

function rendererOf(source: Record<string, unknown>, at: string, n: Notes): Record<string, unknown> {
  if (source.helm !== undefined) return { helm: helmOf(rec(source.helm), `${at}.helm`, n) };
  if (source.kustomize !== undefined) {
    const kustomize = rec(source.kustomize);
    for (const key of Object.keys(kustomize))
      n.dropped(
        `${at}.kustomize.${key}`,
        'no equivalent: put it in the kustomization.yaml of the app folder (images, namePrefix, patches, ... all exist there)',
      );
    return { kustomize: {} };
  }
  if (source.directory !== undefined) return directoryOf(rec(source.directory), `${at}.directory`, n);
  n.changed(
    at,
    "no renderer section: Mooring detects it from the folder as Argo CD does, but a plain-YAML folder is read recursively (Argo CD's directory.recurse defaults to false); set spec.source.directory.recurse: false if sub-folders must be left out",
  );
  return {};
}

function directoryOf(directory: Record<string, unknown>, at: string, n: Notes): Record<string, unknown> {
  const jsonnet = rec(directory.jsonnet);
  if (directory.jsonnet !== undefined && Object.keys(jsonnet).length > 0) {
    const tlas: Record<string, string> = {};
    const extVars: Record<string, string> = {};
    for (const [list, into, name] of [
      [jsonnet.tlas, tlas, 'tlas'],
      [jsonnet.extVars, extVars, 'extVars'],
    ] as const) {
      for (const v of arr(list).map(rec)) {
        const key = str(v.name);
        if (key === undefined) continue;
        if (v.code === true)
          n.dropped(
            `${at}.jsonnet.${name}[${key}]`,
            'code arguments are not supported: only string values are passed',
          );
        else into[key] = typeof v.value === 'string' ? v.value : JSON.stringify(v.value ?? '');
      }
    }
    const libPaths = arr(jsonnet.libs).filter((l): l is string => typeof l === 'string');
    return {
      jsonnet: {
        ...(Object.keys(tlas).length === 0 ? {} : { tlas }),
        ...(Object.keys(extVars).length === 0 ? {} : { extVars }),
        ...(libPaths.length === 0 ? {} : { libPaths }),
      },
    };
  }
  const include = str(directory.include);
  const exclude = str(directory.exclude);
  return {
    directory: {
      recurse: directory.recurse === true,
      ...(include === undefined ? {} : { include: braceList(include) }),
      ...(exclude === undefined ? {} : { exclude: braceList(exclude) }),
    },
  };
}

/** Argo CD's `{a.yaml,b.yaml}` include/exclude as a list of globs. */
function braceList(glob: string): string[] {
  const m = /^\{(.*)\}$/.exec(glob);
  return m?.[1] === undefined
    ? [glob]
    : m[1]
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== '');
}

function helmOf(helm: Record<string, unknown>, at: string, n: Notes): Record<string, unknown> {
  let values: Record<string, unknown> = {};
  const text = str(helm.values);
  if (text !== undefined) {
    const parsed: unknown = parseYaml(text);
    if (isRecord(parsed)) values = parsed;
  }
  if (isRecord(helm.valuesObject)) values = { ...values, ...helm.valuesObject };
  const parameters = arr(helm.parameters).map(rec);
  if (parameters.length > 0) {
    const set = helmValuesOfParameters(parameters, values);
    values = set.values;
    for (const problem of set.problems) n.dropped(`${at}.parameters`, problem);
  }
  if (helm.fileParameters !== undefined)
    n.dropped(`${at}.fileParameters`, 'no equivalent: put the file content into values');
  for (const key of ['passCredentials', 'ignoreMissingValueFiles', 'version', 'namespace'] as const)
    if (helm[key] !== undefined) n.dropped(`${at}.${key}`, 'no equivalent');
  const valueFiles = arr(helm.valueFiles).filter((f): f is string => typeof f === 'string');
  const remote = valueFiles.filter((f) => /^[a-z]+:\/\//.test(f) || f.startsWith('$'));
  for (const f of remote) n.dropped(`${at}.valueFiles`, `${f}: values files must be in the app's repository`);
  const local = valueFiles.filter((f) => !remote.includes(f));
  return {
    releaseName: str(helm.releaseName),
    ...(local.length === 0 ? {} : { valueFiles: local }),
    ...(Object.keys(values).length === 0 ? {} : { values }),
    kubeVersion: str(helm.kubeVersion),
    ...(Array.isArray(helm.apiVersions) ? { apiVersions: helm.apiVersions } : {}),
    // Argo CD installs a chart's crds/ unless skipCrds.
    includeCRDs: helm.skipCrds !== true,
  };
}

function syncPolicyOf(policy: Record<string, unknown>, n: Notes): { syncPolicy: Record<string, unknown> } {
  const automated = isRecord(policy.automated) ? policy.automated : undefined;
  const enabled = automated !== undefined && automated.enabled !== false;
  const options = arr(policy.syncOptions).filter((o): o is string => typeof o === 'string');
  let createNamespace = false;
  for (const option of options) {
    const field = `spec.syncPolicy.syncOptions[${option}]`;
    if (option === 'CreateNamespace=true') createNamespace = true;
    else if (option === 'ServerSideApply=true' || option === 'ApplyOutOfSyncOnly=true')
      n.changed(field, 'Mooring always applies server-side and only what changed');
    else if (option === 'FailOnSharedResource=true')
      n.changed(field, 'Mooring always refuses objects another Application owns');
    else n.dropped(field, 'no equivalent');
  }
  if (automated?.allowEmpty === true)
    n.changed(
      'spec.syncPolicy.automated.allowEmpty',
      'Mooring prunes to empty only with the prune threshold raised (pruneThreshold: 1)',
    );
  if (policy.managedNamespaceMetadata !== undefined)
    n.dropped(
      'spec.syncPolicy.managedNamespaceMetadata',
      'no equivalent: commit a Namespace manifest instead',
    );
  const retry = retryOf(rec(policy.retry), n);
  return {
    syncPolicy: {
      automated: enabled,
      prune: enabled && automated.prune === true,
      // Argo CD's selfHeal defaults to false, Mooring's to true: keep Argo CD's.
      selfHeal: enabled && automated.selfHeal === true,
      ...(createNamespace ? { createNamespace: true } : {}),
      ...(automated?.allowEmpty === true ? { pruneThreshold: 1 } : {}),
      ...(retry === undefined ? {} : { retry }),
    },
  };
}

function retryOf(retry: Record<string, unknown>, n: Notes): Record<string, unknown> | undefined {
  if (Object.keys(retry).length === 0) return undefined;
  let limit = typeof retry.limit === 'number' ? retry.limit : undefined;
  if (limit !== undefined && (limit < 0 || limit > 100)) {
    n.changed('spec.syncPolicy.retry.limit', `${limit} (unlimited or more than 100) becomes 100`);
    limit = 100;
  }
  const backoff = rec(retry.backoff);
  return {
    limit,
    backoff: {
      duration: duration(backoff.duration),
      factor:
        typeof backoff.factor === 'number'
          ? Math.min(10, Math.max(1, Math.round(backoff.factor)))
          : undefined,
      maxDuration: duration(backoff.maxDuration),
    },
  };
}

function notifications(obj: KubeObject, n: Notes): void {
  const annotations = obj.metadata.annotations ?? {};
  if (Object.keys(annotations).some((a) => a.startsWith('notifications.argoproj.io/')))
    n.dropped(
      'metadata.annotations[notifications.argoproj.io/*]',
      'no equivalent: Mooring emits Kubernetes Events and metrics instead',
    );
}

function convertProject(
  obj: KubeObject,
  options: ImportOptions,
  n: Notes,
  clusters: ClusterNames,
): KubeObject {
  const spec = rec(obj.spec);
  const sourceRepos = arr(spec.sourceRepos)
    .filter((r): r is string => typeof r === 'string')
    .map((r) => (r === '*' ? '**' : r));
  if (sourceRepos.some((r) => r !== '**' && r.includes('*')))
    n.changed(
      'spec.sourceRepos',
      'in Mooring "*" matches within one path segment and "**" across segments; Argo CD\'s "*" spans segments',
    );
  const accounts = arr(spec.destinationServiceAccounts).map(rec);
  const destinations = arr(spec.destinations)
    .map(rec)
    .flatMap((d, i) => {
      const cluster = clusters.clusterOf(d);
      if (cluster === undefined) {
        n.dropped(
          `spec.destinations[${i}]`,
          `server ${str(d.server) ?? '?'}, which no Argo CD cluster Secret in the input names: import that Secret too, or add the destination with its Mooring cluster name`,
        );
        return [];
      }
      const namespace = str(d.namespace) ?? '*';
      const account = accounts.find(
        (a) => clusters.clusterOf(a) === cluster && (str(a.namespace) ?? '*') === namespace,
      );
      const serviceAccountName = str(account?.defaultServiceAccount);
      if (serviceAccountName === undefined)
        n.manual(
          `spec.destinations[${i}]`,
          `Argo CD applies as itself; Mooring applies as a ServiceAccount: create ${options.serviceAccountName} in ${namespace} (or change the name) and bind the roles the apps need`,
        );
      return [
        {
          ...(cluster === 'in-cluster' ? {} : { cluster }),
          namespace,
          serviceAccountName: serviceAccountName ?? options.serviceAccountName,
        },
      ];
    });
  const groupKinds = (value: unknown) =>
    arr(value)
      .map(rec)
      .map((gk) => ({ group: typeof gk.group === 'string' ? gk.group : '', kind: str(gk.kind) ?? '*' }));
  if (spec.clusterResourceBlacklist !== undefined)
    n.changed(
      'spec.clusterResourceBlacklist',
      'Mooring allows only the cluster-scoped kinds listed in clusterResourceAllowList: narrow that list instead',
    );
  if (spec.namespaceResourceWhitelist !== undefined)
    n.dropped(
      'spec.namespaceResourceWhitelist',
      'no allow list for namespaced kinds: use namespaceResourceDenyList and RBAC of the ServiceAccount',
    );
  if (spec.signatureKeys !== undefined)
    n.manual(
      'spec.signatureKeys',
      'export those public keys (gpg --export --armor) into a Secret and name it in spec.sourceVerification.secretRef',
    );
  for (const key of [
    'roles',
    'syncWindows',
    'orphanedResources',
    'sourceNamespacesRestricted',
    'permitOnlyProjectScopedClusters',
  ] as const)
    if (spec[key] !== undefined) n.dropped(`spec.${key}`, 'no equivalent');
  return mooringObject(
    'Project',
    obj.metadata.name,
    options.namespace,
    {
      description: str(spec.description),
      sourceNamespaces: arr(spec.sourceNamespaces).filter((s) => typeof s === 'string'),
      sourceRepos,
      destinations,
      clusterResourceAllowList: groupKinds(spec.clusterResourceWhitelist),
      namespaceResourceDenyList: groupKinds(spec.namespaceResourceBlacklist),
    },
    { [IMPORTED_FROM]: 'argocd' },
  );
}
