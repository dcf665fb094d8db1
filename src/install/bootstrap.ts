/**
 * `mooring bootstrap`: after the install, one root Application (app of apps) whose folder in Git holds the
 * Application manifests of everything else, and the Secret with the Git credentials it needs. From then on
 * the cluster is described by Git alone: a new or rebuilt cluster gets the same objects from one command.
 */
import type { ProgressReporter } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { parseObjectId } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import type { ApplicationManifest as Application, Condition } from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { classifyRef } from '../source/index.js';
import type { GitCredentials } from '../source/types.js';
import { CREDENTIAL_TYPE_LABEL, CREDENTIAL_TYPE_REPOSITORY } from '../source/repo-credentials.js';
import { displayURL, normaliseSourcePath, validateRepoURL } from '../source/validate.js';
import { MOORING_NAMESPACE } from './install.js';
import { ADMIN_PROJECT } from './projects.js';

/** Field manager of what bootstrap writes: distinct from the engine's, so Git can take fields over later. */
export const BOOTSTRAP_FIELD_MANAGER = 'mooring-bootstrap';

export interface BootstrapInput {
  /** The root Application's name (default "root"). */
  name: string;
  repoURL: string;
  /** As typed: a branch, tag, semver range or commit (see classifyRef). */
  ref: string;
  /** The folder of Application manifests. */
  path: string;
  /** Stored in Secret `mooring-git-<name>` and named by the root's secretRef. */
  credentials?: GitCredentials;
  /** Let the credentials go over plain http:// (a trusted local server only). */
  insecureAllowHTTP?: boolean;
  /** The root's poll interval (default the CRD's, 3m). */
  interval?: string;
}

/** The Secret that holds the root's Git credentials. */
export function credentialsSecretName(rootName: string): string {
  return `mooring-git-${rootName}`;
}

/**
 * The objects bootstrap writes, in order: the credentials Secret (when there are credentials; keys as
 * the controller reads them) and the root Application. Pure; validates the URL, ref and path.
 */
export function bootstrapObjects(input: BootstrapInput): KubeObject[] {
  validateRepoURL(input.repoURL);
  const secretName = credentialsSecretName(input.name);
  const labels = { 'app.kubernetes.io/managed-by': 'mooring', 'app.kubernetes.io/component': 'bootstrap' };
  const objects: KubeObject[] = [];
  if (input.credentials !== undefined) {
    const stringData =
      input.credentials.kind === 'basic'
        ? { username: input.credentials.username, password: input.credentials.password }
        : { sshPrivateKey: input.credentials.privateKey, knownHosts: input.credentials.knownHosts };
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace: MOORING_NAMESPACE,
        labels: { ...labels, [CREDENTIAL_TYPE_LABEL]: CREDENTIAL_TYPE_REPOSITORY },
      },
      type: 'Opaque',
      stringData: {
        ...stringData,
        // Bound to the repository itself: the credential is sent to this URL (and below it) only.
        url: displayURL(input.repoURL),
        ...(input.insecureAllowHTTP === true ? { insecureAllowHTTP: 'true' } : {}),
      },
    });
  }
  objects.push({
    apiVersion: MOORING_API_VERSION,
    kind: 'Application',
    metadata: { name: input.name, namespace: MOORING_NAMESPACE, labels },
    spec: {
      source: {
        repoURL: input.repoURL,
        ref: classifyRef(input.ref),
        path: normaliseSourcePath(input.path),
        ...(input.credentials === undefined ? {} : { secretRef: { name: secretName } }),
      },
      destination: { namespace: MOORING_NAMESPACE },
      // The root creates Applications (and may create cluster-scoped objects): only the explicit admin
      // Project (mooring install --admin-project, which bootstrap runs) allows that.
      project: ADMIN_PROJECT,
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      ...(input.interval === undefined ? {} : { interval: input.interval }),
    },
  });
  return objects;
}

/** Writes the bootstrap objects with server-side apply (a repeated bootstrap updates them in place). */
export async function applyBootstrap(
  objects: ObjectsApi,
  input: BootstrapInput,
  progress: ProgressReporter = () => undefined,
): Promise<void> {
  for (const obj of bootstrapObjects(input)) {
    await objects.apply(obj, { fieldManager: BOOTSTRAP_FIELD_MANAGER, force: true, step: 'apply' });
    progress(`applied ${obj.kind}/${MOORING_NAMESPACE}/${obj.metadata.name}`);
  }
}

const readyOf = (app: Application): Condition | undefined =>
  app.status?.conditions?.find((c) => c.type === 'Ready');

/** Names of the Applications a root created (its inventory), sorted. Pure. */
export function childApplications(root: Application): string[] {
  return (root.status?.inventory ?? [])
    .map((e) => parseObjectId(e.id))
    .filter(
      (ref) =>
        ref?.group === 'mooring.dev' && ref.kind === 'Application' && ref.namespace === MOORING_NAMESPACE,
    )
    .map((ref) => ref?.name ?? '')
    .sort();
}

/**
 * Waits until the root Application and every Application it created are Ready (a controller must be
 * running); reports each app the first time it is Ready. Throws TIMEOUT naming what is not Ready, and why.
 */
export async function waitBootstrapped(
  objects: ObjectsApi,
  rootName: string,
  timeoutMs: number,
  progress: ProgressReporter = () => undefined,
): Promise<string[]> {
  const reported = new Set<string>();
  const get = async (name: string): Promise<Application | undefined> =>
    (await objects.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: MOORING_NAMESPACE,
      name,
    })) as Application | undefined;
  return pollUntil(
    async (note) => {
      const root = await get(rootName);
      if (root === undefined) return undefined;
      const names = [rootName, ...childApplications(root)];
      const apps = await Promise.all(names.map((name) => get(name)));
      let allReady = true;
      for (const [index, app] of apps.entries()) {
        const name = names[index] ?? '';
        const ready = app === undefined ? undefined : readyOf(app);
        if (ready?.status === 'True') {
          if (!reported.has(name)) progress(`${name}: Ready (${app?.status?.summary ?? 'synced'})`);
          reported.add(name);
          continue;
        }
        allReady = false;
        note(
          `${name} is not Ready: ${app === undefined ? 'not created yet' : (ready?.message ?? 'no status yet')}`,
        );
      }
      return allReady ? names : undefined;
    },
    { timeoutMs, intervalMs: 1_000, what: `Application ${rootName} and the Applications it creates` },
  );
}
