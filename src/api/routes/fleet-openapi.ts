/** The OpenAPI path items of GET /projects, /projects/:name and /clusters (merged by api/openapi.ts). Pure. */

type Json = Record<string, unknown>;

const errorRef = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const ok = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});

const appCounts: Json = {
  type: 'object',
  description: 'apps the caller may list, by sync and by health status',
  required: ['total', 'sync', 'health'],
  properties: {
    total: { type: 'integer' },
    sync: { type: 'object', additionalProperties: { type: 'integer' } },
    health: { type: 'object', additionalProperties: { type: 'integer' } },
  },
};

const project: Json = {
  type: 'object',
  required: ['name', 'sourceNamespaces', 'sourceRepos', 'destinations', 'apps'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    sourceNamespaces: { type: 'array', items: { type: 'string' } },
    sourceRepos: { type: 'array', items: { type: 'string' }, description: 'URL globs, no user part' },
    destinations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          cluster: { type: 'string' },
          namespace: { type: 'string' },
          serviceAccountName: { type: 'string' },
        },
      },
    },
    apps: appCounts,
    error: { type: 'string', description: 'why the Project is unusable' },
  },
};

const cluster: Json = {
  type: 'object',
  required: ['name', 'apps'],
  properties: {
    name: { type: 'string' },
    server: { type: 'string', description: 'host:port of its API server; absent for in-cluster' },
    reachable: { type: 'boolean', description: 'absent until the controller first used it' },
    unreachableSince: { type: 'string', format: 'date-time' },
    lastError: { type: 'string', description: 'short, without Secret names or URL user parts' },
    version: { type: 'string' },
    apps: appCounts,
  },
};

const list = (items: Json): Json => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items } },
});

const common: Json = {
  '401': errorRef('no valid bearer token'),
  '403': errorRef('Kubernetes RBAC does not allow the caller this'),
};

export const FLEET_OPENAPI_PATHS: Json = {
  '/api/v1/projects': {
    get: {
      operationId: 'listProjects',
      summary:
        'the Projects of the controller namespace (needs `list` on projects.mooring.dev there), with their apps counted',
      responses: { '200': ok(list(project), 'Projects by name'), ...common },
    },
  },
  '/api/v1/projects/{name}': {
    get: {
      operationId: 'getProject',
      summary: 'one Project (needs `get` on projects.mooring.dev in the controller namespace)',
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': ok(project, 'the Project'),
        ...common,
        '400': errorRef('not a Kubernetes name'),
        '404': errorRef('no such Project'),
      },
    },
  },
  '/api/v1/clusters': {
    get: {
      operationId: 'listClusters',
      summary:
        'destination clusters: every registered one for a caller who may list Applications in every namespace, else those its apps deploy to; 403 when it may list none',
      responses: { '200': ok(list(cluster), 'in-cluster first, then by name'), ...common },
    },
  },
};
