import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { REQUESTED_BY_ANNOTATION, SYNC_REQUEST_ANNOTATION } from '../../../src/app/protocol.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { testNamespace } from '../../helpers/kube.js';
import { configMap, controllerHarness } from '../controller/harness.js';
import { call, serviceAccountWith, startApi } from './helpers.js';

const appRef = (namespace: string, name: string) => ({
  group: 'mooring.dev',
  kind: 'Application',
  namespace,
  name,
});

describe('HTTP API: authorised by the cluster', () => {
  it('answers 401 without a valid token, lists only what RBAC lets a caller list, and refuses a sync without patch', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const other = await testNamespace(t);
    const a = h.appNamespace;
    await h.createApp('web');
    await h.createApp('api');
    await h.observer.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'Application',
      metadata: { name: 'secret-app', namespace: other },
      spec: {
        source: { repoURL: h.repoURL, ref: { branch: 'main' }, path: 'app' },
        destination: { namespace: other },
      },
    });
    const reader = await serviceAccountWith(h.observer, a, 'reader', ['get', 'list']);
    const operator = await serviceAccountWith(h.observer, a, 'operator', ['get', 'list', 'patch']);
    const api = await startApi(t, h.observer, [a, other], h.logger);
    assert.equal(api.index.size, 3);

    for (const token of [undefined, 'garbage', `${reader.token}x`]) {
      const answer = await call(api, 'GET', '/api/v1/applications', token);
      assert.equal(answer.status, 401, `token ${String(token).slice(0, 10)}`);
      assert.equal(answer.body.code, 'UNAUTHENTICATED');
      assert.equal(typeof answer.body.message, 'string');
      assert.equal(typeof answer.body.hint, 'string');
    }

    // The reader sees namespace A, nothing of the other namespace.
    const listed = await call(api, 'GET', '/api/v1/applications', reader.token);
    assert.equal(listed.status, 200);
    const items = listed.body.items as { namespace: string; name: string }[];
    assert.deepEqual(
      items.map((i) => `${i.namespace}/${i.name}`),
      [`${a}/api`, `${a}/web`],
    );
    const filtered = await call(api, 'GET', `/api/v1/applications?namespace=${other}`, reader.token);
    assert.deepEqual(filtered.body.items, []);
    const peek = await call(api, 'GET', `/api/v1/applications/${other}/secret-app`, reader.token);
    assert.equal(peek.status, 403);
    assert.equal(peek.body.code, 'FORBIDDEN');
    const missing = await call(api, 'GET', `/api/v1/applications/${other}/no-such-app`, reader.token);
    assert.equal(missing.status, 403, 'what exists elsewhere is not revealed');
    const own = await call(api, 'GET', `/api/v1/applications/${a}/web`, reader.token);
    assert.equal(own.status, 200);
    assert.equal((own.body.summary as { name: string }).name, 'web');

    // Only `get`: no sync, and nothing written.
    const refused = await call(api, 'POST', `/api/v1/applications/${a}/web/sync`, reader.token);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'FORBIDDEN');
    assert.match(String(refused.body.message), new RegExp(`${reader.user} may not patch`));
    assert.match(String(refused.body.hint), /Role/);
    const untouched = (await h.observer.get(MOORING_API_VERSION, appRef(a, 'web'))) as KubeObject;
    assert.equal(untouched.metadata.annotations?.[SYNC_REQUEST_ANNOTATION], undefined);

    // With patch: the request is written with who asked, and audited as an Event.
    const accepted = await call(api, 'POST', `/api/v1/applications/${a}/web/sync`, operator.token);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.requestedBy, operator.user);
    const requested = (await h.observer.get(MOORING_API_VERSION, appRef(a, 'web'))) as KubeObject;
    const at = requested.metadata.annotations?.[SYNC_REQUEST_ANNOTATION];
    assert.ok(at !== undefined);
    assert.deepEqual(JSON.parse(requested.metadata.annotations?.[REQUESTED_BY_ANNOTATION] ?? '{}'), {
      by: operator.user,
      for: at,
    });
    const events = await h.waitFor('the audit Event', async () => {
      const answer = await call(api, 'GET', `/api/v1/applications/${a}/web/events`, reader.token);
      const found = (answer.body.items as { reason: string; message: string }[]).filter(
        (e) => e.reason === 'SyncRequested',
      );
      return found.length > 0 ? found : undefined;
    });
    assert.match(
      events[0]?.message ?? '',
      new RegExp(`sync requested by ${operator.user} from 127\\.0\\.0\\.1`),
    );
    const foreignEvents = await call(
      api,
      'GET',
      `/api/v1/applications/${other}/secret-app/events`,
      operator.token,
    );
    assert.equal(foreignEvents.status, 403);

    // The operator's rights stop at its namespace too.
    const foreignSync = await call(
      api,
      'POST',
      `/api/v1/applications/${other}/secret-app/sync`,
      operator.token,
    );
    assert.equal(foreignSync.status, 403);
    const secret = (await h.observer.get(MOORING_API_VERSION, appRef(other, 'secret-app'))) as KubeObject;
    assert.equal(secret.metadata.annotations?.[SYNC_REQUEST_ANNOTATION], undefined);
  });

  it('a sync asked through the API syncs and its SyncRecord names who asked; suspend sets spec.suspend', async (t) => {
    const h = await controllerHarness(t);
    const name = h.uniqueName('api-sync');
    const commit = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    await h.createApp(name, { syncPolicy: { automated: false } });
    await h.waitForApp(
      name,
      'compared, not synced (manual)',
      (app) => app.status?.sync?.status === 'OutOfSync',
    );
    const operator = await serviceAccountWith(h.observer, h.appNamespace, 'operator', [
      'get',
      'list',
      'patch',
    ]);
    const api = await startApi(t, h.observer, [h.appNamespace], h.logger);

    const accepted = await call(
      api,
      'POST',
      `/api/v1/applications/${h.appNamespace}/${name}/sync`,
      operator.token,
    );
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const record = await h.waitFor('a manual SyncRecord', async () =>
      (await h.syncRecords(name)).find((r) => (r.spec as { trigger?: string }).trigger === 'manual'),
    );
    assert.equal((record.spec as { initiatedBy?: string }).initiatedBy, operator.user);
    assert.equal((record.spec as { revision?: string }).revision, commit);
    const history = await call(
      api,
      'GET',
      `/api/v1/applications/${h.appNamespace}/${name}/history`,
      operator.token,
    );
    assert.equal(history.status, 200);
    const entries = history.body.items as { trigger: string; initiatedBy?: string }[];
    assert.equal(entries[0]?.initiatedBy, operator.user);

    const suspended = await call(
      api,
      'POST',
      `/api/v1/applications/${h.appNamespace}/${name}/suspend`,
      operator.token,
    );
    assert.equal(suspended.status, 202);
    const app = await h.waitForApp(name, 'suspended', (a) => a.spec.suspend === true);
    assert.equal(app.spec.suspend, true);
    const listed = await h.waitFor('the list to show it suspended', async () => {
      const answer = await call(api, 'GET', `/api/v1/applications?text=${name}`, operator.token);
      const [item] = answer.body.items as { suspended: boolean }[];
      return item?.suspended === true ? item : undefined;
    });
    assert.equal(listed.suspended, true);
  });
});
