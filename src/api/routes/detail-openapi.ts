/** The OpenAPI paths of the routes that need the controller (tree, diffs, streams). Pure. */
type Json = Record<string, unknown>;

const appPathParams: Json[] = [
  { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
];
const error = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const ERRORS: Json = {
  '400': error('invalid parameters'),
  '401': error('no valid bearer token'),
  '403': error('Kubernetes RBAC does not allow the caller this'),
  '404': error('no such Application'),
  '503': error('the server runs without a controller'),
};
const json = (description: string, schema: Json = { type: 'object' }): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const eventStream = (description: string): Json => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string' } } },
});
const lastEventId: Json = {
  name: 'Last-Event-ID',
  in: 'header',
  required: false,
  description: 'resume after this event; a `reset` event answers an id no longer buffered',
  schema: { type: 'string' },
};

const treeNode: Json = {
  type: 'object',
  required: ['group', 'version', 'kind', 'name', 'managed', 'health', 'message', 'children'],
  properties: {
    group: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string' },
    namespace: { type: 'string' },
    name: { type: 'string' },
    uid: { type: 'string' },
    managed: { type: 'boolean', description: 'in the app inventory (false: made by the cluster from one)' },
    sync: { type: 'string', enum: ['Synced', 'OutOfSync', 'Unknown'] },
    health: { type: 'string' },
    message: { type: 'string' },
    children: { type: 'array', items: { type: 'object', description: 'a node of the same shape' } },
    truncated: { type: 'integer', description: 'children left out' },
  },
};

export const DETAIL_OPENAPI_PATHS: Record<string, unknown> = {
  '/api/v1/applications/{namespace}/{name}/tree': {
    get: {
      summary:
        'the resource tree: managed objects and what they own (ReplicaSets, Jobs, Pods), with health and sync',
      parameters: appPathParams,
      responses: {
        '200': json('the tree', {
          type: 'object',
          properties: {
            cluster: { type: 'string' },
            count: { type: 'integer' },
            nodes: { type: 'array', items: treeNode },
          },
        }),
        ...ERRORS,
      },
    },
  },
  '/api/v1/applications/{namespace}/{name}/diff': {
    get: {
      summary:
        'without from: live vs the target revision (the engine dry-run, ownership-aware); with from (and to): desired vs desired between two history entries (SyncRecord names) or commits. Secret values masked.',
      parameters: [
        ...appPathParams,
        { name: 'from', in: 'query', required: false, schema: { type: 'string' } },
        {
          name: 'to',
          in: 'query',
          required: false,
          description: 'default: the current revision',
          schema: { type: 'string' },
        },
      ],
      responses: { '200': json('outcomes and per-object diffs'), ...ERRORS },
    },
  },
  '/api/v1/applications/{namespace}/{name}/stream': {
    get: {
      summary:
        'server-sent events of one app: status, record (new SyncRecord), event (Kubernetes Event), deleted, reset',
      parameters: [...appPathParams, lastEventId],
      responses: { '200': eventStream('the stream (heartbeat comments every 15 s)'), ...ERRORS },
    },
  },
  '/api/v1/stream/applications': {
    get: {
      summary:
        'server-sent events of the list: application (a summary changed), deleted, reset; filters as the list',
      parameters: [
        ...['project', 'namespace', 'cluster', 'sync', 'health', 'selector', 'text'].map((name) => ({
          name,
          in: 'query',
          required: false,
          schema: { type: 'string' },
        })),
        lastEventId,
      ],
      responses: { '200': eventStream('the stream (heartbeat comments every 15 s)'), ...ERRORS },
    },
  },
};
