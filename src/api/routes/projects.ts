/**
 * GET /api/v1/projects and /api/v1/projects/:name: the Projects of the controller namespace (where only
 * cluster admins write them), each with where its apps may deploy, the repositories they may sync from, and
 * its apps counted by sync and health among those the caller may list. Authorised with SubjectAccessReview
 * on projects.mooring.dev in the controller namespace (`list` for the list, `get` for one), so a Project is
 * shown only to whom `kubectl get projects` would show it.
 */
import type { FastifyRequest } from 'fastify';

import { MOORING_API_VERSION } from '../../app/model.js';
import { errorMessage, MooringError } from '../../core/errors.js';
import type { KubeObject } from '../../core/objects.js';
import { parseProject, PROJECT_KIND, PROJECT_PLURAL } from '../../crd/project.js';
import type { ProjectDestination } from '../../crd/project.js';
import type { ApiContext, ApiRoutes } from '../context.js';
import { authorize, visibleNamespaces } from '../context.js';
import type { AppCounts } from '../index/app-index.js';

/** One Project as the API shows it. */
export interface ProjectView {
  name: string;
  description?: string;
  /** Namespaces (globs) whose Applications belong to it. */
  sourceNamespaces: string[];
  /** Repository URL globs its apps may sync from (any user part of a URL removed). */
  sourceRepos: string[];
  destinations: ProjectDestination[];
  /** Its apps among those the caller may list, by sync and health. */
  apps: AppCounts;
  /** Why the Project is unusable (its apps are refused until it is fixed). */
  error?: string;
}

/** What GET /projects answers. */
export interface ProjectList {
  items: ProjectView[];
}

const NO_APPS: AppCounts = { total: 0, sync: {}, health: {} };

/** `https://user:token@host/…` → `https://host/…`: a glob is for reading, never a credential. Pure. */
export function withoutUserPart(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** A Project object as the API shows it (`apps` from the index). Pure. */
export function projectView(object: KubeObject, apps: AppCounts | undefined): ProjectView {
  const name = object.metadata.name;
  try {
    const project = parseProject(object);
    return {
      name,
      ...(project.spec.description === undefined ? {} : { description: project.spec.description }),
      sourceNamespaces: project.spec.sourceNamespaces,
      sourceRepos: project.spec.sourceRepos.map(withoutUserPart),
      destinations: project.spec.destinations,
      apps: apps ?? NO_APPS,
    };
  } catch (error) {
    return {
      name,
      sourceNamespaces: [],
      sourceRepos: [],
      destinations: [],
      apps: apps ?? NO_APPS,
      error: errorMessage(error),
    };
  }
}

function controllerNamespace(ctx: ApiContext): string {
  if (ctx.namespace === undefined)
    throw new MooringError('PREREQUISITE_MISSING', 'this API server runs without a controller namespace', {
      hint: 'Projects are served by `mooring controller --http-port`, which knows its namespace',
    });
  return ctx.namespace;
}

function projectName(request: FastifyRequest): string {
  const { name } = request.params as { name?: unknown };
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name))
    throw new MooringError('INVALID_ARGUMENT', 'a Project name must be a Kubernetes object name', {
      hint: 'e.g. /api/v1/projects/team-a',
    });
  return name;
}

/** The caller's apps by project: only the namespaces it may list count. */
async function appsByProject(ctx: ApiContext, request: FastifyRequest): Promise<Map<string, AppCounts>> {
  return ctx.index.tally('project', await visibleNamespaces(ctx, request));
}

export const projectRoutes: ApiRoutes = (app, ctx) => {
  app.get('/projects', async (request): Promise<ProjectList> => {
    const namespace = controllerNamespace(ctx);
    await authorize(ctx, request, { verb: 'list', namespace, resource: PROJECT_PLURAL });
    const [objects, counts] = await Promise.all([
      ctx.objects.list(MOORING_API_VERSION, PROJECT_KIND, { namespace }),
      appsByProject(ctx, request),
    ]);
    const items = objects
      .map((object) => projectView(object, counts.get(object.metadata.name)))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { items };
  });

  app.get('/projects/:name', async (request): Promise<ProjectView> => {
    const name = projectName(request);
    const namespace = controllerNamespace(ctx);
    await authorize(ctx, request, { verb: 'get', namespace, name, resource: PROJECT_PLURAL });
    const object = await ctx.objects.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: PROJECT_KIND,
      namespace,
      name,
    });
    if (object === undefined)
      throw new MooringError('NOT_FOUND', `Project ${name} not found`, {
        hint: 'GET /api/v1/projects lists the Projects',
      });
    return projectView(object, (await appsByProject(ctx, request)).get(name));
  });
};
