/**
 * Tenancy against the real cluster: Projects refuse what they do not allow before anything is written,
 * writes impersonate the Project's ServiceAccount so RBAC refuses what the Project let through, an
 * Application its Project does not accept does nothing (no fetch, no write) and says why, and Applications
 * in team namespaces work end to end without colliding. The controller runs with admin credentials here:
 * every refusal below is Mooring's own doing or the impersonated account's RBAC, never a missing right of
 * the controller.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import type { ProjectSpecInput } from '../../../src/crd/project.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { startGitHttpServer } from '../../../src/devgit/http-server.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import { installMooring, MOORING_NAMESPACE } from '../../../src/install/install.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { configMap, deployment, yamlStream } from '../../helpers/manifests.js';
import type { ControllerHarness } from '../controller/harness.js';
import { requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { APP_PATH, condition, controllerHarness } from '../controller/harness.js';
import { adminObjects } from '../install/harness.js';

const RBAC = 'rbac.authorization.k8s.io';

/** A ClusterRoleBinding that would make `subject` cluster-admin: what an attacker with push access writes. */
function takeOver(
  name: string,
  saNamespace: string,
): Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
} {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: saNamespace }],
  };
}

/** ServiceAccount `name` in `namespace` with a Role granting `resources` (core group) there, nothing more. */
async function weakAccount(
  admin: ObjectsApi,
  namespace: string,
  name: string,
  rules: { apiGroups: string[]; resources: string[] }[],
): Promise<void> {
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  await admin.create({
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name, namespace },
    rules: rules.map((r) => ({ ...r, verbs })),
  });
  await admin.create({
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC, kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

async function createProject(h: ControllerHarness, name: string, spec: ProjectSpecInput): Promise<void> {
  await h.observer.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'Project',
    metadata: { name, namespace: h.appNamespace },
    spec,
  });
}

/** An Application in `namespace` (a team namespace, or the controller's) following APP_PATH on main. */
async function createTeamApp(
  h: ControllerHarness,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await h.observer.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'Application',
    metadata: { name, namespace },
    spec: {
      source: { repoURL: h.repoURL, ref: { branch: 'main' }, path: APP_PATH },
      destination: { namespace: h.destNamespace },
      interval: '2s',
      ...spec,
    },
  });
}

async function waitForTeamApp(
  h: ControllerHarness,
  namespace: string,
  name: string,
  what: string,
  check: (app: Application) => boolean,
): Promise<Application> {
  let last: Application | undefined;
  try {
    return await h.waitFor(
      `${namespace}/${name}: ${what}`,
      async () => {
        last = (await h.observer.get(MOORING_API_VERSION, {
          group: 'mooring.dev',
          kind: 'Application',
          namespace,
          name,
        })) as Application | undefined;
        return last !== undefined && check(last) ? last : undefined;
      },
      30_000,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nlast status: ${JSON.stringify(last?.status ?? null)}\nlog:\n${h.logger.lines.join('\n')}`,
    );
  }
}

const readyReason = (app: Application): string | undefined =>
  app.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
const readyMessage = (app: Application): string =>
  app.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
const refusedByProject = (app: Application): boolean => readyReason(app) === 'ProjectRefused';
/** The last sync stopped: refused before any write (Rejected) or failed while applying. */
const failedSync = (app: Application): boolean =>
  app.status?.lastSync?.result === 'Rejected' || app.status?.lastSync?.result === 'Failed';

async function absent(h: ControllerHarness, kind: string, name: string, namespace: string): Promise<boolean> {
  const apiVersion = kind === 'ClusterRoleBinding' ? `${RBAC}/v1` : 'v1';
  return (await h.get(apiVersion, kind, name, namespace)) === undefined;
}

/** The namespaced objects of these tests: a ConfigMap and a Deployment in the destination. */
function appObjects(): ReturnType<typeof configMap>[] {
  return [configMap('settings', { color: 'blue' }), deployment('web', { replicas: 1 })];
}

describe('tenancy: Projects and impersonation', () => {
  it('refuses a ClusterRoleBinding in Git by the Project before anything is applied', async (t) => {
    const h = await controllerHarness(t, { permissiveProject: false });
    const crb = h.uniqueName('take-over');
    t.after(() =>
      h.observer.delete(`${RBAC}/v1`, { group: RBAC, kind: 'ClusterRoleBinding', namespace: '', name: crb }),
    );
    await weakAccount(h.observer, h.destNamespace, 'deployer', [
      { apiGroups: [''], resources: ['configmaps'] },
      { apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    await createProject(h, 'team', {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    await h.publish({ 'objects.yaml': [...appObjects(), takeOver(crb, h.destNamespace)] });
    await h.createApp('web', { project: 'team' });
    const app = await h.waitForApp(
      'web',
      'refused by its Project',
      (a) => refusedByProject(a) && failedSync(a),
    );
    const message = app.status?.lastSync?.message ?? '';
    t.diagnostic(message);
    assert.match(message, new RegExp(`ClusterRoleBinding/${crb} refused`));
    assert.match(message, /not in Project team's clusterResourceAllowList \(rule clusterResourceAllowList\)/);
    assert.match(message, /nothing was applied/);
    assert.equal(condition(app, 'Ready')?.status, 'False');
    assert.ok(await absent(h, 'ClusterRoleBinding', crb, ''), 'the ClusterRoleBinding was not created');
    assert.ok(await absent(h, 'ConfigMap', 'settings', h.destNamespace), 'nor anything else of the sync');
    assert.deepEqual(app.status?.inventory ?? [], [], 'a refused plan is not recorded as owned');
  });

  it('refuses by RBAC what a permissive Project lets through but its ServiceAccount may not do (403)', async (t) => {
    const h = await controllerHarness(t, { permissiveProject: false });
    const crb = h.uniqueName('take-over');
    t.after(() =>
      h.observer.delete(`${RBAC}/v1`, { group: RBAC, kind: 'ClusterRoleBinding', namespace: '', name: crb }),
    );
    await weakAccount(h.observer, h.destNamespace, 'deployer', [
      { apiGroups: [''], resources: ['configmaps'] },
    ]);
    await createProject(h, 'loose', {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: ['**'],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
      clusterResourceAllowList: [{ group: '*', kind: '*' }],
    });
    await h.publish({
      'objects.yaml': [configMap('settings', { color: 'blue' }), takeOver(crb, h.destNamespace)],
    });
    await h.createApp('web', { project: 'loose' });
    const app = await h.waitForApp('web', 'a failed sync', failedSync);
    const message = app.status?.lastSync?.message ?? '';
    t.diagnostic(`${message} | ${app.status?.summary ?? ''}`);
    assert.match(message, new RegExp(`ClusterRoleBinding/${crb} rejected by the API server`));
    assert.match(message, new RegExp(`system:serviceaccount:${h.destNamespace}:deployer`));
    assert.match(message, /forbidden/i);
    assert.match(app.status?.summary ?? '', new RegExp(`grant ServiceAccount ${h.destNamespace}/deployer`));
    assert.ok(await absent(h, 'ClusterRoleBinding', crb, ''), 'the ClusterRoleBinding was not created');
    assert.ok(await absent(h, 'ConfigMap', 'settings', h.destNamespace), 'nothing of the sync was applied');
  });

  it('refuses a destination namespace the Project does not list, and objects aimed at another namespace', async (t) => {
    const other = await testNamespace(t);
    const h = await controllerHarness(t, { permissiveProject: false });
    await weakAccount(h.observer, h.destNamespace, 'deployer', [
      { apiGroups: [''], resources: ['configmaps'] },
    ]);
    await createProject(h, 'team', {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    const elsewhere = {
      ...configMap('planted', { x: '1' }),
      metadata: { name: 'planted', namespace: other },
    };
    await h.publish({ 'objects.yaml': [configMap('settings', { color: 'blue' }), elsewhere] });
    await h.createApp('to-other', { project: 'team', destination: { namespace: other } });
    await h.createApp('planting', { project: 'team' });
    await h.createApp('remote', {
      project: 'team',
      destination: { namespace: h.destNamespace, cluster: 'prod-eu' },
    });

    const toOther = await h.waitForApp('to-other', 'refused by its Project', refusedByProject);
    assert.match(
      readyMessage(toOther),
      new RegExp(`Project team does not allow destination namespace ${other}`),
    );
    const remote = await h.waitForApp('remote', 'refused by its Project', refusedByProject);
    assert.match(
      readyMessage(remote),
      /Project team does not allow destination cluster "prod-eu" \(clusters: in-cluster\)/,
    );
    const planting = await h.waitForApp('planting', 'refused', (a) => refusedByProject(a) && failedSync(a));
    assert.match(
      planting.status?.lastSync?.message ?? '',
      new RegExp(
        `ConfigMap/${other}/planted refused: namespace ${other} is not an allowed destination of Project team`,
      ),
    );
    assert.ok(await absent(h, 'ConfigMap', 'planted', other), 'nothing written into the other namespace');
    assert.ok(await absent(h, 'ConfigMap', 'settings', h.destNamespace), 'nor into its own');
    assert.ok(await absent(h, 'ConfigMap', 'settings', other));
  });

  it('leaves an Application whose namespace no Project lists alone, says why, and never fetches an unlisted repoURL', async (t) => {
    const team = await testNamespace(t);
    const h = await controllerHarness(t, { permissiveProject: false, applicationNamespaces: [team] });
    // A second repository, served and with credentials, that no Project lists.
    const unlisted = await WorkingRepo.create(join(h.cacheDir, '..', 'other-git'), 'secret');
    await unlisted.writeFile('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n');
    await unlisted.commit('secret');
    await unlisted.push('main');
    const otherGit = await startGitHttpServer({
      projectRoot: join(h.cacheDir, '..', 'other-git'),
      basicAuth: { username: 'u', password: 'never-sent' },
    });
    t.after(() => otherGit.close());
    await weakAccount(h.observer, h.destNamespace, 'deployer', [
      { apiGroups: [''], resources: ['configmaps'] },
    ]);
    await createProject(h, 'default', {
      sourceNamespaces: [h.appNamespace],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: h.appNamespace },
      stringData: { username: 'u', password: 'never-sent' },
    });
    await h.publish({ 'objects.yaml': [configMap('settings', { color: 'blue' })] });

    await createTeamApp(h, team, 'web', {});
    await h.createApp('exfiltrate', {
      source: {
        repoURL: `${otherGit.baseUrl}/secret.git`,
        ref: { branch: 'main' },
        path: 'app',
        secretRef: { name: 'creds' },
      },
    });
    // Liveness: an accepted app in the same controller syncs, so the refusals below are decisions.
    await h.createApp('fine', {});
    await h.waitForApp('fine', 'Synced', (a) => a.status?.sync?.status === 'Synced');

    const unlistedNs = await waitForTeamApp(h, team, 'web', 'refused by its Project', refusedByProject);
    assert.match(readyMessage(unlistedNs), new RegExp(`Project default does not list namespace ${team}`));
    const events = (await h.observer.list('v1', 'Event', { namespace: team })).filter(
      (e) => e.reason === 'ProjectRefused',
    );
    assert.ok(events.length >= 1, 'a ProjectRefused Event on the Application');
    const records = await h.observer.list(MOORING_API_VERSION, 'SyncRecord', { namespace: team });
    assert.deepEqual(records, [], 'no sync was attempted');

    const exfiltrate = await h.waitForApp('exfiltrate', 'refused by its Project', refusedByProject);
    assert.match(readyMessage(exfiltrate), /Project default does not allow this repoURL \(sourceRepos:/);
    assert.doesNotMatch(JSON.stringify(exfiltrate.status), /never-sent/);
    assert.equal(otherGit.requestCount(), 0, 'the unlisted repository got no request (no credentials sent)');
  });

  it('syncs an Application in a team namespace end to end as its Project ServiceAccount', async (t) => {
    const team = await testNamespace(t);
    const h = await controllerHarness(t, { permissiveProject: false, applicationNamespaces: [team] });
    await weakAccount(h.observer, h.destNamespace, 'deployer', [
      { apiGroups: [''], resources: ['configmaps'] },
      { apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    await h.publish({ 'objects.yaml': appObjects() });
    // Polled once an hour: what follows the Project's creation is the Project watch's doing.
    await createTeamApp(h, team, 'web', { project: 'team', syncPolicy: { prune: true }, interval: '1h' });
    const missing = await waitForTeamApp(h, team, 'web', 'refused: no Project yet', refusedByProject);
    assert.match(
      readyMessage(missing),
      new RegExp(`names Project team, which does not exist in ${h.appNamespace}`),
    );
    await createProject(h, 'team', {
      sourceNamespaces: [team],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    const app = await waitForTeamApp(
      h,
      team,
      'web',
      'Synced and Ready',
      (a) => a.status?.sync?.status === 'Synced' && condition(a, 'Ready')?.status === 'True',
    );
    assert.deepEqual((app.status?.inventory ?? []).map((e) => e.id).sort(), [
      `${h.destNamespace}_settings__ConfigMap`,
      `${h.destNamespace}_web_apps_Deployment`,
    ]);
    const settings = await h.get('v1', 'ConfigMap', 'settings');
    assert.equal(
      settings?.metadata.labels?.['app.mooring.dev/name'],
      `${team}_web`,
      'tracking name is ns_name',
    );

    // Drift is corrected as the ServiceAccount too; a kind it may not write is refused by RBAC.
    await h.observer.mergePatch(
      'v1',
      { group: '', kind: 'ConfigMap', namespace: h.destNamespace, name: 'settings' },
      {
        data: { color: 'red' },
      },
    );
    await h.waitFor('the drift to be corrected', async () => {
      const cm = await h.get('v1', 'ConfigMap', 'settings');
      return (cm?.data as Record<string, string> | undefined)?.color === 'blue' ? true : undefined;
    });
    await h.observer.mergePatch(
      MOORING_API_VERSION,
      { group: 'mooring.dev', kind: 'Application', namespace: team, name: 'web' },
      { spec: { interval: '2s' } },
    );
    await h.publish({
      'objects.yaml': [
        ...appObjects(),
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'b' } },
      ],
    });
    const refused = await waitForTeamApp(h, team, 'web', 'a sync refused by RBAC', failedSync);
    assert.match(
      refused.status?.lastSync?.message ?? '',
      new RegExp(`Secret/${h.destNamespace}/x rejected by the API server.*forbidden`),
    );
    assert.ok(await absent(h, 'Secret', 'x', h.destNamespace));
  });

  it('keeps the same app name in two namespaces apart', async (t) => {
    const teamA = await testNamespace(t);
    const teamB = await testNamespace(t);
    const h = await controllerHarness(t, { permissiveProject: false, applicationNamespaces: [teamA, teamB] });
    const destB = await testNamespace(t);
    for (const ns of [h.destNamespace, destB])
      await weakAccount(h.observer, ns, 'deployer', [{ apiGroups: [''], resources: ['configmaps'] }]);
    await createProject(h, 'team-a', {
      sourceNamespaces: [teamA],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: h.destNamespace, serviceAccountName: 'deployer' }],
    });
    await createProject(h, 'team-b', {
      sourceNamespaces: [teamB],
      sourceRepos: [h.repoURL],
      destinations: [{ namespace: destB, serviceAccountName: 'deployer' }],
    });
    await h.publish({ 'objects.yaml': [configMap('settings', { color: 'blue' })] });
    await createTeamApp(h, teamA, 'web', { project: 'team-a', syncPolicy: { prune: true } });
    await createTeamApp(h, teamB, 'web', {
      project: 'team-b',
      destination: { namespace: destB },
      syncPolicy: { prune: true },
    });
    const synced = (a: Application): boolean =>
      a.status?.sync?.status === 'Synced' && condition(a, 'Ready')?.status === 'True';
    await waitForTeamApp(h, teamA, 'web', 'Synced', synced);
    await waitForTeamApp(h, teamB, 'web', 'Synced', synced);
    const a = await h.get('v1', 'ConfigMap', 'settings', h.destNamespace);
    const b = await h.get('v1', 'ConfigMap', 'settings', destB);
    assert.equal(a?.metadata.labels?.['app.mooring.dev/name'], `${teamA}_web`);
    assert.equal(b?.metadata.labels?.['app.mooring.dev/name'], `${teamB}_web`);

    // Deleting team A's app prunes its objects only.
    await h.observer.delete(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: teamA,
      name: 'web',
    });
    await h.waitFor("team A's ConfigMap to be pruned", async () =>
      (await absent(h, 'ConfigMap', 'settings', h.destNamespace)) ? true : undefined,
    );
    assert.ok(await h.get('v1', 'ConfigMap', 'settings', destB), "team B's object stays");
    const appB = await waitForTeamApp(h, teamB, 'web', 'still Synced', synced);
    assert.equal(appB.status?.inventory?.length, 1);

    // Without its Project, a deleted Application leaves its objects in place: nothing is pruned as the
    // controller itself.
    await h.observer.delete(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Project',
      namespace: h.appNamespace,
      name: 'team-b',
    });
    await waitForTeamApp(h, teamB, 'web', 'refused once its Project is gone', refusedByProject);
    await h.observer.delete(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: teamB,
      name: 'web',
    });
    await h.waitFor("team B's Application to be gone", async () =>
      (await h.observer.get(MOORING_API_VERSION, {
        group: 'mooring.dev',
        kind: 'Application',
        namespace: teamB,
        name: 'web',
      })) === undefined
        ? true
        : undefined,
    );
    assert.ok(
      await h.get('v1', 'ConfigMap', 'settings', destB),
      'left in place, not pruned as the controller',
    );
  });

  it('impersonates a ServiceAccount with the groups Kubernetes gives it, and the default deployer cannot create cluster-scoped RBAC', async (t) => {
    const admin = adminObjects(t, testCluster().kubeconfigPath);
    const installed = await installMooring(
      { objects: admin, tools: { renderHelper: requireRenderHelper() } },
      { mode: 'cluster', dryRun: false },
    );
    assert.equal(installed.error, undefined, JSON.stringify(installed.error));
    const deployer = admin.actingAs({ namespace: MOORING_NAMESPACE, name: 'mooring-deployer' });
    const review = await deployer.client.request<{
      status?: { userInfo?: { username?: string; groups?: string[] } };
    }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      verb: 'create',
    });
    assert.equal(
      review.status?.userInfo?.username,
      `system:serviceaccount:${MOORING_NAMESPACE}:mooring-deployer`,
    );
    assert.deepEqual([...(review.status.userInfo.groups ?? [])].sort(), [
      'system:authenticated',
      'system:serviceaccounts',
      `system:serviceaccounts:${MOORING_NAMESPACE}`,
    ]);

    const ns = await testNamespace(t);
    const dryRun = async (obj: Parameters<ObjectsApi['apply']>[0]): Promise<number | 'ok'> => {
      try {
        await deployer.apply(obj, { dryRun: true });
        return 'ok';
      } catch (error) {
        if (error instanceof KubeApiError) return error.httpStatus;
        throw error;
      }
    };
    assert.equal(
      await dryRun({ ...configMap('ok', { a: 'b' }), metadata: { name: 'ok', namespace: ns } }),
      'ok',
    );
    assert.equal(await dryRun(takeOver('mooring-test-take-over', ns)), 403, 'no ClusterRoleBinding');
    assert.equal(
      await dryRun({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${ns}-x` } }),
      403,
      'no Namespace',
    );
    // RBAC's escalation check: a RoleBinding to cluster-admin in a namespace is refused too.
    assert.equal(
      await dryRun({
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'escalate', namespace: ns },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
      }),
      403,
      'no RoleBinding to cluster-admin',
    );
  });

  it('push mode: mooring apply --as NAMESPACE/NAME writes as that ServiceAccount, and its RBAC decides', async (t) => {
    const ns = await testNamespace(t);
    const admin = adminObjects(t, testCluster().kubeconfigPath);
    await weakAccount(admin, ns, 'deployer', [{ apiGroups: [''], resources: ['configmaps'] }]);
    const dir = await mkdtemp(join(tmpdir(), 'mooring-as-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'app'));
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'b' } };
    await writeFile(
      join(dir, 'app', 'objects.yaml'),
      yamlStream([configMap('settings', { a: '1' }), secret]),
    );
    const args = [
      'apply',
      join(dir, 'app'),
      '--app',
      'as-test',
      '-n',
      ns,
      '--kubeconfig',
      testCluster().kubeconfigPath,
    ];

    const refused = await mooringCli([...args, '--as', `${ns}/deployer`]);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stdout + refused.stderr, new RegExp(`system:serviceaccount:${ns}:deployer`));
    assert.match(refused.stdout + refused.stderr, /forbidden/i);
    const left = await admin.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'settings' });
    assert.equal(left, undefined, 'nothing applied');

    await writeFile(join(dir, 'app', 'objects.yaml'), yamlStream([configMap('settings', { a: '1' })]));
    const applied = await mooringCli([...args, '--as', `${ns}/deployer`]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.ok(await admin.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'settings' }));
  });
});

/** Runs the built CLI; resolves with its exit code and output whatever the code. */
function mooringCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
