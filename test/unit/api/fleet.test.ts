/**
 * The list total, the per-project and per-cluster tallies of the index, and the /projects and /clusters
 * routes with fake auth (the cluster's own answers are tested in test/integration/api/fleet.test.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { AccessQuestion, Authorizer, Identity } from '../../../src/api/auth/types.js';
import type { ApiContext } from '../../../src/api/context.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import type { ListParams } from '../../../src/api/index/query.js';
import { parseListQuery } from '../../../src/api/index/query.js';
import { errorSummary } from '../../../src/api/routes/clusters.js';
import { projectView, withoutUserPart } from '../../../src/api/routes/projects.js';
import { buildApiServer } from '../../../src/api/server.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { ClusterRegistry } from '../../../src/kube/clusters.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { app, FakeAuthenticator } from './fixtures.js';
import type { AppFixture } from './fixtures.js';

const fleet: AppFixture[] = [
  { name: 'web', namespace: 'team-a', project: 'shop' },
  { name: 'api', namespace: 'team-a', project: 'shop', sync: 'OutOfSync', health: 'Degraded' },
  { name: 'db', namespace: 'team-a', project: 'data', cluster: 'edge', health: 'Progressing' },
  { name: 'web', namespace: 'team-b', project: 'blog', cluster: 'edge' },
  { name: 'cms', namespace: 'team-b', project: 'blog', cluster: 'far', health: 'Degraded' },
  { name: 'search', namespace: 'team-c', project: 'shop' },
];

function indexOf(fixtures: AppFixture[]): ApplicationIndex {
  const index = new ApplicationIndex();
  for (const f of fixtures) index.onApplication('ADDED', app(f));
  index.markSynced();
  return index;
}

const total = (index: ApplicationIndex, params: ListParams, visible: Set<string> | 'all' = 'all'): number =>
  index.list(parseListQuery(params), params, visible).total;

describe('the list total', () => {
  it('counts every match, not only the page, within what the caller may see', () => {
    const index = indexOf(fleet);
    assert.equal(total(index, {}), 6);
    assert.equal(total(index, { limit: '2' }), 6);
    assert.equal(total(index, {}, new Set(['team-a', 'team-c'])), 4);
    assert.equal(total(index, { namespace: 'team-b,team-c' }, new Set(['team-a', 'team-b'])), 2);
    assert.equal(total(index, { project: 'shop', limit: '1' }), 3);
    assert.equal(total(index, { health: 'Degraded' }, new Set(['team-b'])), 1);
    assert.equal(total(index, { text: 'nothing-like-this' }), 0);
  });

  it('is the same on every page and follows deletions', () => {
    const index = indexOf(fleet);
    const first = index.list(parseListQuery({ limit: '4' }), { limit: '4' }, 'all');
    const second = index.list(
      parseListQuery({ limit: '4', continue: first.continue as string }),
      { limit: '4', continue: first.continue as string },
      'all',
    );
    assert.equal(first.items.length, 4);
    assert.equal(second.items.length, 2);
    assert.equal(second.total, 6);
    index.onApplication('DELETED', app(fleet[0] as AppFixture));
    assert.equal(total(index, {}), 5);
    assert.equal(total(index, {}, new Set(['team-a'])), 2);
  });
});

describe('the index tally', () => {
  it('groups the visible apps by project or cluster, counted by sync and health', () => {
    const index = indexOf(fleet);
    const byProject = index.tally('project', 'all');
    assert.deepEqual(byProject.get('shop'), {
      total: 3,
      sync: { Synced: 2, OutOfSync: 1 },
      health: { Healthy: 2, Degraded: 1 },
    });
    const byCluster = index.tally('cluster', new Set(['team-b']));
    assert.deepEqual([...byCluster.keys()].sort(), ['edge', 'far']);
    assert.equal(byCluster.get('edge')?.total, 1);
  });
});

describe('what the fleet routes show', () => {
  it('never shows a URL user part or a Secret name', () => {
    assert.equal(
      withoutUserPart('https://bot:s3cret@git.example.com/team/*'),
      'https://git.example.com/team/*',
    );
    assert.equal(withoutUserPart('https://git.example.com/a@b'), 'https://git.example.com/a@b');
    const summary = errorSummary(
      'cluster Secret mooring-system/prod-creds: fetch https://admin:pw@10.0.0.1:6443/version failed',
    );
    assert.equal(summary, 'cluster its Secret: fetch https://10.0.0.1:6443/version failed');
    assert.ok(errorSummary('x'.repeat(1000)).length <= 300);
  });

  it('shows an invalid Project with the reason instead of failing the list', () => {
    const view = projectView(
      {
        apiVersion: 'mooring.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: 'broken', namespace: 'mooring-system' },
        spec: { destinations: [{ namespace: 'x' }] },
      },
      undefined,
    );
    assert.equal(view.name, 'broken');
    assert.match(view.error ?? '', /serviceAccountName/);
    assert.deepEqual(view.apps, { total: 0, sync: {}, health: {} });
  });
});

/** Rules `user verb resource namespace` ('*' namespace: cluster scope). */
class ResourceAuthorizer implements Authorizer {
  constructor(private readonly rules: string[]) {}
  allowed(identity: Identity, q: AccessQuestion): Promise<boolean> {
    const resource = q.resource ?? 'applications';
    const key = (ns: string) => `${identity.user} ${q.verb} ${resource} ${ns}`;
    return Promise.resolve(this.rules.includes(key(q.namespace ?? '*')) || this.rules.includes(key('*')));
  }
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const projects: KubeObject[] = [
  {
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Project',
    metadata: { name: 'shop', namespace: 'mooring-system' },
    spec: {
      sourceNamespaces: ['team-*'],
      sourceRepos: ['https://token@git.example.com/shop/*'],
      destinations: [{ cluster: 'in-cluster', namespace: 'shop-*', serviceAccountName: 'deployer' }],
    },
  },
];

async function server(rules: string[]): Promise<FastifyInstance> {
  const objects = {
    list: (_v: string, kind: string, options: { namespace?: string }) =>
      Promise.resolve(kind === 'Project' && options.namespace === 'mooring-system' ? projects : []),
    get: (_v: string, ref: { name: string; namespace?: string }) =>
      Promise.resolve(
        projects.find((p) => p.metadata.name === ref.name && ref.namespace === 'mooring-system'),
      ),
  } as unknown as ObjectsApi;
  const clusters = {
    names: () => ['in-cluster', 'edge', 'far', 'spare'],
    healthOf: (name: string) =>
      name === 'far'
        ? {
            name,
            reachable: false,
            unreachableSince: '2026-12-01T00:00:00.000Z',
            lastError: 'Secret mooring-system/far: connect ECONNREFUSED',
          }
        : { name, reachable: true },
    serverHost: (name: string) => (name === 'in-cluster' ? undefined : `${name}.example.com:6443`),
  } as unknown as ClusterRegistry;
  const ctx: ApiContext = {
    index: indexOf(fleet),
    objects,
    authorizer: new ResourceAuthorizer(rules),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    audit: { record: () => Promise.resolve() },
    clusters,
    namespace: 'mooring-system',
    now: () => new Date('2026-12-01T03:00:00.000Z'),
  };
  const s = await buildApiServer({ context: ctx, authenticator: new FakeAuthenticator() });
  open.push(s);
  return s;
}

const get = async (s: FastifyInstance, url: string, user: string) => {
  const res = await s.inject({ method: 'GET', url, headers: { authorization: `Bearer token-${user}` } });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
};

describe('GET /projects and /clusters', () => {
  it('lists Projects only with list on projects in the controller namespace, apps counted as the caller sees them', async () => {
    const s = await server([
      'admin list projects mooring-system',
      'admin get projects mooring-system',
      'admin list applications team-a',
      'nobody list applications team-a',
    ]);
    const denied = await get(s, '/api/v1/projects', 'nobody');
    assert.equal(denied.status, 403);
    assert.match(
      String(denied.body.message),
      /may not list projects\.mooring\.dev in namespace mooring-system/,
    );
    assert.equal((await get(s, '/api/v1/projects/shop', 'nobody')).status, 403);
    const listed = await get(s, '/api/v1/projects', 'admin');
    assert.equal(listed.status, 200);
    const items = listed.body.items as { name: string; sourceRepos: string[]; apps: { total: number } }[];
    assert.deepEqual(
      items.map((p) => [p.name, p.apps.total]),
      [['shop', 2]],
      'team-c/search is in shop but the caller may not list team-c',
    );
    assert.deepEqual(items[0]?.sourceRepos, ['https://git.example.com/shop/*']);
    assert.equal((await get(s, '/api/v1/projects/shop', 'admin')).status, 200);
    assert.equal((await get(s, '/api/v1/projects/nope', 'admin')).status, 404);
    assert.equal((await get(s, '/api/v1/projects/Not_A_Name', 'admin')).status, 400);
  });

  it('lists every cluster to a cluster-wide reader, only its apps’ clusters to a namespaced one, 403 to none', async () => {
    const s = await server(['ops list applications *', 'bob list applications team-b']);
    const all = await get(s, '/api/v1/clusters', 'ops');
    assert.equal(all.status, 200);
    const items = all.body.items as Record<string, unknown>[];
    assert.deepEqual(
      items.map((c) => c.name),
      ['in-cluster', 'edge', 'far', 'spare'],
    );
    const far = items.find((c) => c.name === 'far');
    assert.deepEqual(far, {
      name: 'far',
      server: 'far.example.com:6443',
      reachable: false,
      unreachableSince: '2026-12-01T00:00:00.000Z',
      lastError: 'its Secret: connect ECONNREFUSED',
      apps: { total: 1, sync: { Synced: 1 }, health: { Degraded: 1 } },
    });
    const text = JSON.stringify(all.body);
    assert.doesNotMatch(text, /mooring-system\/far/);
    const bob = await get(s, '/api/v1/clusters', 'bob');
    assert.deepEqual(
      (bob.body.items as { name: string }[]).map((c) => c.name),
      ['edge', 'far'],
    );
    const none = await get(s, '/api/v1/clusters', 'eve');
    assert.equal(none.status, 403);
    assert.equal(none.body.code, 'FORBIDDEN');
  });
});
