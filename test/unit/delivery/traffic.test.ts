import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { MooringError } from '../../../src/core/errors.js';
import { deliverySchema } from '../../../src/crd/delivery.js';
import { TRACK_LABEL } from '../../../src/delivery/hold.js';
import {
  rulesPatch,
  serviceBackendsOf,
  weightedRoute,
  weightedRules,
  weightsIn,
} from '../../../src/delivery/traffic/httproute.js';
import { canaryIngress, ingressServices } from '../../../src/delivery/traffic/nginx.js';
import { holdRouting, resolveRouting, stableTrackRolledOut } from '../../../src/delivery/traffic/plan.js';
import { routedCanaryReplicas } from '../../../src/delivery/traffic/router.js';
import { canaryService, stableServiceOf } from '../../../src/delivery/traffic/services.js';
import { objectId } from '../../../src/core/objects.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from '../../../src/plan/tracking.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const SERVICES = { stable: 'web', canary: 'web-canary' };

function route(rules: unknown[]): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'shop', labels: { [TRACKING_LABEL]: 'shop-app' } },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['web.example'], rules },
  };
}

const TWO_RULES = [
  { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'web', port: 8080 }] },
  { backendRefs: [{ name: 'docs', port: 80 }] },
];

function plannedOf(object: KubeObject): PlannedObject {
  const group = object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
  const ref = { group, kind: object.kind, namespace: 'shop', name: object.metadata.name };
  return { object, ref, id: objectId(ref), phase: 'Sync', wave: 0 } as unknown as PlannedObject;
}

function service(name: string, selector: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop', labels: { team: 'a', [TRACKING_LABEL]: 'shop-app' } },
    spec: {
      type: 'NodePort',
      selector,
      ports: [{ name: 'http', port: 8080, targetPort: 8080, nodePort: 30080 }],
    },
  };
}

function deployment(replicas = 4): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [] } },
    },
  };
}

function ingress(): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { [TRACKING_LABEL]: 'shop-app', team: 'a' },
      annotations: { [TRACKING_ANNOTATION]: 'x', 'nginx.ingress.kubernetes.io/rewrite-target': '/' },
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'web.example',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 8080 } } },
              },
              {
                path: '/docs',
                pathType: 'Prefix',
                backend: { service: { name: 'docs', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

describe('HTTPRoute weights', () => {
  it('sends 100-w to the stable and w to the canary on the same port, in the rule that sent to the stable', () => {
    const rules = weightedRules(route(TWO_RULES), SERVICES, 25);
    assert.deepEqual(rules[0], {
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      backendRefs: [
        { name: 'web', port: 8080, weight: 75 },
        { name: 'web-canary', port: 8080, weight: 25 },
      ],
    });
    assert.deepEqual(rules[1], TWO_RULES[1], 'a rule to another Service is left alone');
  });

  it('is idempotent and goes back to 100/0', () => {
    const at50 = weightedRoute(route(TWO_RULES), SERVICES, 50);
    const again = weightedRoute(at50, SERVICES, 50);
    assert.deepEqual(again, at50);
    assert.deepEqual(weightsIn(weightedRoute(at50, SERVICES, 0), SERVICES), [{ stable: 100, canary: 0 }]);
    assert.deepEqual(weightsIn(route(TWO_RULES), SERVICES), [{ stable: undefined, canary: undefined }]);
  });

  it('with a port, only rules to that port of the stable move; other namespaces and kinds are not the stable', () => {
    const r = route([
      { backendRefs: [{ name: 'web', port: 8080 }] },
      { backendRefs: [{ name: 'web', port: 9090 }] },
      { backendRefs: [{ name: 'web', namespace: 'other', port: 8080 }] },
      { backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'web' }] },
    ]);
    const rules = weightedRules(r, { ...SERVICES, port: 9090 }, 10);
    assert.equal(rules[0]?.backendRefs?.length, 1);
    assert.deepEqual(rules[1]?.backendRefs, [
      { name: 'web', port: 9090, weight: 90 },
      { name: 'web-canary', port: 9090, weight: 10 },
    ]);
    assert.equal(rules[2]?.backendRefs?.length, 1);
    assert.equal(rules[3]?.backendRefs?.length, 1);
    assert.deepEqual(serviceBackendsOf(r), ['web', 'web']);
    assert.deepEqual(serviceBackendsOf(r, 9090), ['web']);
  });

  it('the delivery applies only the rules, never the original object it was given', () => {
    const original = route(TWO_RULES);
    const before = structuredClone(original);
    const patch = rulesPatch(original, weightedRules(original, SERVICES, 30));
    assert.deepEqual(original, before);
    assert.deepEqual(Object.keys(patch.spec as object), ['rules']);
    assert.deepEqual(patch.metadata, { name: 'web', namespace: 'shop' });
  });
});

describe('ingress-nginx canary Ingress', () => {
  it('copies the Ingress with the stable backends renamed and the canary annotations', () => {
    const canary = canaryIngress(ingress(), SERVICES, 25, { uid: 'u1' });
    assert.equal(canary.metadata.name, 'web-canary');
    assert.deepEqual(canary.metadata.annotations, {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '25',
    });
    assert.deepEqual(canary.metadata.labels, { team: 'a' }, 'not tracked as an object of the app');
    assert.deepEqual(ingressServices(canary), ['web-canary', 'docs']);
    assert.equal((canary.spec as { ingressClassName: string }).ingressClassName, 'nginx');
    assert.deepEqual(canary.metadata.ownerReferences, [
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web', uid: 'u1' },
    ]);
    assert.deepEqual(ingressServices(ingress()), ['web', 'docs'], 'the original is not changed');
  });
});

describe('the Services of a routed canary', () => {
  const planned = [plannedOf(service('web', { app: 'web' })), plannedOf(service('docs', { app: 'docs' }))];

  it('the stable Service is the backend that selects the target pods', () => {
    assert.equal(
      stableServiceOf(planned, 'shop', ['docs', 'web'], { app: 'web' }, 'HTTPRoute/shop/web', 'web').ref.name,
      'web',
    );
  });

  it('refuses a router that sends to no such Service, or to several', () => {
    assert.throws(
      () => stableServiceOf(planned, 'shop', ['docs'], { app: 'web' }, 'HTTPRoute/shop/web', 'web'),
      (e: unknown) =>
        e instanceof MooringError &&
        e.message.includes('sends to no Service of the app that selects the pods of Deployment web'),
    );
    const two = [...planned, plannedOf(service('web2', { app: 'web' }))];
    assert.throws(
      () => stableServiceOf(two, 'shop', ['web', 'web2'], { app: 'web' }, 'HTTPRoute/shop/web', 'web'),
      /several Services .*: web, web2/,
    );
  });

  it('<service>-canary: same ports (no nodePort), ClusterIP, selects the canary track, untracked', () => {
    const live = { ...service('web', { app: 'web' }), metadata: { name: 'web', uid: 'u2' } };
    const canary = canaryService(service('web', { app: 'web', [TRACK_LABEL]: 'stable' }), live);
    assert.deepEqual(canary.spec, {
      type: 'ClusterIP',
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
      selector: { app: 'web', [TRACK_LABEL]: 'canary' },
    });
    assert.deepEqual(canary.metadata.labels, { team: 'a', [TRACK_LABEL]: 'canary' });
    assert.deepEqual(canary.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u2' },
    ]);
  });
});

describe('the plan of a routed canary', () => {
  const delivery = deliverySchema.parse({
    target: 'web',
    canary: { steps: [{ weight: 25 }] },
    trafficRouting: { httpRoute: { name: 'web' } },
    analysis: { prometheus: { address: 'http://prom:9090' } },
  });

  function plan(): PlannedObject[] {
    return [plannedOf(deployment()), plannedOf(service('web', { app: 'web' })), plannedOf(route(TWO_RULES))];
  }

  it('by replicas there is nothing to resolve; a missing router is refused', () => {
    const [target] = plan();
    assert.ok(target);
    assert.equal(
      resolveRouting(plan(), { ...delivery, trafficRouting: undefined }, 'shop', target),
      undefined,
    );
    assert.throws(
      () =>
        resolveRouting(
          plan(),
          { ...delivery, trafficRouting: { nginx: { ingress: 'web' } } },
          'shop',
          target,
        ),
      /names Ingress\/shop\/web, which is not an object of the app/,
    );
  });

  it('keeps the stable at full size with the stable track; the Service selects it only once every pod has it', () => {
    const p = plan();
    const [target, svc] = p;
    assert.ok(target && svc);
    const routing = resolveRouting(p, delivery, 'shop', target);
    assert.ok(routing);
    (target.object.spec as { replicas: number }).replicas = 3; // as hold.ts leaves it at a 25% split
    holdRouting(routing, target, 4, new Map(), undefined);
    const spec = target.object.spec as {
      replicas: number;
      template: { metadata: { labels: Record<string, string> } };
    };
    assert.equal(spec.replicas, 4);
    assert.equal(spec.template.metadata.labels[TRACK_LABEL], 'stable');
    assert.deepEqual(
      (svc.object.spec as { selector: object }).selector,
      { app: 'web' },
      'not before the pods carry it',
    );
    const rolledOut = {
      ...deployment(),
      metadata: { name: 'web', generation: 2 },
      spec: { ...spec },
      status: { observedGeneration: 2, replicas: 4, updatedReplicas: 4 },
    };
    assert.equal(stableTrackRolledOut(rolledOut), true);
    assert.equal(
      stableTrackRolledOut({
        ...rolledOut,
        status: { observedGeneration: 2, replicas: 5, updatedReplicas: 4 },
      }),
      false,
    );
    holdRouting(routing, target, 4, new Map([[target.id, rolledOut]]), undefined);
    assert.deepEqual((svc.object.spec as { selector: object }).selector, {
      app: 'web',
      [TRACK_LABEL]: 'stable',
    });
  });

  it('while a rollout runs, the route is planned at its weight and Git’s copy is kept', () => {
    const p = plan();
    const [target, , r] = p;
    assert.ok(target && r);
    const routing = resolveRouting(p, delivery, 'shop', target);
    assert.ok(routing);
    const rollout: { weight: number; routeInGit?: KubeObject } = { weight: 50 };
    holdRouting(routing, target, 4, new Map(), rollout);
    assert.deepEqual(rollout.routeInGit, route(TWO_RULES));
    assert.deepEqual(weightsIn(r.object, SERVICES), [{ stable: 50, canary: 50 }]);
  });
});

describe('a route left with the delivery’s weights', () => {
  it('is taken back by force when no rollout is known (the controller restarted during one)', () => {
    const delivery = deliverySchema.parse({
      target: 'web',
      canary: { steps: [{ weight: 25 }] },
      trafficRouting: { httpRoute: { name: 'web' } },
      analysis: { prometheus: { address: 'http://prom:9090' } },
    });
    const p = [
      plannedOf(deployment()),
      plannedOf(service('web', { app: 'web' })),
      plannedOf(route(TWO_RULES)),
    ];
    const [target, , r] = p;
    assert.ok(target && r);
    (r as { options: object }).options = { force: false };
    const routing = resolveRouting(p, delivery, 'shop', target);
    assert.ok(routing);
    const liveRoute = {
      ...route(TWO_RULES),
      metadata: { name: 'web', managedFields: [{ manager: 'mooring' }] },
    };
    holdRouting(routing, target, 4, new Map([[r.id, liveRoute]]), undefined);
    assert.equal(r.options.force, false, 'Git owns it alone: no force');
    liveRoute.metadata.managedFields.push({ manager: 'mooring-delivery' });
    holdRouting(routing, target, 4, new Map([[r.id, liveRoute]]), undefined);
    assert.equal(r.options.force, true);
    assert.deepEqual(r.object, route(TWO_RULES), 'planned as Git has it');
  });
});

describe('routed canary replicas', () => {
  it('enough pods for the share, at least one', () => {
    assert.equal(routedCanaryReplicas(4, 25), 1);
    assert.equal(routedCanaryReplicas(4, 30), 2);
    assert.equal(routedCanaryReplicas(1, 5), 1);
    assert.equal(routedCanaryReplicas(10, 100), 10);
  });
});
