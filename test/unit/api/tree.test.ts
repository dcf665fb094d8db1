import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import type { ManagedResource } from '../../../src/api/tree.js';
import { buildTree, countNodes } from '../../../src/api/tree.js';

/** The element at `index`, failing the test when there is none. */
function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  assert.ok(item !== undefined, `no element ${index}`);
  return item;
}

const owner = (kind: string, name: string, uid: string) => ({
  apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' ? 'apps/v1' : 'batch/v1',
  kind,
  name,
  uid,
  controller: true,
});

const deployment = (ready: number, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', uid: 'd1', generation: 1 },
  spec: { replicas, selector: { matchLabels: { app: 'web' } } },
  status: {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions: [{ type: 'Available', status: ready === replicas ? 'True' : 'False' }],
  },
});

const replicaSet = (name: string, uid: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'shop', uid, ownerReferences: [owner('Deployment', 'web', 'd1')] },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
  status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
});

const pod = (name: string, ownerRef: Record<string, unknown>, waiting?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, ownerReferences: [ownerRef] },
  spec: {},
  status: {
    phase: waiting === undefined ? 'Running' : 'Pending',
    conditions: [{ type: 'Ready', status: waiting === undefined ? 'True' : 'False' }],
    containerStatuses: [
      {
        name: 'app',
        ready: waiting === undefined,
        state:
          waiting === undefined ? { running: {} } : { waiting: { reason: waiting, message: 'back-off' } },
      },
    ],
  },
});

const managed: ManagedResource[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', sync: 'Synced' },
  { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'gone', sync: 'OutOfSync' },
];

describe('resource tree', () => {
  it('follows owner references down from a Deployment to its ReplicaSet and Pods', () => {
    const live = deployment(2);
    const tree = buildTree({
      managed,
      liveOf: (r) => (r.kind === 'Deployment' ? live : undefined),
      related: [
        replicaSet('web-abc', 'rs1'),
        pod('web-abc-1', owner('ReplicaSet', 'web-abc', 'rs1')),
        pod('web-abc-2', owner('ReplicaSet', 'web-abc', 'rs1')),
        // The same pod listed twice (the Deployment's list and the ReplicaSet's) appears once.
        pod('web-abc-1', owner('ReplicaSet', 'web-abc', 'rs1')),
        // Selected by the labels but owned by something else: not part of this tree.
        pod('stray', owner('ReplicaSet', 'other', 'rs-other')),
      ],
    });
    assert.equal(tree.length, 2);
    const web = at(tree, 0);
    const gone = at(tree, 1);
    assert.equal(web.kind, 'Deployment');
    assert.equal(web.managed, true);
    assert.equal(web.sync, 'Synced');
    assert.equal(web.health, 'Healthy');
    assert.deepEqual(
      web.children.map((c) => `${c.kind}/${c.name}`),
      ['ReplicaSet/web-abc'],
    );
    const rs = at(web.children, 0);
    assert.equal(rs.managed, false);
    assert.equal(rs.sync, undefined);
    assert.deepEqual(
      rs.children.map((c) => `${c.kind}/${c.name}:${c.health}`),
      ['Pod/web-abc-1:Healthy', 'Pod/web-abc-2:Healthy'],
    );
    assert.equal(gone.health, 'Missing');
    assert.equal(gone.sync, 'OutOfSync');
    assert.deepEqual(gone.children, []);
    assert.equal(countNodes(tree), 5);
  });

  it('judges a workload with the pods below it: a crash-looping pod makes the Deployment Degraded, named', () => {
    const tree = buildTree({
      managed: managed.slice(0, 1),
      liveOf: () => deployment(1),
      related: [
        replicaSet('web-abc', 'rs1'),
        pod('web-abc-1', owner('ReplicaSet', 'web-abc', 'rs1')),
        pod('web-abc-2', owner('ReplicaSet', 'web-abc', 'rs1'), 'CrashLoopBackOff'),
      ],
    });
    const web = at(tree, 0);
    assert.equal(web.health, 'Degraded');
    assert.match(web.message, /web-abc-2 CrashLoopBackOff/);
    const crashing = at(web.children, 0).children.find((c) => c.name === 'web-abc-2');
    assert.equal(crashing?.health, 'Degraded');
  });

  it('goes two levels below a CronJob (Jobs, then their Pods)', () => {
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'shop', uid: 'c1' },
      spec: { schedule: '0 0 * * *' },
    };
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'nightly-1',
        namespace: 'shop',
        uid: 'j1',
        ownerReferences: [owner('CronJob', 'nightly', 'c1')],
      },
      spec: {},
      status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    };
    const tree = buildTree({
      managed: [{ group: 'batch', version: 'v1', kind: 'CronJob', namespace: 'shop', name: 'nightly' }],
      liveOf: () => cron,
      related: [job, pod('nightly-1-x', owner('Job', 'nightly-1', 'j1'))],
    });
    assert.equal(at(tree, 0).sync, 'Unknown');
    assert.equal(at(at(tree, 0).children, 0).name, 'nightly-1');
    assert.equal(at(at(at(tree, 0).children, 0).children, 0).name, 'nightly-1-x');
  });

  it('lists at most maxChildren under one node and says how many more there are', () => {
    const pods = Array.from({ length: 7 }, (_, i) => pod(`web-${i}`, owner('Deployment', 'web', 'd1')));
    const tree = buildTree({
      managed: managed.slice(0, 1),
      liveOf: () => deployment(2),
      related: pods,
      maxChildren: 3,
    });
    assert.equal(at(tree, 0).children.length, 3);
    assert.equal(at(tree, 0).truncated, 4);
  });

  it('survives owner reference cycles (hostile or broken objects)', () => {
    const a: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'a', namespace: 'shop', uid: 'a', ownerReferences: [{ uid: 'b' }] },
    };
    const b: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'b', namespace: 'shop', uid: 'b', ownerReferences: [{ uid: 'a' }] },
    };
    const tree = buildTree({
      managed: [{ group: 'example.com', version: 'v1', kind: 'Thing', namespace: 'shop', name: 'a' }],
      liveOf: () => a,
      related: [a, b],
    });
    // a → b, and b's child a is the root again: the walk stops there.
    assert.equal(at(at(tree, 0).children, 0).name, 'b');
    assert.deepEqual(at(at(tree, 0).children, 0).children, []);
  });
});
