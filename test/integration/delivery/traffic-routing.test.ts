/**
 * Canary traffic routing end to end on the local cluster, with the Gateway API CRDs installed from the
 * sigs.k8s.io/gateway-api module: the controller walks an HTTPRoute's backend weights step by step (every
 * version of the route is recorded by a watch), promotes and gives the route back to Git, aborts a bad
 * canary with weight 0 on it at once; with ingress-nginx, a canary Ingress follows the steps and goes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { TRACK_LABEL } from '../../../src/delivery/hold.js';
import { CANARY_FIELD_MANAGER } from '../../../src/delivery/runner.js';
import { weightsIn } from '../../../src/delivery/traffic/httproute.js';
import { git } from '../../../src/devgit/git-cli.js';
import { installGatewayApiCrds } from '../../helpers/gateway-api.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';
import { assertPromoted, canaryMetrics, deliverySpec, imageOf, replicasOf, web } from './fixtures.js';

const SERVICES = { stable: 'web', canary: 'web-canary' };

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
};

const route: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web' },
  spec: {
    parentRefs: [{ name: 'public' }],
    hostnames: ['web.example'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
        backendRefs: [{ name: 'docs', port: 80 }],
      },
      { backendRefs: [{ name: 'web', port: 80 }] },
    ],
  },
};

const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' } },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      {
        host: 'web.example',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

type Routing = { httpRoute: { name: string } } | { nginx: { ingress: string } };

async function setUp(
  t: TestContext,
  routing: Routing,
  router: KubeObject,
): Promise<{
  h: ControllerHarness;
  name: string;
  metrics: Awaited<ReturnType<typeof canaryMetrics>>;
  v1: string;
}> {
  await installGatewayApiCrds();
  const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
  const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
  const prometheus = await startPrometheus(t, { targets: [metrics.target] });
  const name = h.uniqueName('routed');
  const v1 = await h.publish({ 'web.yaml': [web('1.0'), service, router] });
  const spec = deliverySpec(prometheus.url);
  (spec.delivery as { trafficRouting?: Routing }).trafficRouting = routing;
  await h.createApp(name, spec);
  if ('httpRoute' in routing) await acceptRoute(h);
  await h.waitForApp(name, 'synced at v1 (a first deployment is direct)', readyAt(v1), 60_000);
  // The stable's pods carry the stable track, so its Service can skip the canary's pods.
  await h.waitFor(
    'the stable rolled out with the stable track',
    async () => {
      const d = await h.get('apps/v1', 'Deployment', 'web');
      const spec = d?.spec as { template: { metadata: { labels: Record<string, string> } } } | undefined;
      const status = d?.status as
        { updatedReplicas?: number; replicas?: number; readyReplicas?: number } | undefined;
      return spec?.template.metadata.labels[TRACK_LABEL] === 'stable' &&
        status?.updatedReplicas === 4 &&
        status.replicas === 4 &&
        status.readyReplicas === 4
        ? true
        : undefined;
    },
    60_000,
  );
  return { h, name, metrics, v1 };
}

/** What a Gateway controller would write (there is none in the test cluster): the route accepted by its parent. */
async function acceptRoute(h: ControllerHarness): Promise<void> {
  const ref = {
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    namespace: h.destNamespace,
    name: 'web',
  };
  await h.waitFor('the HTTPRoute', () => h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web'));
  const condition = (type: string): Record<string, string> => ({
    type,
    status: 'True',
    reason: type,
    message: '',
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  await h.observer.mergePatch(
    'gateway.networking.k8s.io/v1',
    ref,
    {
      status: {
        parents: [
          {
            parentRef: { name: 'public' },
            controllerName: 'example.com/test-gateway',
            conditions: [condition('Accepted'), condition('ResolvedRefs')],
          },
        ],
      },
    },
    { subresource: 'status' },
  );
}

/** Every version of one object the API server shows, as a watch sees them. */
function recordVersions(
  t: TestContext,
  h: ControllerHarness,
  apiVersion: string,
  kind: string,
  name: string,
): { versions: (KubeObject | undefined)[] } {
  const seen: { versions: (KubeObject | undefined)[] } = { versions: [] };
  const watcher = h.observer.watch({
    apiVersion,
    kind,
    namespace: h.destNamespace,
    fieldSelector: `metadata.name=${name}`,
    onEvent: (e) => seen.versions.push(e.type === 'DELETED' ? undefined : e.object),
  });
  t.after(() => {
    watcher.stop();
  });
  return seen;
}

const backendNames = (r: KubeObject | undefined): string[][] =>
  ((r?.spec as { rules: { backendRefs: { name: string }[] }[] } | undefined)?.rules ?? []).map((rule) =>
    rule.backendRefs.map((b) => b.name),
  );

function distinctWeights(versions: (KubeObject | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of versions) {
    if (v === undefined) continue;
    const w = weightsIn(v, SERVICES)
      .map((x) => `${x.stable ?? '-'}/${x.canary ?? '-'}`)
      .join(',');
    if (out.at(-1) !== w) out.push(w);
  }
  return out;
}

const selectorOf = (s: KubeObject | undefined): Record<string, string> | undefined =>
  (s?.spec as { selector?: Record<string, string> } | undefined)?.selector;

describe('canary traffic routing', () => {
  it('HTTPRoute: walks the weights, promotes, and the route is Git’s again with the canary Service gone', async (t) => {
    const { h, name, metrics } = await setUp(t, { httpRoute: { name: 'web' } }, route);
    const seen = recordVersions(t, h, 'gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
    metrics.setMode('good');
    const v2 = await h.publish({ 'web.yaml': [web('2.0'), service, route] });
    // Step 1: 75/25 on the route, the stable at full size, one canary pod behind web-canary.
    const atStep1 = await h.waitFor(
      'the route at 75/25',
      async () => {
        const r = await h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
        return r !== undefined && distinctWeights([r])[0] === '75/25' ? r : undefined;
      },
      60_000,
    );
    assert.deepEqual(
      backendNames(atStep1),
      [['docs'], ['web', 'web-canary']],
      'only the rule to the stable moves',
    );
    const managers = (atStep1.metadata.managedFields as { manager: string }[] | undefined)?.map(
      (m) => m.manager,
    );
    assert.ok(
      managers?.includes(CANARY_FIELD_MANAGER),
      `weights set by ${CANARY_FIELD_MANAGER}: ${String(managers)}`,
    );
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0');
    assert.equal(replicasOf(stable), 4, 'traffic is split by the route, so the stable keeps every replica');
    const canary = await h.get('apps/v1', 'Deployment', 'web-canary');
    assert.equal(imageOf(canary), 'registry.example/web:2.0');
    assert.equal(replicasOf(canary), 1);
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web-canary')), {
      app: 'web',
      [TRACK_LABEL]: 'canary',
    });
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), {
      app: 'web',
      [TRACK_LABEL]: 'stable',
    });
    // Step 2 at 50/50 with two canary pods.
    await h.waitFor(
      'the route at 50/50',
      async () => {
        const r = await h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
        return r !== undefined && distinctWeights([r])[0] === '50/50' ? true : undefined;
      },
      60_000,
    );
    assert.equal(replicasOf(await h.get('apps/v1', 'Deployment', 'web-canary')), 2);
    await assertPromoted(h, name, v2);
    // The end: all traffic back on the stable (100/0), then the route exactly as Git has it.
    const final = await h.waitFor('the route back to Git', async () => {
      const r = await h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
      return backendNames(r).join('|') === 'docs|web' ? r : undefined;
    });
    assert.deepEqual(distinctWeights(seen.versions), ['1/-', '75/25', '50/50', '100/0', '1/-']);
    const stableRef = (final.spec as { rules: { backendRefs: { weight?: number }[] }[] }).rules[1]
      ?.backendRefs;
    assert.equal(stableRef?.length, 1);
    assert.equal(await h.get('v1', 'Service', 'web-canary'), undefined, 'the canary Service is gone');
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
    // The next sync does not fight the route: the app is synced and healthy at v2, no drift reported.
    const synced = await h.waitForApp(name, 'synced at v2', readyAt(v2));
    assert.equal(synced.status?.sync?.status, 'Synced');
  });

  it('HTTPRoute: a bad canary gets weight 0 at once, the revert lands in Git and syncs', async (t) => {
    const { h, name, metrics, v1 } = await setUp(t, { httpRoute: { name: 'web' } }, route);
    const seen = recordVersions(t, h, 'gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
    metrics.setMode('bad');
    const v2 = await h.publish({ 'web.yaml': [web('2.0'), service, route] });
    const aborted = await h.waitForApp(
      name,
      'aborted',
      (a) => a.status?.delivery?.phase === 'Aborted',
      120_000,
    );
    const message = aborted.status?.delivery?.message ?? '';
    assert.match(message, /success=50 \(50 < min 99\)/);
    const backOnStable = /traffic back on stable in (\d+)ms/.exec(message);
    assert.ok(backOnStable, message);
    t.diagnostic(`failed analysis -> weight 0 on the HTTPRoute: ${backOnStable[1]} ms`);
    await h.waitFor('the route back to Git', async () =>
      backendNames(await h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web')).join('|') === 'docs|web'
        ? true
        : undefined,
    );
    // 0 on the canary before anything else went: the route's versions went 75/25 -> 100/0 -> Git's.
    assert.deepEqual(distinctWeights(seen.versions), ['1/-', '75/25', '100/0', '1/-']);
    assert.equal(await h.get('v1', 'Service', 'web-canary'), undefined);
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']), v2);
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0');
    assert.equal(replicasOf(stable), 4);
  });

  it('a trafficRouting that names no route of the app fails the sync, naming it, and applies nothing', async (t) => {
    await installGatewayApiCrds();
    const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
    const name = h.uniqueName('misrouted');
    await h.publish({ 'web.yaml': [web('1.0'), service, route] });
    const spec = deliverySpec('http://127.0.0.1:9');
    (spec.delivery as { trafficRouting?: Routing }).trafficRouting = { httpRoute: { name: 'elsewhere' } };
    await h.createApp(name, spec);
    const failed = await h.waitForApp(
      name,
      'the sync refused',
      (a) => a.status?.lastSync?.result === 'Rejected',
      60_000,
    );
    assert.match(
      failed.status?.lastSync?.message ?? '',
      new RegExp(`names HTTPRoute/${h.destNamespace}/elsewhere, which is not an object of the app`),
    );
    assert.equal(
      failed.status?.conditions?.find((c) => c.type === 'Stalled')?.reason,
      'WaitingForNewCommit',
      'a terminal refusal: retried on a new commit, not in a loop',
    );
    assert.equal(await h.get('apps/v1', 'Deployment', 'web'), undefined, 'nothing applied');
    assert.equal(await h.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web'), undefined);
  });

  it('ingress-nginx: the canary Ingress follows the steps and vanishes at the end', async (t) => {
    const { h, name, metrics } = await setUp(t, { nginx: { ingress: 'web' } }, ingress);
    const seen = recordVersions(t, h, 'networking.k8s.io/v1', 'Ingress', 'web-canary');
    metrics.setMode('good');
    await h.publish({ 'web.yaml': [web('2.0'), service, ingress] });
    const first = await h.waitFor('the canary Ingress', async () =>
      h.get('networking.k8s.io/v1', 'Ingress', 'web-canary'),
    );
    assert.equal(first.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'], 'true');
    const backend = (
      first.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }
    ).rules[0]?.http.paths[0]?.backend.service.name;
    assert.equal(backend, 'web-canary');
    assert.equal(
      first.metadata.labels?.['app.mooring.dev/name'],
      undefined,
      'the copy is not an object of the app',
    );
    await h.waitForApp(name, 'promoted', (a) => a.status?.delivery?.phase === 'Succeeded', 120_000);
    await h.waitFor('the canary Ingress gone', async () =>
      (await h.get('networking.k8s.io/v1', 'Ingress', 'web-canary')) === undefined ? true : undefined,
    );
    const weights = seen.versions.map((v) =>
      v === undefined
        ? 'deleted'
        : (v.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] ?? '?'),
    );
    assert.deepEqual(
      weights.filter((w, i) => weights[i - 1] !== w),
      ['25', '50', '0', 'deleted'],
    );
    assert.equal(await h.get('v1', 'Service', 'web-canary'), undefined);
    const original = await h.get('networking.k8s.io/v1', 'Ingress', 'web');
    assert.equal(original?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'], undefined);
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
  });
});
