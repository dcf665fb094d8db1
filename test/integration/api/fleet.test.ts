/**
 * GET /api/v1/projects and /api/v1/clusters against the real cluster: Projects read from the controller
 * namespace and authorised by SubjectAccessReview on projects.mooring.dev there, clusters from the real
 * cluster registry (a cluster Secret with a token, unreachable) shown without the token or the Secret's name,
 * and a caller without rights refused with 403.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ClusterRegistry } from '../../../src/kube/clusters.js';
import { controllerHarness } from '../controller/harness.js';
import { call, serviceAccountWith, startApi } from './helpers.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

describe('HTTP API: projects and clusters', () => {
  it('shows Projects to who may list them and clusters without credentials; 403 to a caller without rights', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const ns = h.appNamespace;
    await h.createApp('web');
    await h.createApp('api');
    await h.createApp('far-app', { destination: { cluster: 'far', namespace: h.destNamespace } });
    const token = 'do-not-show-this-token';
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'far-credentials', namespace: ns, labels: { 'mooring.dev/secret-type': 'cluster' } },
      // Port 1 on loopback: nothing answers, so the cluster is unreachable with a real connection error.
      stringData: { name: 'far', server: 'https://127.0.0.1:1', token },
    });
    const clusters = new ClusterRegistry({ local: h.observer, namespace: ns, logger: h.logger });
    await clusters.start();
    t.after(() => {
      clusters.stop();
    });
    await assert.rejects(clusters.ensureReachable('far'), /unreachable/);

    const reader = await serviceAccountWith(h.observer, ns, 'reader', ['get', 'list']);
    // Only `get` on one app: not a list anywhere, and nothing on Projects.
    const nobody = await serviceAccountWith(h.observer, ns, 'nobody', ['get']);
    await h.observer.create({
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name: 'projects-reader', namespace: ns },
      rules: [{ apiGroups: ['mooring.dev'], resources: ['projects'], verbs: ['get', 'list'] }],
    });
    await h.observer.create({
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name: 'projects-reader', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'projects-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
    });
    const api = await startApi(t, h.observer, [ns], h.logger, undefined, { namespace: ns, clusters });

    for (const path of ['/api/v1/projects', '/api/v1/projects/default', '/api/v1/clusters']) {
      const refused = await call(api, 'GET', path, nobody.token);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.body.code, 'FORBIDDEN');
      assert.equal(typeof refused.body.hint, 'string');
      assert.equal((await call(api, 'GET', path)).status, 401, path);
    }

    const projects = await call(api, 'GET', '/api/v1/projects', reader.token);
    assert.equal(projects.status, 200);
    const items = projects.body.items as {
      name: string;
      destinations: { cluster: string }[];
      apps: { total: number; sync: Record<string, number> };
    }[];
    assert.deepEqual(
      items.map((p) => p.name),
      ['default'],
    );
    assert.equal(items[0]?.apps.total, 3);
    assert.ok(items.every((p) => p.destinations.length > 0));
    const one = await call(api, 'GET', '/api/v1/projects/default', reader.token);
    assert.equal(one.status, 200);
    assert.equal((one.body.apps as { total: number }).total, 3);
    assert.equal((await call(api, 'GET', '/api/v1/projects/none-such', reader.token)).status, 404);

    const listed = await call(api, 'GET', '/api/v1/clusters', reader.token);
    assert.equal(listed.status, 200);
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes(token), 'no token');
    assert.ok(!text.includes('far-credentials'), "no Secret's name");
    type Shown = Record<string, unknown> & { name: string; apps: { total: number } };
    const byName = new Map((listed.body.items as Shown[]).map((c) => [c.name, c]));
    assert.deepEqual([...byName.keys()], ['in-cluster', 'far']);
    const far = byName.get('far') as Shown;
    assert.equal(far.server, '127.0.0.1:1');
    assert.equal(far.reachable, false);
    assert.equal(typeof far.lastError, 'string');
    assert.equal(typeof far.unreachableSince, 'string');
    assert.equal(far.apps.total, 1);
    assert.equal(byName.get('in-cluster')?.apps.total, 2);

    // The list says how many apps match in all, whatever the page size.
    const page = await call(api, 'GET', '/api/v1/applications?limit=1', reader.token);
    assert.equal(page.body.total, 3);
    assert.equal((page.body.items as unknown[]).length, 1);
  });
});
