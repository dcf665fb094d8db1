/**
 * Tenancy in the controller: which Project an Application belongs to, whether the Project accepts it, and
 * the ObjectsApi its writes go through (impersonating the Project's ServiceAccount for its destination).
 * Projects come from a lookup: the controller's watch of the Projects in its namespace (no request per
 * reconcile; a change re-triggers the Project's apps). A refusal never falls back to the controller's own
 * identity: the app does nothing and its status says why.
 */
import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { SyncFailure } from '../engine/types.js';
import { parseProject } from '../crd/project.js';
import type { Project } from '../crd/project.js';
import { errorMessage } from '../core/errors.js';
import { checkApplication, checkObjects, serviceAccountFor } from '../plan/policy.js';
import type { AppUnderPolicy, ServiceAccountRef, Violation } from '../plan/policy.js';
import type { PlannedObject } from '../plan/types.js';
import type { Application } from '../app/model.js';

/** Ready/Synced reason of an Application its Project refuses. */
export const PROJECT_REFUSED = 'ProjectRefused';

/** What an accepted Application may do, and as whom. */
export interface AppAccess {
  project: Project;
  serviceAccount: ServiceAccountRef;
  /** Writes impersonate `serviceAccount`; reads stay with the controller. */
  objects: ObjectsApi;
  /** The controller's own identity on the destination cluster (namespaces it creates, reads). */
  clusterObjects: ObjectsApi;
  /** The Project's verdict on planned objects (the engine's `admit`). */
  admit: (planned: readonly PlannedObject[]) => Violation[];
}

/** The Project named `name` in the controller namespace, as stored (undefined when there is none). */
export type ProjectLookup = (name: string) => Promise<KubeObject | undefined>;

export type ProjectVerdict =
  { kind: 'allowed'; access: AppAccess } | { kind: 'refused'; failure: SyncFailure };

/**
 * The label value that marks an app's objects: its name for Applications in the controller namespace (as
 * before, so existing installs keep their objects), `<namespace>_<name>` for any other namespace (as Argo
 * CD does for apps in any namespace), so the same name in two namespaces never shares objects.
 */
export function trackingNameOf(
  app: { metadata: { name: string; namespace?: string } },
  controllerNamespace: string,
): string {
  const namespace = app.metadata.namespace ?? controllerNamespace;
  return namespace === controllerNamespace ? app.metadata.name : `${namespace}_${app.metadata.name}`;
}

/**
 * The Application a tracking name stands for (the inverse of trackingNameOf): `<ns>_<name>`, or a bare name
 * in the controller namespace. Neither namespaces nor Application names may contain '_'.
 */
export function appOfTrackingName(
  trackingName: string,
  controllerNamespace: string,
): { namespace: string; name: string } {
  const split = trackingName.indexOf('_');
  return split < 0
    ? { namespace: controllerNamespace, name: trackingName }
    : { namespace: trackingName.slice(0, split), name: trackingName.slice(split + 1) };
}

/** The parts of an Application the policy looks at. */
export function appUnderPolicy(app: Application): AppUnderPolicy {
  return {
    namespace: app.metadata.namespace,
    name: app.metadata.name,
    repoURL: app.spec.source.repoURL,
    destination: { namespace: app.spec.destination.namespace, cluster: app.spec.destination.cluster },
    serviceAccountName: app.spec.serviceAccountName,
  };
}

/**
 * Reads the app's Project and decides: the access it gets, or why it gets none. Never throws for a refusal.
 * `objects` is the controller's connection to the app's destination cluster (impersonation happens there).
 */
export async function resolveProject(
  projects: ProjectLookup,
  objects: ObjectsApi,
  controllerNamespace: string,
  app: Application,
): Promise<ProjectVerdict> {
  const name = app.spec.project;
  const appSubject = `Application/${app.metadata.namespace}/${app.metadata.name}`;
  const refuse = (message: string, hint: string): ProjectVerdict => ({
    kind: 'refused',
    failure: { step: 'plan', subject: appSubject, reason: PROJECT_REFUSED, message, hint },
  });
  const raw = await projects(name);
  if (raw === undefined) {
    return refuse(
      `${appSubject} names Project ${name}, which does not exist in ${controllerNamespace}; nothing is synced`,
      `a cluster admin creates Project ${name} in ${controllerNamespace} listing namespace ${app.metadata.namespace} (mooring install creates "default" and the Project CRD), or set spec.project`,
    );
  }
  let project: Project;
  try {
    project = parseProject(raw);
  } catch (error) {
    return refuse(`Project ${name} is invalid: ${errorMessage(error)}`, 'fix the Project');
  }
  const under = appUnderPolicy(app);
  const violations = checkApplication(project, under, controllerNamespace);
  if (violations.length > 0) {
    return refuse(
      `${appSubject} refused by Project ${name}: ${violations.map((v) => `${v.message} (rule ${v.rule})`).join('; ')}; nothing is synced`,
      `a cluster admin changes Project ${name} in ${controllerNamespace}, or the Application is changed to fit it`,
    );
  }
  const serviceAccount = serviceAccountFor(project, under, under.destination.namespace, controllerNamespace);
  if (serviceAccount === undefined) {
    return refuse(
      `Project ${name} names no ServiceAccount for ${under.destination.namespace}`,
      'fix the Project',
    );
  }
  return {
    kind: 'allowed',
    access: {
      project,
      serviceAccount,
      objects: objects.actingAs(serviceAccount),
      clusterObjects: objects,
      admit: (planned) =>
        checkObjects(
          project,
          under,
          planned.map((p) => p.ref),
          controllerNamespace,
        ),
    },
  };
}
