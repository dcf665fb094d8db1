import { MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import {
  chooseCredential,
  CREDENTIAL_TYPE_LABEL,
  CREDENTIAL_TYPE_REPOSITORY,
} from '../source/repo-credentials.js';
import type { RepoCredentialSecret } from '../source/repo-credentials.js';
import type { GitCredentials } from '../source/types.js';
import { displayURL, isFileRepoURL } from '../source/validate.js';
import type { Application } from '../app/model.js';

/** The label selector of repository credential Secrets. */
export const REPOSITORY_CREDENTIALS = `${CREDENTIAL_TYPE_LABEL}=${CREDENTIAL_TYPE_REPOSITORY}`;

const decode = (v: unknown): string | undefined =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;

/** A Secret as a repository credential (values decoded, never logged). */
export function repoCredentialOf(secret: KubeObject): RepoCredentialSecret {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const labels = secret.metadata.labels ?? {};
  return {
    name: `${secret.metadata.namespace ?? ''}/${secret.metadata.name}`,
    labelled: labels[CREDENTIAL_TYPE_LABEL] === CREDENTIAL_TYPE_REPOSITORY,
    url: decode(data.url)?.trim(),
    insecureAllowHTTP: decode(data.insecureAllowHTTP)?.trim().toLowerCase() === 'true',
    credentials: credentialsIn(data),
  };
}

function credentialsIn(data: Record<string, unknown>): GitCredentials | undefined {
  const password = decode(data.password) ?? decode(data.token);
  if (password !== undefined) return { kind: 'basic', username: decode(data.username) ?? 'git', password };
  const privateKey = decode(data.sshPrivateKey);
  const knownHosts = decode(data.knownHosts);
  if (privateKey !== undefined && knownHosts !== undefined) return { kind: 'ssh', privateKey, knownHosts };
  return undefined;
}

/**
 * The Git credential of an Application's repository, from Secrets of the Application's namespace that
 * are labelled `mooring.dev/credential-type: repository` and bound (key `url`) to a prefix of its
 * repoURL: the one `spec.source.secretRef` names, else the one with the longest matching prefix, else
 * none. Keys: `username` + `password` (or `token`), or `sshPrivateKey` + `knownHosts`;
 * `insecureAllowHTTP: "true"` to allow plain http://. Anything else is refused (UNSAFE_INPUT) with the
 * rule in the message; see src/source/repo-credentials.ts.
 */
export async function credentialsOf(
  objects: ObjectsApi,
  app: Application,
  labelledSecrets: (namespace: string) => Promise<KubeObject[]> = (namespace) =>
    objects.list('v1', 'Secret', { namespace, labelSelector: REPOSITORY_CREDENTIALS }),
): Promise<GitCredentials | undefined> {
  return credentialsFor(
    objects,
    {
      namespace: app.metadata.namespace,
      owner: `Application ${app.metadata.namespace}/${app.metadata.name}`,
      repoURL: app.spec.source.repoURL,
      secretName: app.spec.source.secretRef?.name,
    },
    labelledSecrets,
  );
}

/**
 * The same rule for any owner of a repository URL in `namespace` (an Application, an ImageUpdateAutomation):
 * the Secret `secretName` names, else the labelled Secret with the longest prefix of `repoURL`, else none.
 */
export async function credentialsFor(
  objects: ObjectsApi,
  where: {
    namespace: string;
    owner: string;
    repoURL: string;
    secretName?: string | undefined;
    /** The field naming the Secret, for messages (default spec.source.secretRef). */
    secretField?: string;
  },
  /** The labelled credential Secrets of a namespace (the controller's watch, or a LIST). */
  labelledSecrets: (namespace: string) => Promise<KubeObject[]> = (namespace) =>
    objects.list('v1', 'Secret', { namespace, labelSelector: REPOSITORY_CREDENTIALS }),
): Promise<GitCredentials | undefined> {
  const { namespace, repoURL, secretName: name } = where;
  const appName = where.owner;
  if (name !== undefined) {
    // A labelled one is known without a request; anything else is read, so its refusal says why.
    const secret =
      (await labelledSecrets(namespace)).find((s) => s.metadata.name === name) ??
      (await objects.get('v1', { group: '', kind: 'Secret', namespace, name }));
    if (secret === undefined) {
      throw new MooringError(
        'SOURCE_FAILED',
        `${appName}: secret ${namespace}/${name} named by ${where.secretField ?? 'spec.source.secretRef'} does not exist`,
        {
          step: 'source',
          subject: displayURL(repoURL),
          hint: `create it labelled ${CREDENTIAL_TYPE_LABEL}=${CREDENTIAL_TYPE_REPOSITORY}, with keys url and username and password (or token), or sshPrivateKey and knownHosts`,
        },
      );
    }
    return chooseCredential(appName, repoURL, repoCredentialOf(secret), []).credentials;
  }
  const labelled = await labelledSecrets(namespace);
  return chooseCredential(appName, repoURL, undefined, labelled.map(repoCredentialOf)).credentials;
}

/**
 * Refuses a file:// repoURL unless the controller runs with --allow-file-repos: such a URL reaches any
 * repository on the controller's own disk (another app's mirror, for one).
 */
export function refuseFileRepo(app: Application, allowFileRepos: boolean): void {
  if (allowFileRepos || !isFileRepoURL(app.spec.source.repoURL)) return;
  const namespace = app.metadata.namespace;
  throw new MooringError(
    'UNSAFE_INPUT',
    `Application ${namespace}/${app.metadata.name}: file:// repository ${displayURL(app.spec.source.repoURL)} refused: the controller reads local repositories only when started with --allow-file-repos`,
    {
      step: 'source',
      subject: displayURL(app.spec.source.repoURL),
      hint: 'use an https:// or ssh:// repository URL (--allow-file-repos is for tests and the demo)',
    },
  );
}
