/**
 * What a Project allows, as pure checks: may this Application belong to the Project (its namespace, its
 * repository, its destination), as which ServiceAccount are its objects applied, and may it manage these
 * planned objects. A refusal is data — `{rule, subject, message}` — naming the rule, the object and the
 * Project, so a sync can be refused before anything is written. Kubernetes RBAC (impersonation) stays the
 * final authority; these checks come first so the message is clear. Pure.
 */
import type { ObjectRef } from '../core/objects.js';
import { subjectOf } from '../core/objects.js';
import type { GroupKind, Project } from '../crd/project.js';
import { IN_CLUSTER } from '../crd/project.js';

/** The Project field a violation breaks. */
export type PolicyRule =
  | 'sourceNamespaces'
  | 'sourceRepos'
  | 'destinations'
  | 'cluster'
  | 'allowAppServiceAccount'
  | 'clusterResourceAllowList'
  | 'namespaceResourceDenyList';

/** One refusal: which rule, which object (Kind/ns/name, or the Application), and why. */
export interface Violation {
  rule: PolicyRule;
  subject: string;
  message: string;
}

/** The parts of an Application the policy looks at. */
export interface AppUnderPolicy {
  namespace: string;
  name: string;
  repoURL: string;
  destination: { namespace: string; cluster?: string | undefined };
  serviceAccountName?: string | undefined;
}

/** A ServiceAccount identity: objects are applied as `system:serviceaccount:<namespace>:<name>`. */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** Namespaces a glob never matches: a Project must name them literally. */
export function protectedNamespaces(controllerNamespace: string): Set<string> {
  return new Set([controllerNamespace, 'kube-system', 'kube-public', 'kube-node-lease']);
}

/**
 * A tiny glob: `*` matches any run of characters except '/', `**` any run including '/'; everything
 * else matches itself (no character classes, no regular expressions built from input).
 */
export function matchGlob(pattern: string, value: string): boolean {
  // States (pattern index, value index) known not to match: keeps many stars linear in p × v.
  const failed = new Set<number>();
  const matchFrom = (p: number, v: number): boolean => {
    const key = p * (value.length + 1) + v;
    if (failed.has(key)) return false;
    const ok = matchAt(p, v);
    if (!ok) failed.add(key);
    return ok;
  };
  const matchAt = (p: number, v: number): boolean => {
    if (p === pattern.length) return v === value.length;
    if (pattern[p] === '*') {
      const crossesSlash = pattern[p + 1] === '*';
      const rest = p + (crossesSlash ? 2 : 1);
      for (let end = v; end <= value.length; end++) {
        if (matchFrom(rest, end)) return true;
        if (end < value.length && value[end] === '/' && !crossesSlash) return false;
      }
      return false;
    }
    return v < value.length && pattern[p] === value[v] && matchFrom(p + 1, v + 1);
  };
  return matchFrom(0, 0);
}

/** A namespace glob; a pattern with a wildcard never matches a protected namespace. */
export function namespaceMatches(pattern: string, namespace: string, protectedSet: Set<string>): boolean {
  if (protectedSet.has(namespace) && pattern.includes('*')) return false;
  return matchGlob(pattern, namespace);
}

/**
 * The form of a repository URL that is matched against sourceRepos, or a reason it cannot be: URLs must be
 * written in the canonical form WHATWG URL parsing gives them (lowercase scheme and host, no dot segments,
 * no escapes that decode to them), so the string matched is the one git fetches. scp-like `user@host:path`
 * must have no `.`/`..` path segments.
 */
export function canonicalRepoURL(repoURL: string): { url: string } | { problem: string } {
  const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/.exec(repoURL);
  if (scpLike !== null) {
    const segments = repoURL.slice(scpLike[0].length).split('/');
    if (segments.some((s) => s === '.' || s === '..')) return { problem: 'has "." or ".." path segments' };
    return { url: repoURL };
  }
  let parsed: URL;
  try {
    parsed = new URL(repoURL);
  } catch {
    return { problem: 'is not a URL' };
  }
  if (parsed.href !== repoURL && parsed.href !== `${repoURL}/`)
    return { problem: `is not in canonical form (would be read as ${parsed.protocol}//${parsed.host}…)` };
  return { url: repoURL };
}

/** Why an Application may not use this Project, checked before its source is fetched. */
export function checkApplication(
  project: Project,
  app: AppUnderPolicy,
  controllerNamespace: string,
): Violation[] {
  const subject = `Application/${app.namespace}/${app.name}`;
  const name = `Project ${project.metadata.name}`;
  const protectedSet = protectedNamespaces(controllerNamespace);
  const violations: Violation[] = [];
  if (!project.spec.sourceNamespaces.some((p) => matchGlob(p, app.namespace))) {
    violations.push({
      rule: 'sourceNamespaces',
      subject,
      message: `${name} does not list namespace ${app.namespace} in sourceNamespaces`,
    });
  }
  const canonical = canonicalRepoURL(app.repoURL);
  if ('problem' in canonical) {
    violations.push({
      rule: 'sourceRepos',
      subject,
      message: `repoURL ${canonical.problem}; ${name} only matches canonical URLs`,
    });
  } else if (!project.spec.sourceRepos.some((p) => matchGlob(p, canonical.url))) {
    violations.push({
      rule: 'sourceRepos',
      subject,
      message: `${name} does not allow this repoURL (sourceRepos: ${listOf(project.spec.sourceRepos)})`,
    });
  }
  const cluster = app.destination.cluster ?? IN_CLUSTER;
  if (cluster !== IN_CLUSTER && !project.spec.destinations.some((d) => d.cluster === cluster)) {
    violations.push({
      rule: 'cluster',
      subject,
      message: `${name} does not allow destination cluster "${cluster}" (clusters: ${listOf([...new Set(project.spec.destinations.map((d) => d.cluster))])})`,
    });
    return violations;
  }
  const destination = destinationFor(project, cluster, app.destination.namespace, protectedSet);
  if (destination === undefined) {
    violations.push({
      rule: 'destinations',
      subject,
      message: `${name} does not allow destination namespace ${app.destination.namespace} (destinations: ${listOf(project.spec.destinations.map((d) => d.namespace))})`,
    });
  }
  if (app.serviceAccountName !== undefined && !project.spec.allowAppServiceAccount) {
    violations.push({
      rule: 'allowAppServiceAccount',
      subject,
      message: `spec.serviceAccountName is set but ${name} does not allow an app's own ServiceAccount (allowAppServiceAccount: false)`,
    });
  }
  return violations;
}

/**
 * The ServiceAccount objects in `namespace` are applied as: the app's own (when the Project allows it),
 * else the first Project destination of the app's cluster that matches. Undefined when the Project does not
 * allow `namespace` on that cluster. On a remote cluster the ServiceAccount is the one of that cluster.
 */
export function serviceAccountFor(
  project: Project,
  app: AppUnderPolicy,
  namespace: string,
  controllerNamespace: string,
): ServiceAccountRef | undefined {
  const destination = destinationFor(
    project,
    app.destination.cluster ?? IN_CLUSTER,
    namespace,
    protectedNamespaces(controllerNamespace),
  );
  if (destination === undefined) return undefined;
  if (app.serviceAccountName !== undefined && project.spec.allowAppServiceAccount)
    return { namespace, name: app.serviceAccountName };
  const [first, second] = destination.serviceAccountName.split('/');
  return second === undefined ? { namespace, name: first ?? '' } : { namespace: first ?? '', name: second };
}

/** The Project's first destination for this cluster whose namespace glob matches. */
function destinationFor(
  project: Project,
  cluster: string,
  namespace: string,
  protectedSet: Set<string>,
): Project['spec']['destinations'][number] | undefined {
  return project.spec.destinations.find(
    (d) => d.cluster === cluster && namespaceMatches(d.namespace, namespace, protectedSet),
  );
}

/**
 * Why the Project refuses planned objects: cluster-scoped kinds not in clusterResourceAllowList, namespaced
 * kinds in namespaceResourceDenyList, and objects in a namespace the Project does not allow or that would be
 * applied as another ServiceAccount than the app's (one identity per sync).
 */
export function checkObjects(
  project: Project,
  app: AppUnderPolicy,
  refs: readonly ObjectRef[],
  controllerNamespace: string,
): Violation[] {
  const name = `Project ${project.metadata.name}`;
  const appAccount = serviceAccountFor(project, app, app.destination.namespace, controllerNamespace);
  const violations: Violation[] = [];
  for (const ref of refs) {
    const subject = subjectOf(ref);
    const kind = `${ref.group === '' ? 'core' : ref.group}/${ref.kind}`;
    if (ref.namespace === '') {
      if (!listed(project.spec.clusterResourceAllowList, ref)) {
        violations.push({
          rule: 'clusterResourceAllowList',
          subject,
          message: `cluster-scoped kind ${kind} is not in ${name}'s clusterResourceAllowList`,
        });
      }
      continue;
    }
    if (listed(project.spec.namespaceResourceDenyList, ref)) {
      violations.push({
        rule: 'namespaceResourceDenyList',
        subject,
        message: `kind ${kind} is in ${name}'s namespaceResourceDenyList`,
      });
      continue;
    }
    const account = serviceAccountFor(project, app, ref.namespace, controllerNamespace);
    if (account === undefined) {
      violations.push({
        rule: 'destinations',
        subject,
        message: `namespace ${ref.namespace} is not an allowed destination of ${name}`,
      });
    } else if (
      appAccount !== undefined &&
      (account.namespace !== appAccount.namespace || account.name !== appAccount.name)
    ) {
      violations.push({
        rule: 'destinations',
        subject,
        message: `namespace ${ref.namespace} is applied as ServiceAccount ${account.namespace}/${account.name} in ${name}, not as the app's ${appAccount.namespace}/${appAccount.name}; put it in an Application of its own`,
      });
    }
  }
  return violations;
}

function listed(list: readonly GroupKind[], ref: ObjectRef): boolean {
  return list.some((gk) => matchGlob(gk.group, ref.group) && matchGlob(gk.kind, ref.kind));
}

function listOf(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}
