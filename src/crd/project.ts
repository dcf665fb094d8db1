/**
 * The Project custom resource (mooring.dev/v1alpha1, namespaced, only read from the controller's namespace,
 * so only who may write there — cluster admins — defines what Applications may do). Argo CD's AppProject is
 * the anchor, made smaller and safer: every list defaults to "nothing", cluster-scoped kinds are refused
 * unless listed, and every destination names the ServiceAccount its objects are applied as, so Kubernetes
 * RBAC stays the final authority. The zod schema is the single source of the type, the CRD's OpenAPI schema
 * and the controller's validation (parseProject). Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import { MOORING_API_VERSION, parseField } from './common.js';

export const PROJECT_KIND = 'Project';
export const PROJECT_PLURAL = 'projects';
/** The Project of an Application that names none. */
export const DEFAULT_PROJECT = 'default';
/** The in-cluster destination name: the controller's own cluster and connection (the default). */
export const IN_CLUSTER = 'in-cluster';

const groupKindSchema = z
  .object({
    group: z
      .string()
      .max(253)
      .describe('API group ("" for the core group); a glob such as "*" or "*.example.com".'),
    kind: z.string().min(1).max(63).describe('Kind, e.g. ClusterRole; a glob such as "*".'),
  })
  .describe('A kind of object: API group and kind (globs allowed).');

/** A `namespace/name` or bare `name` of a ServiceAccount (DNS labels, as Kubernetes names them). */
const SERVICE_ACCOUNT_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

const destinationSchema = z
  .object({
    cluster: z
      .string()
      .min(1)
      .describe(
        'Destination cluster: "in-cluster" (the controller\'s own), or the name of a cluster Secret in the controller namespace (mooring cluster add).',
      )
      .default(IN_CLUSTER),
    namespace: z
      .string()
      .min(1)
      .max(63)
      .describe(
        'Namespace glob ("team-a", "team-a-*", "*"). A glob never matches the controller namespace or kube-*: name those literally.',
      ),
    serviceAccountName: z
      .string()
      .min(1)
      .max(317)
      .regex(SERVICE_ACCOUNT_PATTERN, { message: 'must be NAME or NAMESPACE/NAME of a ServiceAccount' })
      .describe(
        'ServiceAccount the objects for this destination are applied as: NAME (in the destination namespace) or NAMESPACE/NAME.',
      ),
  })
  .describe('Where Applications of the Project may deploy, and as whom.');

/** spec of a Project. */
export const projectSpecSchema = z.object({
  description: z.string().max(1024).describe('What the Project is for.').optional(),
  sourceNamespaces: z
    .array(z.string().min(1).max(63))
    .describe('Namespaces (globs) whose Applications belong to this Project.')
    .default([]),
  sourceRepos: z
    .array(z.string().min(1).max(2048))
    .describe(
      'Repository URL globs the Applications may sync from ("https://git.example.com/team-a/*"); "*" matches within one path segment, "**" across segments.',
    )
    .default([]),
  destinations: z.array(destinationSchema).describe('Allowed destinations, in order.').default([]),
  clusterResourceAllowList: z
    .array(groupKindSchema)
    .describe('Cluster-scoped kinds the Applications may manage (default none).')
    .default([]),
  namespaceResourceDenyList: z
    .array(groupKindSchema)
    .describe('Namespaced kinds the Applications may not manage.')
    .default([]),
  sourceVerification: z
    .object({
      secretRef: z
        .object({ name: z.string().min(1).max(253).describe('Name of the Secret.') })
        .describe(
          'Secret in the Project namespace holding the trusted public keys: OpenPGP as *.asc (armored), SSH as *.pub or allowed_signers.',
        ),
    })
    .describe(
      'Every revision an Application of this Project syncs must be a commit signed by one of these keys; the Application cannot turn this off or name other keys (its spec.source.verify.mode may still ask for a signed tag too).',
    )
    .optional(),
  allowAppServiceAccount: z
    .boolean()
    .describe(
      "An Application may name its own spec.serviceAccountName (in its destination namespace) instead of the destination's.",
    )
    .default(false),
});

export type ProjectSpec = z.infer<typeof projectSpecSchema>;
export type ProjectSpecInput = z.input<typeof projectSpecSchema>;
export type ProjectDestination = ProjectSpec['destinations'][number];
export type GroupKind = z.infer<typeof groupKindSchema>;

/** A whole Project object, spec defaulted. */
export interface Project extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof PROJECT_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: ProjectSpec;
}

/** Validates a Project read from the cluster and fills in defaults; throws INVALID_MANIFEST naming every bad field. */
export function parseProject(obj: KubeObject): Project {
  const subject = `${PROJECT_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== PROJECT_KIND) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} Project, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  }
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: PROJECT_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' },
    spec: parseField(projectSpecSchema, obj.spec ?? {}, 'spec', subject),
  };
}
