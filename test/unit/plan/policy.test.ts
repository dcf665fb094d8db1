import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { parseProject } from '../../../src/crd/project.js';
import type { Project, ProjectSpecInput } from '../../../src/crd/project.js';
import {
  canonicalRepoURL,
  checkApplication,
  checkObjects,
  matchGlob,
  namespaceMatches,
  protectedNamespaces,
  serviceAccountFor,
} from '../../../src/plan/policy.js';
import type { AppUnderPolicy } from '../../../src/plan/policy.js';

const CONTROLLER_NS = 'mooring-system';

function project(spec: ProjectSpecInput, name = 'team-a'): Project {
  return parseProject({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Project',
    metadata: { name, namespace: CONTROLLER_NS },
    spec,
  });
}

const teamA = project({
  sourceNamespaces: ['team-a'],
  sourceRepos: ['https://git.example.com/team-a/*'],
  destinations: [
    { namespace: 'team-a', serviceAccountName: 'deployer' },
    { namespace: 'team-a-*', serviceAccountName: 'team-a/deployer' },
  ],
  namespaceResourceDenyList: [{ group: '', kind: 'ResourceQuota' }],
});

const app: AppUnderPolicy = {
  namespace: 'team-a',
  name: 'web',
  repoURL: 'https://git.example.com/team-a/web.git',
  destination: { namespace: 'team-a' },
};

const ref = (group: string, kind: string, namespace: string, name = 'x') => ({
  group,
  kind,
  namespace,
  name,
});

describe('matchGlob', () => {
  it('matches literals exactly and * within one path segment', () => {
    assert.equal(matchGlob('team-a', 'team-a'), true);
    assert.equal(matchGlob('team-a', 'team-ab'), false);
    assert.equal(matchGlob('team-*', 'team-b'), true);
    assert.equal(matchGlob('team-*', 'team-'), true);
    assert.equal(matchGlob('https://h/org/*', 'https://h/org/app.git'), true);
    assert.equal(matchGlob('https://h/org/*', 'https://h/org/sub/app.git'), false);
    assert.equal(matchGlob('https://h/org/**', 'https://h/org/sub/app.git'), true);
    assert.equal(matchGlob('*', ''), true);
  });

  it('treats regular-expression characters as plain text (no injection)', () => {
    assert.equal(matchGlob('a.b', 'axb'), false);
    assert.equal(matchGlob('(a|b)', 'a'), false);
    assert.equal(matchGlob('(a|b)', '(a|b)'), true);
    assert.equal(matchGlob('[ab]', 'a'), false);
    assert.equal(matchGlob('a?', 'ab'), false);
  });

  it('stays fast with many stars against a long value', () => {
    const value = `${'a'.repeat(2000)}b`;
    assert.equal(matchGlob('*a*a*a*a*a*a*a*c', value), false);
    assert.equal(matchGlob('**a**a**a**b', value), true);
  });
});

describe('namespaceMatches', () => {
  const protectedSet = protectedNamespaces(CONTROLLER_NS);
  it('never lets a wildcard match the controller namespace or kube-*', () => {
    for (const ns of [CONTROLLER_NS, 'kube-system', 'kube-public', 'kube-node-lease']) {
      assert.equal(namespaceMatches('*', ns, protectedSet), false, ns);
      assert.equal(namespaceMatches(ns, ns, protectedSet), true, ns);
    }
    assert.equal(namespaceMatches('kube-*', 'kube-system', protectedSet), false);
    assert.equal(namespaceMatches('*', 'shop', protectedSet), true);
  });
});

describe('canonicalRepoURL', () => {
  it('accepts canonical URLs and scp-like paths', () => {
    assert.deepEqual(canonicalRepoURL('https://git.example.com/team-a/web.git'), {
      url: 'https://git.example.com/team-a/web.git',
    });
    assert.deepEqual(canonicalRepoURL('git@git.example.com:team-a/web.git'), {
      url: 'git@git.example.com:team-a/web.git',
    });
  });

  it('refuses forms that git would read as another URL', () => {
    for (const url of [
      'https://git.example.com/team-a/../team-b/web.git',
      'https://git.example.com/team-a/%2e%2e/team-b/web.git',
      'https://GIT.example.com/team-a/web.git',
      'https://git.example.com/team-a/./web.git',
      'git@git.example.com:team-a/../team-b/web.git',
      'not a url',
    ])
      assert.ok('problem' in canonicalRepoURL(url), url);
  });
});

describe('checkApplication', () => {
  it('accepts an app in a listed namespace, from a listed repo, to an allowed destination', () => {
    assert.deepEqual(checkApplication(teamA, app, CONTROLLER_NS), []);
  });

  it('refuses an app whose namespace the Project does not list', () => {
    const [v] = checkApplication(teamA, { ...app, namespace: 'team-b' }, CONTROLLER_NS);
    assert.equal(v?.rule, 'sourceNamespaces');
    assert.equal(v.subject, 'Application/team-b/web');
    assert.match(v.message, /Project team-a does not list namespace team-b/);
  });

  it('refuses repositories outside sourceRepos, including path tricks and look-alike hosts', () => {
    for (const repoURL of [
      'https://git.example.com/team-b/web.git',
      'https://git.example.com/team-a/../team-b/web.git',
      'https://git.example.com.evil.io/team-a/web.git',
      'https://evil.io/?https://git.example.com/team-a/web.git',
      'https://user@git.example.com/team-a/web.git',
      'https://git.example.com/team-a/sub/web.git',
    ]) {
      const violations = checkApplication(teamA, { ...app, repoURL }, CONTROLLER_NS);
      assert.deepEqual(
        violations.map((v) => v.rule),
        ['sourceRepos'],
        repoURL,
      );
    }
  });

  it('refuses a destination namespace the Project does not allow, and a cluster it does not list', () => {
    const [ns] = checkApplication(teamA, { ...app, destination: { namespace: 'team-b' } }, CONTROLLER_NS);
    assert.equal(ns?.rule, 'destinations');
    assert.match(ns.message, /does not allow destination namespace team-b/);
    const [cluster] = checkApplication(
      teamA,
      { ...app, destination: { namespace: 'team-a', cluster: 'prod' } },
      CONTROLLER_NS,
    );
    assert.equal(cluster?.rule, 'cluster');
    assert.match(
      cluster.message,
      /Project team-a does not allow destination cluster "prod" \(clusters: in-cluster\)/,
    );
  });

  it('matches destinations per cluster: the ServiceAccount is the one the Project names for that cluster', () => {
    const fleet = project({
      sourceNamespaces: ['team-a'],
      sourceRepos: ['https://git.example.com/team-a/*'],
      destinations: [
        { namespace: 'team-a', serviceAccountName: 'deployer' },
        { cluster: 'prod', namespace: 'web-*', serviceAccountName: 'ops/prod-deployer' },
      ],
    });
    const onProd = { ...app, destination: { namespace: 'web-eu', cluster: 'prod' } };
    assert.deepEqual(checkApplication(fleet, onProd, CONTROLLER_NS), []);
    assert.deepEqual(serviceAccountFor(fleet, onProd, 'web-eu', CONTROLLER_NS), {
      namespace: 'ops',
      name: 'prod-deployer',
    });
    // team-a is allowed in-cluster only, web-* on prod only: neither leaks to the other cluster.
    const [wrongNs] = checkApplication(
      fleet,
      { ...app, destination: { namespace: 'team-a', cluster: 'prod' } },
      CONTROLLER_NS,
    );
    assert.equal(wrongNs?.rule, 'destinations');
    const [local] = checkApplication(fleet, { ...app, destination: { namespace: 'web-eu' } }, CONTROLLER_NS);
    assert.equal(local?.rule, 'destinations');
    assert.equal(
      serviceAccountFor(fleet, { ...app, destination: { namespace: 'web-eu' } }, 'web-eu', CONTROLLER_NS),
      undefined,
    );
  });

  it("refuses an app's own ServiceAccount unless the Project allows it", () => {
    const own = { ...app, serviceAccountName: 'admin' };
    assert.deepEqual(
      checkApplication(teamA, own, CONTROLLER_NS).map((v) => v.rule),
      ['allowAppServiceAccount'],
    );
    const allowing = project({ ...teamA.spec, allowAppServiceAccount: true });
    assert.deepEqual(checkApplication(allowing, own, CONTROLLER_NS), []);
    assert.deepEqual(serviceAccountFor(allowing, own, 'team-a', CONTROLLER_NS), {
      namespace: 'team-a',
      name: 'admin',
    });
  });

  it('refuses everything with an empty Project (defaults allow nothing)', () => {
    const rules = checkApplication(project({}, 'empty'), app, CONTROLLER_NS).map((v) => v.rule);
    assert.deepEqual(rules, ['sourceNamespaces', 'sourceRepos', 'destinations']);
  });
});

describe('serviceAccountFor', () => {
  it('resolves a bare name in the destination namespace and namespace/name as written', () => {
    assert.deepEqual(serviceAccountFor(teamA, app, 'team-a', CONTROLLER_NS), {
      namespace: 'team-a',
      name: 'deployer',
    });
    assert.deepEqual(serviceAccountFor(teamA, app, 'team-a-web', CONTROLLER_NS), {
      namespace: 'team-a',
      name: 'deployer',
    });
    assert.equal(serviceAccountFor(teamA, app, 'team-b', CONTROLLER_NS), undefined);
  });
});

describe('checkObjects', () => {
  it('refuses cluster-scoped kinds unless allowed, naming the object, the kind and the Project', () => {
    const [v] = checkObjects(
      teamA,
      app,
      [ref('rbac.authorization.k8s.io', 'ClusterRoleBinding', '', 'take-over')],
      CONTROLLER_NS,
    );
    assert.equal(v?.rule, 'clusterResourceAllowList');
    assert.equal(v.subject, 'ClusterRoleBinding/take-over');
    assert.match(v.message, /rbac\.authorization\.k8s\.io\/ClusterRoleBinding is not in Project team-a's/);
    const allowing = project({
      ...teamA.spec,
      clusterResourceAllowList: [{ group: 'rbac.authorization.k8s.io', kind: 'Cluster*' }],
    });
    assert.deepEqual(
      checkObjects(allowing, app, [ref('rbac.authorization.k8s.io', 'ClusterRole', '')], CONTROLLER_NS),
      [],
    );
    assert.equal(
      checkObjects(allowing, app, [ref('', 'Namespace', '')], CONTROLLER_NS)[0]?.rule,
      'clusterResourceAllowList',
    );
  });

  it('refuses denied namespaced kinds', () => {
    const [v] = checkObjects(teamA, app, [ref('', 'ResourceQuota', 'team-a')], CONTROLLER_NS);
    assert.equal(v?.rule, 'namespaceResourceDenyList');
  });

  it('refuses objects whose metadata.namespace points outside the allowed destinations', () => {
    const violations = checkObjects(
      teamA,
      app,
      [ref('', 'ConfigMap', 'team-a'), ref('', 'ConfigMap', 'team-b'), ref('', 'Secret', CONTROLLER_NS)],
      CONTROLLER_NS,
    );
    assert.deepEqual(
      violations.map((v) => `${v.rule} ${v.subject}`),
      ['destinations ConfigMap/team-b/x', `destinations Secret/${CONTROLLER_NS}/x`],
    );
  });

  it('refuses objects that another destination would apply as a different ServiceAccount', () => {
    const split = project({
      ...teamA.spec,
      destinations: [
        { namespace: 'team-a', serviceAccountName: 'deployer' },
        { namespace: 'team-a-*', serviceAccountName: 'other' },
      ],
    });
    const [v] = checkObjects(split, app, [ref('', 'ConfigMap', 'team-a-web')], CONTROLLER_NS);
    assert.equal(v?.rule, 'destinations');
    assert.match(v.message, /applied as ServiceAccount team-a-web\/other/);
  });
});

describe('parseProject', () => {
  it('rejects a malformed ServiceAccount name', () => {
    assert.throws(
      () => project({ destinations: [{ namespace: 'a', serviceAccountName: 'a/b/c' }] }),
      (error: unknown) => error instanceof MooringError && error.message.includes('serviceAccountName'),
    );
  });
});
