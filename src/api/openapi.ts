/**
 * The OpenAPI 3.1 document of the HTTP API, served at GET /api/openapi.json. Hand-written next to the
 * routes; a unit test checks that every route the server registers is in it. Pure.
 */
import { HEALTH_STATUSES, SYNC_STATUSES } from '../crd/application-status.js';
import { ACTIONS } from './routes/actions.js';
import { FLEET_OPENAPI_PATHS } from './routes/fleet-openapi.js';
import { DEFAULT_LIMIT, MAX_LIMIT, SORT_KEYS } from './index/query.js';

type Json = Record<string, unknown>;

const errorResponse = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const ERRORS: Json = {
  '400': errorResponse('invalid parameters'),
  '401': errorResponse('no valid bearer token'),
  '403': errorResponse('Kubernetes RBAC does not allow the caller this'),
};

const appPathParams: Json[] = [
  { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
];

const query = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const json = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});

const summarySchema: Json = {
  type: 'object',
  required: [
    'name',
    'namespace',
    'project',
    'cluster',
    'destinationNamespace',
    'repoURL',
    'path',
    'sync',
    'health',
    'driftCount',
    'suspended',
  ],
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    project: { type: 'string' },
    cluster: { type: 'string' },
    destinationNamespace: { type: 'string' },
    repoURL: { type: 'string', description: 'without credentials' },
    path: { type: 'string' },
    revision: { type: 'string', description: 'the commit last synced or compared' },
    sync: { type: 'string', enum: [...SYNC_STATUSES] },
    health: { type: 'string', enum: [...HEALTH_STATUSES] },
    lastSync: { type: 'string', format: 'date-time' },
    lastSyncResult: { type: 'string', enum: ['Succeeded', 'Failed', 'Rejected'] },
    driftCount: { type: 'integer', description: 'resources with fields someone else changed' },
    suspended: { type: 'boolean' },
    summary: { type: 'string', description: 'why it is not synced or healthy, in one sentence' },
  },
};

/** GET of one Application's list (`items` of `schema`, newest first), at most `limit`. */
function appListPath(operationId: string, summary: string, schema: string, description: string): Json {
  return {
    get: {
      operationId,
      summary,
      parameters: [...appPathParams, query('limit', 'at most this many (default 100)', { type: 'integer' })],
      responses: {
        '200': json(
          {
            type: 'object',
            properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${schema}` } } },
          },
          description,
        ),
        ...ERRORS,
        '404': errorResponse('no such Application'),
      },
    },
  };
}
function actionPath(action: string): Json {
  const described: Record<string, string> = {
    sync: 'sync now (also an app with automated: false)',
    rollback:
      'roll back the GitOps way: a revert commit on the tracked branch, or a pin when the controller may not push',
    unpin: 'follow the tracked ref again after a rollback pinned the app',
    suspend: 'stop syncing and healing (spec.suspend: true); status keeps being reported',
    resume: 'start syncing again (spec.suspend: false)',
    refresh: 'look at Git now (a poll): a new commit syncs an automated app',
  };
  return {
    post: {
      operationId: `${action}Application`,
      summary: described[action],
      description:
        'Needs `patch` on applications.mooring.dev in the namespace. Audit-logged (an Event on the Application; the SyncRecord of the sync names the caller in initiatedBy).',
      parameters: appPathParams,
      ...(action === 'rollback'
        ? {
            requestBody: {
              required: false,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      to: {
                        type: 'string',
                        description: 'a commit id (7-40 hex digits) or "previous" (default)',
                      },
                    },
                  },
                },
              },
            },
          }
        : {}),
      responses: {
        '202': json(
          { $ref: '#/components/schemas/ActionReply' },
          'requested: the controller acts on it next',
        ),
        ...ERRORS,
        '404': errorResponse('no such Application'),
      },
    },
  };
}

/** The document. `extraPaths` are merged in (routes added by other plugins). */
export function openApiDocument(extraPaths: Json = {}): Json {
  const paths: Json = {
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'liveness',
        security: [],
        responses: { '200': { description: 'serving' } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'readiness: the Application watch has listed everything',
        security: [],
        responses: { '200': { description: 'ready' }, '503': { description: 'not ready yet' } },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'this document',
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1' } },
      },
    },
    '/api/auth/config': {
      get: {
        operationId: 'loginConfig',
        summary:
          'how the dashboard may sign in: with OIDC configured, the issuer, client id, authorization and token endpoints and scopes (authorization code + PKCE in the browser); {} otherwise',
        security: [],
        responses: {
          '200': { description: 'public login settings, never a secret' },
          '503': errorResponse('the issuer could not be read or names no authorization/token endpoint'),
        },
      },
    },
    '/api/webhook': {
      post: {
        operationId: 'webhook',
        summary:
          'Git push webhooks (GitHub, GitLab, Gitea/Forgejo, Bitbucket, generic HMAC): refresh the apps a push concerns',
        security: [],
        description:
          'Authenticated by the provider signature or token, not by a bearer token. Body at most 1 MiB.',
        responses: {
          '200': { description: 'ping or duplicate delivery' },
          '202': { description: 'apps refreshed (or the event ignored)' },
          '401': { description: 'signature verification failed' },
          '413': { description: 'payload too large' },
        },
      },
    },
    '/api/v1/applications': {
      get: {
        operationId: 'listApplications',
        summary: 'list Applications (only namespaces where the caller may list applications.mooring.dev)',
        parameters: [
          query('project', 'comma-separated Project names'),
          query('namespace', 'comma-separated namespaces'),
          query('cluster', 'comma-separated destination clusters'),
          query('sync', `comma-separated: ${SYNC_STATUSES.join(', ')}`),
          query('health', `comma-separated: ${HEALTH_STATUSES.join(', ')}`),
          query('selector', 'a Kubernetes label selector, e.g. team=a,env in (prod,staging)'),
          query('text', 'case-insensitive substring of name, namespace, project, repository or path'),
          query('sort', `one of ${SORT_KEYS.join(', ')}; prefix - for descending (default namespace)`),
          query('limit', `page size (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`, {
            type: 'integer',
            minimum: 1,
            maximum: MAX_LIMIT,
          }),
          query('continue', 'the token of the previous page (same filters and sort)'),
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['items', 'total'],
              properties: {
                items: { type: 'array', items: { $ref: '#/components/schemas/ApplicationSummary' } },
                total: {
                  type: 'integer',
                  description:
                    'how many apps match the query in all (every page), among those the caller may list',
                },
                continue: { type: 'string', description: 'absent on the last page' },
              },
            },
            'one page',
          ),
          ...ERRORS,
        },
      },
    },
    '/api/v1/applications/{namespace}/{name}': {
      get: {
        operationId: 'getApplication',
        summary: 'one Application: its summary, spec and status',
        parameters: appPathParams,
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                summary: { $ref: '#/components/schemas/ApplicationSummary' },
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: { type: 'object' },
                status: { type: 'object' },
              },
            },
            'the Application',
          ),
          ...ERRORS,
          '404': errorResponse('no such Application'),
        },
      },
    },
    '/api/v1/applications/{namespace}/{name}/history': appListPath(
      'getApplicationHistory',
      'its SyncRecords, newest first',
      'SyncRecord',
      'history',
    ),
    '/api/v1/applications/{namespace}/{name}/events': appListPath(
      'getApplicationEvents',
      'Kubernetes Events about it, newest first (syncs, drift, audited API actions)',
      'Event',
      'events',
    ),
    '/api/v1/applications/{namespace}/{name}/access': {
      get: {
        operationId: 'getApplicationAccess',
        summary:
          'which actions the caller may take on it (each needs `patch`): the dashboard hides the others',
        parameters: appPathParams,
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                actions: {
                  type: 'object',
                  properties: Object.fromEntries(ACTIONS.map((a) => [a, { type: 'boolean' }])),
                },
              },
            },
            'access',
          ),
          ...ERRORS,
          '404': errorResponse('no such Application'),
        },
      },
    },
    ...Object.fromEntries(
      ACTIONS.map((action) => [`/api/v1/applications/{namespace}/{name}/${action}`, actionPath(action)]),
    ),
    ...FLEET_OPENAPI_PATHS,
    ...extraPaths,
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mooring API',
      version: 'v1',
      description:
        'Authenticated with a Kubernetes bearer token (TokenReview) or an OIDC ID token; every read and action authorised by the cluster (SubjectAccessReview on applications.mooring.dev). Errors are {code, message, hint}.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message', 'hint'],
          properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
        },
        ApplicationSummary: summarySchema,
        ActionReply: {
          type: 'object',
          required: ['action', 'application', 'requestedBy'],
          properties: {
            action: { type: 'string', enum: [...ACTIONS] },
            application: {
              type: 'object',
              properties: { namespace: { type: 'string' }, name: { type: 'string' } },
            },
            requestedBy: { type: 'string' },
            target: { type: 'string' },
          },
        },
        SyncRecord: {
          type: 'object',
          description: 'spec of a SyncRecord (see deploy/crds/syncrecords.yaml) plus its name',
          properties: {
            name: { type: 'string' },
            trigger: { type: 'string' },
            initiatedBy: { type: 'string' },
            revision: { type: 'string' },
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
            result: { type: 'string' },
            message: { type: 'string' },
            objects: { type: 'array', items: { type: 'object' } },
            diffSummary: { type: 'object' },
          },
        },
        Event: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            reason: { type: 'string' },
            message: { type: 'string' },
            count: { type: 'integer' },
            firstTimestamp: { type: 'string' },
            lastTimestamp: { type: 'string' },
            source: { type: 'string' },
          },
        },
      },
    },
  };
}
