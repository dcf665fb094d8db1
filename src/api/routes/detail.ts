/**
 * One app in detail: its resource tree, its diff against the live cluster, and the diff between two
 * history entries (or revisions). Each needs `get` on the Application (SubjectAccessReview); what is read
 * in the cluster is read with the controller's identity, and what is dry-run, as the Project's
 * ServiceAccount — the caller's rights on the Application are what the API checks, the Project's what the
 * cluster checks.
 */
import type { Application } from '../../app/model.js';
import { MOORING_API_VERSION, RECORD_APP_LABEL } from '../../app/model.js';
import { MooringError } from '../../core/errors.js';
import type { KubeObject } from '../../core/objects.js';
import { isRecord, subjectOf } from '../../core/objects.js';
import type { SyncResult } from '../../engine/types.js';
import type { HealthContext, HealthResult } from '../../health/types.js';
import type { DesiredState } from '../../controller/preview.js';
import type { ApiContext, ApiRoutes } from '../context.js';
import { authorizedApplication } from '../context.js';
import type { RevisionDiff, RevisionSide } from '../diff.js';
import { diffDesired, liveDiffOf } from '../diff.js';
import type { ManagedResource } from '../tree.js';
import { countNodes } from '../tree.js';
import { liveTree } from '../tree-live.js';
import { appParams } from './applications.js';

/** What the detail routes need from the controller (absent: the routes answer 503). */
export interface DetailBackend {
  /** Live diff and desired state of a revision, through the reconcile's own steps (controller/preview.ts). */
  preview?: {
    liveDiff(app: Application): Promise<SyncResult>;
    desiredAt(app: Application, commit: string): Promise<DesiredState>;
  };
  /** The controller's live cache of a destination cluster, by inventory id. */
  cached?: (cluster: string, id: string) => KubeObject | undefined;
  /** How an object of this app is judged (its custom health checks in front of the built-in rules). */
  assessFor?: (app: Application) => (obj: KubeObject | undefined, context: HealthContext) => HealthResult;
}

const FULL_COMMIT = /^[0-9a-f]{40}$/;
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/;
const RECORD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function unavailable(what: string): MooringError {
  return new MooringError(
    'PREREQUISITE_MISSING',
    `${what} needs the controller, and this server runs without one`,
    {
      hint: 'ask the API served by `mooring controller` (--http-port)',
    },
  );
}

function managedOf(app: Application): ManagedResource[] {
  return (app.status?.resources ?? []).map((r) => ({
    group: r.group,
    version: r.version,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    sync: r.sync,
    health: r.health,
    message: r.message,
  }));
}

/** The app's SyncRecords (its own: label and, when set, owner uid), as {name, spec}. */
async function recordsOf(
  ctx: ApiContext,
  app: Application,
): Promise<{ name: string; spec: Record<string, unknown> }[]> {
  const records = await ctx.objects.list(MOORING_API_VERSION, 'SyncRecord', {
    namespace: app.metadata.namespace,
    labelSelector: `${RECORD_APP_LABEL}=${app.metadata.name}`,
  });
  return records
    .filter((r) => {
      const owners = r.metadata.ownerReferences as { uid?: string }[] | undefined;
      return (
        owners === undefined ||
        app.metadata.uid === undefined ||
        owners.some((o) => o.uid === app.metadata.uid)
      );
    })
    .map((r) => ({ name: r.metadata.name, spec: isRecord(r.spec) ? r.spec : {} }));
}

/**
 * A `from`/`to` value: a SyncRecord of this app (its revision), a full commit id, or a short one found in the
 * app's history. Anything else is refused before it reaches Git.
 */
async function sideOf(
  ctx: ApiContext,
  app: Application,
  value: string,
  param: string,
): Promise<RevisionSide> {
  if (FULL_COMMIT.test(value)) return { revision: value };
  const records = SHORT_COMMIT.test(value) || RECORD_NAME.test(value) ? await recordsOf(ctx, app) : [];
  if (SHORT_COMMIT.test(value)) {
    const full = new Set(
      records
        .map((r) => r.spec.revision)
        .filter((r): r is string => typeof r === 'string' && r.startsWith(value)),
    );
    const [only] = full;
    if (full.size === 1 && only !== undefined && FULL_COMMIT.test(only)) return { revision: only };
  }
  const record = records.find((r) => r.name === value);
  if (
    record !== undefined &&
    typeof record.spec.revision === 'string' &&
    FULL_COMMIT.test(record.spec.revision)
  ) {
    const commit = isRecord(record.spec.commit) ? record.spec.commit : {};
    return {
      revision: record.spec.revision,
      record: record.name,
      ...(typeof commit.message === 'string' ? { subject: commit.message.split('\n')[0] ?? '' } : {}),
      ...(typeof commit.author === 'string' ? { author: commit.author } : {}),
    };
  }
  throw new MooringError(
    'INVALID_ARGUMENT',
    `${param}=${value.slice(0, 64)} is neither a SyncRecord of ${app.metadata.namespace}/${app.metadata.name} nor a commit of its history`,
    {
      hint: `GET /api/v1/applications/${app.metadata.namespace}/${app.metadata.name}/history lists both; a commit not in the history needs its full 40-character id`,
    },
  );
}

function queryValue(query: unknown, key: string): string | undefined {
  const value = isRecord(query) ? query[key] : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 253)
    throw new MooringError(
      'INVALID_ARGUMENT',
      `${key} must be given once, as a SyncRecord name or a commit id`,
      {
        hint: `e.g. ?${key}=<record name>`,
      },
    );
  return value;
}

async function revisionDiff(
  ctx: ApiContext,
  backend: DetailBackend,
  app: Application,
  fromValue: string,
  toValue: string | undefined,
): Promise<RevisionDiff> {
  const preview = backend.preview;
  if (preview === undefined) throw unavailable('a diff between revisions');
  const target = app.status?.sync?.revision;
  if (toValue === undefined && target === undefined)
    throw new MooringError('INVALID_ARGUMENT', 'the app has no revision yet: give `to` as well', {
      hint: 'e.g. ?from=<record>&to=<record>',
    });
  const [from, to] = await Promise.all([
    sideOf(ctx, app, fromValue, 'from'),
    toValue === undefined ? Promise.resolve({ revision: target as string }) : sideOf(ctx, app, toValue, 'to'),
  ]);
  // One after the other: two renders at once would double the peak of a large app.
  const before = await preview.desiredAt(app, from.revision);
  const after = await preview.desiredAt(app, to.revision);
  const desired = (state: DesiredState) =>
    state.objects
      .filter((p) => p.hookDeletePolicies === undefined)
      .map((p) => ({ id: p.id, subject: subjectOf(p.ref), object: p.object }));
  const side = (s: RevisionSide, state: DesiredState): RevisionSide => ({
    ...s,
    subject: s.subject ?? state.commit.subject,
    author: s.author ?? state.commit.authorName,
  });
  return { from: side(from, before), to: side(to, after), ...diffDesired(desired(before), desired(after)) };
}

/** GET .../tree and GET .../diff (with `from`/`to`: between two history entries or revisions). */
export function detailRoutes(backend: DetailBackend): ApiRoutes {
  return (app, ctx) => {
    app.get('/applications/:namespace/:name/tree', async (request) => {
      const { namespace, name } = appParams(request);
      const application = await authorizedApplication(ctx, request, namespace, name, 'get');
      const cluster = application.spec.destination.cluster;
      if (ctx.clusters === undefined) throw unavailable('the resource tree');
      const objects = ctx.clusters.connection(cluster).objects;
      const cached = backend.cached;
      const assess = backend.assessFor?.(application);
      const nodes = await liveTree(
        {
          objects,
          ...(cached === undefined ? {} : { cached: (id: string) => cached(cluster, id) }),
          ...(assess === undefined ? {} : { assess }),
        },
        managedOf(application),
      );
      return { cluster, nodes, count: countNodes(nodes) };
    });

    app.get('/applications/:namespace/:name/diff', async (request) => {
      const { namespace, name } = appParams(request);
      const from = queryValue(request.query, 'from');
      const to = queryValue(request.query, 'to');
      const application = await authorizedApplication(ctx, request, namespace, name, 'get');
      if (from === undefined && to !== undefined)
        throw new MooringError('INVALID_ARGUMENT', '`to` needs `from`', {
          hint: 'e.g. ?from=<record>&to=<record>',
        });
      if (from !== undefined) return revisionDiff(ctx, backend, application, from, to);
      if (backend.preview === undefined) throw unavailable('the live diff');
      return liveDiffOf(await backend.preview.liveDiff(application));
    });
  };
}
