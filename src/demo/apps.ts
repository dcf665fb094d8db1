/** The Applications and the Secret the demo creates: pure functions of the Git server's address. */
import type { KubeObject } from '../core/objects.js';
import type {
  ApplicationManifest as Application,
  ApplicationSpecInput as ApplicationSpec,
} from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';
import { CREDENTIAL_TYPE_LABEL, CREDENTIAL_TYPE_REPOSITORY } from '../source/repo-credentials.js';

/** Namespace of the demo's Applications, the Git Secret and the SyncRecords. */
export const DEMO_NAMESPACE = 'mooring-system';
/** The permissive Project the demo's Applications belong to (never the install's safe `default`). */
export const DEMO_PROJECT = 'mooring-demo';
/** Secret holding the demo Git server's credentials (keys username, password). */
export const DEMO_GIT_SECRET = 'demo-git-credentials';
/**
 * Short, so a commit pushed to the demo repository is applied within seconds even without the push
 * watcher; a real setup would poll every few minutes and rely on webhooks.
 */
export const DEMO_INTERVAL = '5s';

/** One example app: where it lives in the repository and how it is rendered. */
export interface DemoApp {
  name: string;
  path: string;
  namespace: string;
  helmValueFiles?: string[];
}

/** The example apps of examples/, one Application each. */
export const DEMO_APPS: readonly DemoApp[] = [
  { name: 'guestbook', path: 'guestbook', namespace: 'guestbook' },
  { name: 'podinfo-dev', path: 'podinfo-kustomize/overlays/dev', namespace: 'podinfo-dev' },
  { name: 'podinfo-prod', path: 'podinfo-kustomize/overlays/prod', namespace: 'podinfo-prod' },
  { name: 'hello-helm', path: 'hello-helm', namespace: 'hello-helm', helmValueFiles: ['values-prod.yaml'] },
];

/** The Application of one demo app, following `main` of `repoURL`. */
export function demoApplication(app: DemoApp, repoURL: string): Application {
  const source: ApplicationSpec['source'] = {
    repoURL,
    ref: { branch: 'main' },
    path: app.path,
    secretRef: { name: DEMO_GIT_SECRET },
    ...(app.helmValueFiles === undefined ? {} : { helm: { valueFiles: app.helmValueFiles } }),
  };
  return {
    apiVersion: MOORING_API_VERSION,
    kind: 'Application',
    metadata: {
      name: app.name,
      namespace: DEMO_NAMESPACE,
      labels: { 'app.kubernetes.io/part-of': 'mooring-demo' },
    },
    spec: {
      project: DEMO_PROJECT,
      source,
      destination: { namespace: app.namespace },
      syncPolicy: { automated: true, prune: true, selfHeal: true, createNamespace: true },
      interval: DEMO_INTERVAL,
    },
  };
}

/** The namespace of the Applications, created before anything goes in it. */
export function demoNamespace(): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE } };
}

/**
 * The Secret the Applications name in spec.source.secretRef: a repository credential bound to the demo
 * repository, allowed over http:// because the demo's Git server listens on loopback only.
 */
export function gitCredentialsSecret(username: string, password: string, repoURL: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: DEMO_GIT_SECRET,
      namespace: DEMO_NAMESPACE,
      labels: { [CREDENTIAL_TYPE_LABEL]: CREDENTIAL_TYPE_REPOSITORY },
    },
    type: 'kubernetes.io/basic-auth',
    // data rather than the write-only stringData: what is applied is what is stored, so applying a new
    // password on the next run replaces the old one under the same field manager.
    data: {
      username: base64(username),
      password: base64(password),
      url: base64(repoURL),
      insecureAllowHTTP: base64('true'),
    },
  };
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
