/**
 * Hooks that use generateName keep the tenancy guarantees of every other object: the Project's policy sees
 * them before anything is written, and they are validated (dry-run) and created as the Project's
 * ServiceAccount (an admission policy that only lets that account create Jobs proves the identity).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { ProjectSpecInput } from '../../../src/crd/project.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { configMap, job } from '../../helpers/manifests.js';
import type { ControllerHarness } from '../controller/harness.js';
import { condition, controllerHarness } from '../controller/harness.js';

const RBAC = 'rbac.authorization.k8s.io';

/** A PreSync Job hook with generateName, as Argo CD users write them. */
function generatedHook(prefix: string): KubeObject {
  const object = job('unused', { annotations: { 'argocd.argoproj.io/hook': 'PreSync' } });
  const { name: _name, ...metadata } = object.metadata;
  return { ...object, metadata: { ...metadata, generateName: prefix } } as unknown as KubeObject;
}

async function account(admin: ObjectsApi, namespace: string, name: string, resources: [string, string][]) {
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  await admin.create({
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name, namespace },
    rules: resources.map(([group, resource]) => ({ apiGroups: [group], resources: [resource], verbs })),
  });
  await admin.create({
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC, kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

async function createProject(h: ControllerHarness, spec: ProjectSpecInput): Promise<void> {
  await h.observer.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'Project',
    metadata: { name: 'team', namespace: h.appNamespace },
    spec,
  });
}

const jobsIn = async (h: ControllerHarness, prefix: string): Promise<KubeObject[]> =>
  (await h.observer.list('batch/v1', 'Job', { namespace: h.destNamespace })).filter((j) =>
    j.metadata.name.startsWith(prefix),
  );

describe('hooks with generateName under a Project', () => {
  it('are refused by the Project like any object of their kind, before anything is written', async (t) => {
    const h = await controllerHarness(t, { permissiveProject: false });
    await account(h.observer, h.destNamespace, 'deployer', [
      ['', 'configmaps'],
      ['batch', 'jobs'],
    ]);
    await createProject(h, {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
      namespaceResourceDenyList: [{ group: 'batch', kind: 'Job' }],
    });
    await h.publish({ 'app.yaml': [generatedHook('migrate-'), configMap('settings', { v: '1' })] });
    await h.createApp('web', { project: 'team' });
    const app: Application = await h.waitForApp(
      'web',
      'refused by its Project',
      (a) => condition(a, 'Ready')?.reason === 'ProjectRefused',
    );
    const message = app.status?.lastSync?.message ?? condition(app, 'Ready')?.message ?? '';
    assert.match(message, new RegExp(`Job/${h.destNamespace}/migrate-\\* refused`));
    assert.equal((await jobsIn(h, 'migrate-')).length, 0);
    assert.equal(await h.get('v1', 'ConfigMap', 'settings', h.destNamespace), undefined);
  });

  it("are validated and created as the Project's ServiceAccount", async (t) => {
    const h = await controllerHarness(t, { permissiveProject: false });
    const deployer = `system:serviceaccount:${h.destNamespace}:deployer`;
    await account(h.observer, h.destNamespace, 'deployer', [
      ['', 'configmaps'],
      ['batch', 'jobs'],
    ]);
    // Only the deployer may create Jobs in the destination namespace (dry runs included).
    const policy = h.uniqueName('only-deployer-creates-jobs');
    await h.observer.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] },
          ],
        },
        validations: [
          {
            expression: `request.userInfo.username == '${deployer}'`,
            message: 'only the deployer creates Jobs here',
          },
        ],
      },
    });
    await h.observer.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: policy },
      spec: {
        policyName: policy,
        validationActions: ['Deny'],
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': h.destNamespace } },
        },
      },
    });
    t.after(async () => {
      for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy'])
        await h.observer.delete('admissionregistration.k8s.io/v1', {
          group: 'admissionregistration.k8s.io',
          kind,
          namespace: '',
          name: policy,
        });
    });
    // The policy is live once it refuses the test's own (admin) create.
    await h.waitFor(
      'the admission policy to refuse an admin',
      async () => {
        try {
          await h.observer.create(
            {
              ...generatedHook('probe-'),
              metadata: { generateName: 'probe-', namespace: h.destNamespace },
            } as unknown as KubeObject,
            undefined,
            { dryRun: true },
          );
          return undefined;
        } catch (error) {
          return String(error).includes('only the deployer creates Jobs here') ? true : undefined;
        }
      },
      30_000,
    );

    await createProject(h, {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    await h.publish({ 'app.yaml': [generatedHook('migrate-'), configMap('settings', { v: '1' })] });
    await h.createApp('web', { project: 'team' });
    const app = await h.waitForApp('web', 'Ready', (a) => condition(a, 'Ready')?.status === 'True');
    assert.equal(app.status?.lastSync?.result, 'Succeeded');
    const runs = await jobsIn(h, 'migrate-');
    assert.equal(runs.length, 1, 'the hook ran once, created by the deployer');
  });
});
