import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { remoteAccessObjects } from '../../../src/install/clusters.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const rulesOf = (objects: KubeObject[], kind: string): Rule[] =>
  objects.filter((o) => o.kind === kind).flatMap((o) => o.rules as Rule[]);

/** Verbs granted on a core-group resource by some rule (`*` resources included). */
const verbsOn = (rules: Rule[], resource: string): string[] =>
  rules
    .filter((r) => r.apiGroups.some((g) => g === '' || g === '*'))
    .filter((r) => r.resources.includes(resource) || r.resources.includes('*'))
    .flatMap((r) => r.verbs)
    .sort();

describe('cluster add: the rights the controller gets on a target', () => {
  it('cluster mode: read everything, impersonate ServiceAccounts, create namespaces; no other write', () => {
    const objects = remoteAccessObjects('cluster', []);
    const rules = rulesOf(objects, 'ClusterRole');
    assert.deepEqual(verbsOn(rules, 'configmaps'), ['get', 'list', 'watch']);
    assert.deepEqual(verbsOn(rules, 'secrets'), ['get', 'list', 'watch']);
    assert.deepEqual(verbsOn(rules, 'serviceaccounts'), ['get', 'impersonate', 'list', 'watch']);
    assert.deepEqual(verbsOn(rules, 'namespaces'), ['create', 'get', 'list', 'patch', 'watch']);
    // Never groups or users: impersonating a group could claim system:masters.
    assert.deepEqual(verbsOn(rules, 'groups'), ['get', 'list', 'watch']);
    assert.deepEqual(verbsOn(rules, 'users'), ['get', 'list', 'watch']);
    for (const rule of rules) {
      assert.ok(!rule.verbs.includes('*'), 'no wildcard verb');
      for (const verb of ['delete', 'update', 'bind', 'escalate', 'deletecollection'])
        assert.ok(!rule.verbs.includes(verb), `no ${verb}`);
    }
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    assert.deepEqual(binding?.subjects, [
      { kind: 'ServiceAccount', name: 'mooring-controller', namespace: 'mooring-remote' },
    ]);
  });

  it('namespaced mode: Roles in the named namespaces only, no namespace creation, nothing cluster-wide', () => {
    const objects = remoteAccessObjects('namespaced', ['web', 'api']);
    assert.deepEqual(
      objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'),
      [],
    );
    assert.deepEqual(
      objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace),
      ['web', 'api'],
    );
    assert.deepEqual(
      objects.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace),
      ['web', 'api'],
    );
    const rules = rulesOf(objects, 'Role');
    assert.ok(!verbsOn(rules, 'namespaces').includes('create'));
    assert.ok(!verbsOn(rules, 'configmaps').includes('patch'));
    assert.throws(
      () => remoteAccessObjects('namespaced', []),
      (error: unknown) => error instanceof MooringError && error.message.includes('at least one --namespace'),
    );
  });
});
