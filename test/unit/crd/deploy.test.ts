import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { packageRoot } from '../../../src/core/package-root.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { fieldAt } from '../../../src/core/objects.js';

const deployDir = join(packageRoot(), 'deploy');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry) ? [full] : [];
  });
}

function documentsOf(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const errors = docs.flatMap((doc) => doc.errors.map((error) => error.message));
  assert.deepEqual(errors, [], relative(deployDir, file));
  return docs.map((doc) => doc.toJS() as unknown).filter((value) => value !== null);
}

/** Every Kubernetes object under deploy/ (kustomization files left out). */
function deployObjects(): KubeObject[] {
  return yamlFiles(deployDir)
    .flatMap(documentsOf)
    .filter((doc): doc is KubeObject => (doc as { kind?: string }).kind !== 'Kustomization');
}

function find(kind: string, name: string, namespace?: string): KubeObject {
  const found = deployObjects().find(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
  );
  assert.ok(found, `${kind}/${namespace ?? ''}/${name} is not under deploy/`);
  return found;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

/** Whether RBAC rules allow a verb on a resource, with RBAC's "*" matching. */
function allows(role: KubeObject, group: string, resource: string, verb: string): boolean {
  const rules = (role.rules ?? []) as PolicyRule[];
  const match = (list: string[] | undefined, value: string): boolean =>
    (list ?? []).includes('*') || (list ?? []).includes(value);
  return rules.some((r) => match(r.apiGroups, group) && match(r.resources, resource) && match(r.verbs, verb));
}

function assertAllows(role: KubeObject, group: string, resource: string, verbs: string[]): void {
  for (const verb of verbs)
    assert.ok(allows(role, group, resource, verb), `${role.metadata.name}: ${verb} ${group}/${resource}`);
}

const APP_RULES: [string, string, string[]][] = [
  ['mooring.dev', 'applications', ['get', 'list', 'watch', 'update', 'patch']],
  ['mooring.dev', 'applications/status', ['get', 'update', 'patch']],
  ['mooring.dev', 'applications/finalizers', ['update']],
  ['mooring.dev', 'syncrecords', ['get', 'list', 'watch', 'create', 'patch', 'delete']],
  ['mooring.dev', 'imagerepositories', ['get', 'list', 'watch']],
  ['mooring.dev', 'imagerepositories/status', ['get', 'update', 'patch']],
  ['mooring.dev', 'imagepolicies', ['get', 'list', 'watch']],
  ['mooring.dev', 'imagepolicies/status', ['get', 'update', 'patch']],
  ['', 'events', ['create', 'patch']],
  ['events.k8s.io', 'events', ['create', 'patch']],
];
const MANAGE_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ_VERBS = ['get', 'list', 'watch'];
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];

describe('install manifests', () => {
  it('are valid YAML, every document a Kubernetes object or a Kustomization', () => {
    const files = yamlFiles(deployDir);
    assert.ok(files.length >= 12, `only ${files.length} YAML files`);
    for (const file of files) {
      for (const doc of documentsOf(file)) {
        const obj = doc as Partial<KubeObject>;
        assert.equal(typeof obj.apiVersion, 'string', relative(deployDir, file));
        assert.equal(typeof obj.kind, 'string', relative(deployDir, file));
      }
    }
  });

  it('give every RBAC rule resources and at least one verb (a merge once left a rule without verbs)', () => {
    const roles = deployObjects().filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    assert.ok(roles.length >= 3, `only ${roles.length} Roles and ClusterRoles`);
    for (const role of roles) {
      const where = `${role.kind}/${role.metadata.namespace ?? ''}/${role.metadata.name}`;
      const rules = (role as { rules?: { resources?: unknown; verbs?: unknown }[] }).rules ?? [];
      rules.forEach((rule, i) => {
        assert.ok(
          Array.isArray(rule.resources) && rule.resources.length > 0,
          `${where} rule ${i}: resources`,
        );
        assert.ok(Array.isArray(rule.verbs) && rule.verbs.length > 0, `${where} rule ${i}: verbs`);
      });
    }
  });

  it('list only files and folders that exist in their kustomizations', () => {
    for (const file of yamlFiles(deployDir).filter((f) => f.endsWith('kustomization.yaml'))) {
      const [kustomization] = documentsOf(file) as { resources: string[] }[];
      for (const resource of kustomization?.resources ?? []) {
        assert.ok(existsSync(join(dirname(file), resource)), `${relative(deployDir, file)}: ${resource}`);
      }
    }
  });

  it('grant the cluster-wide ClusterRole reads, its own resources and ServiceAccount impersonation, and no writes of managed objects', () => {
    const role = find('ClusterRole', 'mooring-controller');
    for (const [group, resource, verbs] of APP_RULES) assertAllows(role, group, resource, verbs);
    assertAllows(role, 'apps', 'deployments', READ_VERBS);
    assertAllows(role, 'mooring.dev', 'projects', READ_VERBS);
    assertAllows(role, '', 'serviceaccounts', ['impersonate']);
    assertAllows(role, '', 'namespaces', ['create', 'patch']);
    // The HTTP API: who a token is, and what that identity may do, asked of the cluster.
    assertAllows(role, 'authentication.k8s.io', 'tokenreviews', ['create']);
    assertAllows(role, 'authorization.k8s.io', 'subjectaccessreviews', ['create']);
    for (const verb of WRITE_VERBS) {
      assert.equal(allows(role, 'apps', 'deployments', verb), false, verb);
      assert.equal(allows(role, 'rbac.authorization.k8s.io', 'clusterrolebindings', verb), false, verb);
      assert.equal(allows(role, 'mooring.dev', 'projects', verb), false, verb);
    }
    assert.equal(allows(role, 'rbac.authorization.k8s.io', 'clusterroles', 'escalate'), false);
    assert.equal(allows(role, '', 'users', 'impersonate'), false);
    assert.equal(allows(role, '', 'groups', 'impersonate'), false);
    assert.equal(allows(role, '', 'namespaces', 'delete'), false);
    const binding = find('ClusterRoleBinding', 'mooring-controller');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'mooring-controller', namespace: 'mooring-system' },
    ]);
  });

  it('grant Leases and read-only Secrets in the controller namespace only', () => {
    const role = find('Role', 'mooring-controller', 'mooring-system');
    assertAllows(role, 'coordination.k8s.io', 'leases', ['get', 'create', 'update']);
    assertAllows(role, '', 'secrets', ['get', 'list', 'watch']);
    assert.equal(allows(role, '', 'secrets', 'create'), false);
    assert.deepEqual(find('RoleBinding', 'mooring-controller', 'mooring-system').roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'mooring-controller',
    });
  });

  it('give the default Project a deployer with namespaced write rights only, and no cluster-scoped kinds', () => {
    const project = find('Project', 'default', 'mooring-system');
    assert.deepEqual(fieldAt(project, ['spec', 'clusterResourceAllowList']), []);
    assert.deepEqual(fieldAt(project, ['spec', 'sourceNamespaces']), ['mooring-system']);
    assert.deepEqual(fieldAt(project, ['spec', 'destinations']), [
      { namespace: '*', serviceAccountName: 'mooring-system/mooring-deployer' },
    ]);
    const deployer = find('ClusterRole', 'mooring-deployer');
    assertAllows(deployer, 'apps', 'deployments', MANAGE_VERBS);
    assertAllows(deployer, '', 'configmaps', MANAGE_VERBS);
    assertAllows(deployer, 'rbac.authorization.k8s.io', 'rolebindings', MANAGE_VERBS);
    const rules = (deployer.rules ?? []) as PolicyRule[];
    assert.ok(
      rules.every((r) => !(r.apiGroups ?? []).includes('*') && !(r.resources ?? []).includes('*')),
      'a ClusterRoleBinding grants cluster-scoped resources too: no "*"',
    );
    for (const [group, resource] of [
      ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['rbac.authorization.k8s.io', 'clusterroles'],
      ['', 'namespaces'],
      ['', 'resourcequotas'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'],
      ['mooring.dev', 'applications'],
    ] as const)
      assert.equal(allows(deployer, group, resource, 'create'), false, `${group}/${resource}`);
    assert.equal(allows(deployer, 'rbac.authorization.k8s.io', 'roles', 'escalate'), false);
    assert.equal(allows(deployer, 'rbac.authorization.k8s.io', 'clusterroles', 'bind'), false);
  });

  it('in namespace-scoped mode, grant the same on Applications in mooring-system, and apply as a deployer per managed namespace', () => {
    const apps = find('Role', 'mooring-applications', 'mooring-system');
    for (const [group, resource, verbs] of APP_RULES) assertAllows(apps, group, resource, verbs);
    assertAllows(apps, 'mooring.dev', 'projects', READ_VERBS);
    assert.equal(allows(apps, 'mooring.dev', 'projects', 'patch'), false);
    const manager = find('Role', 'mooring-manager', 'team-a');
    assertAllows(manager, 'apps', 'deployments', READ_VERBS);
    assertAllows(manager, '', 'serviceaccounts', ['impersonate']);
    assert.equal(allows(manager, 'apps', 'deployments', 'patch'), false);
    const deployer = find('Role', 'mooring-deployer', 'team-a');
    assertAllows(deployer, 'apps', 'deployments', MANAGE_VERBS);
    const binding = find('RoleBinding', 'mooring-manager', 'team-a');
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'mooring-manager',
    });
  });

  it('run one hardened controller replica with leader election, /healthz liveness and /readyz readiness', () => {
    const deployment = find('Deployment', 'mooring-controller', 'mooring-system');
    const pod = fieldAt(deployment, ['spec', 'template', 'spec']);
    const container = fieldAt(pod, ['containers', 0]);
    assert.equal(fieldAt(deployment, ['spec', 'replicas']), 1);
    assert.equal(fieldAt(pod, ['serviceAccountName']), 'mooring-controller');
    assert.equal(fieldAt(pod, ['securityContext', 'runAsNonRoot']), true);
    assert.equal(fieldAt(container, ['securityContext', 'readOnlyRootFilesystem']), true);
    assert.equal(fieldAt(container, ['securityContext', 'allowPrivilegeEscalation']), false);
    assert.ok((fieldAt(container, ['args']) as string[]).includes('--leader-elect'));
    assert.deepEqual(fieldAt(container, ['livenessProbe', 'httpGet']), { path: '/healthz', port: 'http' });
    // Ready once the Application watch has listed (a standby replica never is): /readyz.
    assert.deepEqual(fieldAt(container, ['readinessProbe', 'httpGet']), { path: '/readyz', port: 'http' });
    assert.ok((fieldAt(container, ['args']) as string[]).includes('--http-port=8080'));
    assert.deepEqual(fieldAt(container, ['ports', 0]), {
      name: 'http',
      containerPort: 8080,
      protocol: 'TCP',
    });
    assert.ok(fieldAt(container, ['resources', 'requests', 'memory']));
    assert.ok(fieldAt(container, ['resources', 'limits', 'memory']));
  });

  it('expose the webhook on port 8080 of a Service that selects the controller pods', () => {
    const service = find('Service', 'mooring-webhook', 'mooring-system');
    const podLabels = fieldAt(find('Deployment', 'mooring-controller', 'mooring-system'), [
      'spec',
      'template',
      'metadata',
      'labels',
    ]);
    assert.deepEqual(fieldAt(service, ['spec', 'selector']), podLabels);
    assert.equal(fieldAt(service, ['spec', 'ports', 0, 'port']), 8080);
  });
});
