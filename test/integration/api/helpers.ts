/**
 * Helpers of the API's integration tests: the HTTP server on a free loopback port (index from its own watch
 * of the test's namespaces), ServiceAccounts with Roles and their tokens (TokenRequest), and calls.
 */
import type { TestContext } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { OidcOptions } from '../../../src/api/auth/oidc.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { watchApplications } from '../../../src/api/index/watch.js';
import { buildHttpServer } from '../../../src/api/serve.js';
import type { Logger } from '../../../src/core/logger.js';
import type { ClusterRegistry } from '../../../src/kube/clusters.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

export interface RunningApi {
  url: string;
  server: FastifyInstance;
  index: ApplicationIndex;
}

/** Starts the API (real HTTP on 127.0.0.1) over `namespaces`; stopped when the test ends. */
export async function startApi(
  t: TestContext,
  objects: ObjectsApi,
  namespaces: string[],
  logger: Logger,
  oidc?: OidcOptions,
  controller: { namespace?: string; clusters?: ClusterRegistry } = {},
): Promise<RunningApi> {
  const index = new ApplicationIndex();
  const watch = await watchApplications(objects, index, namespaces, logger);
  const server = await buildHttpServer({
    objects,
    index,
    logger,
    ...(oidc === undefined ? {} : { oidc }),
    ...(controller.namespace === undefined ? {} : { namespace: controller.namespace }),
    ...(controller.clusters === undefined ? {} : { clusters: controller.clusters }),
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    watch.stop();
    await server.close();
  });
  return { url, server, index };
}

/** A ServiceAccount in `namespace` bound to a Role with `verbs` on applications.mooring.dev there; its token. */
export async function serviceAccountWith(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  verbs: string[],
): Promise<{ token: string; user: string }> {
  await objects.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  await bindRole(objects, namespace, name, verbs, { kind: 'ServiceAccount', name, namespace });
  const answer = await objects.client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    verb: 'create',
  });
  return { token: answer.status.token, user: `system:serviceaccount:${namespace}:${name}` };
}

/** A Role with `verbs` on applications.mooring.dev in `namespace`, bound to `subject`. */
export async function bindRole(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  verbs: string[],
  subject: { kind: 'ServiceAccount' | 'User' | 'Group'; name: string; namespace?: string },
): Promise<void> {
  await objects.create({
    apiVersion: RBAC,
    kind: 'Role',
    metadata: { name: `apps-${name}`, namespace },
    rules: [{ apiGroups: ['mooring.dev'], resources: ['applications'], verbs }],
  });
  await objects.create({
    apiVersion: RBAC,
    kind: 'RoleBinding',
    metadata: { name: `apps-${name}`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `apps-${name}` },
    subjects: [
      subject.kind === 'ServiceAccount'
        ? { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace }
        : { kind: subject.kind, name: subject.name, apiGroup: 'rbac.authorization.k8s.io' },
    ],
  });
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One request to the API with a bearer token (or none). */
export async function call(
  api: RunningApi,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
