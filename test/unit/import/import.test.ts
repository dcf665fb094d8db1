/** `mooring import`: Argo CD and Flux manifests (in their documented shapes) to Mooring objects and a report. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { parseApplication, parseProject } from '../../../src/crd/application.js';
import {
  DEFAULT_IMPORT_OPTIONS,
  formatNotes,
  importArgoCD,
  importFlux,
  type ImportNote,
  type ImportResult,
} from '../../../src/import/index.js';

const fixtures = join(packageRoot(), 'test', 'unit', 'import', 'fixtures');
const load = (name: string) => [{ name, text: readFileSync(join(fixtures, name), 'utf8') }];

function byName(result: ImportResult, kind: string, name: string): KubeObject {
  const found = result.objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} was produced`);
  return found;
}

function notesOf(result: ImportResult, subject: string): string[] {
  return result.notes.filter((n) => n.subject === subject).map((n) => `${n.severity} ${n.field}`);
}

describe('mooring import argocd', () => {
  const result = importArgoCD(load('argocd-apps.yaml'), DEFAULT_IMPORT_OPTIONS);

  it('produces valid Mooring Projects first, then Applications, in the controller namespace', () => {
    assert.deepEqual(
      result.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      [
        'Project/mooring-system/team-a',
        'Application/mooring-system/guestbook',
        'Application/mooring-system/helm-guestbook',
        'Application/mooring-system/jsonnet-app',
      ],
    );
    for (const obj of result.objects) {
      if (obj.kind === 'Project') parseProject(obj);
      else parseApplication(obj);
      assert.equal(obj.metadata.labels?.['mooring.dev/imported-from'], 'argocd');
    }
  });

  it('carries over source, destination and sync policy of a directory app', () => {
    assert.deepEqual(byName(result, 'Application', 'guestbook').spec, {
      project: 'team-a',
      source: {
        repoURL: 'https://github.com/argoproj/argocd-example-apps.git',
        ref: { branch: 'main' },
        path: 'guestbook',
        directory: { recurse: true, include: ['*.yaml', '*.yml'] },
      },
      destination: { namespace: 'team-a-guestbook' },
      syncPolicy: {
        automated: true,
        prune: true,
        selfHeal: true,
        createNamespace: true,
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      },
    });
    assert.deepEqual(notesOf(result, 'Application/argocd/guestbook'), [
      'changed spec.source.targetRevision',
      'changed spec.syncPolicy.syncOptions[ServerSideApply=true]',
      'dropped spec.syncPolicy.syncOptions[PruneLast=true]',
      'dropped spec.ignoreDifferences',
      'dropped metadata.annotations[notifications.argoproj.io/*]',
    ]);
  });

  it('turns Helm values, valuesObject and parameters into values, a manual app into automated: false, no finalizer into orphanOnDelete', () => {
    const spec = byName(result, 'Application', 'helm-guestbook').spec as Record<string, unknown>;
    assert.deepEqual(spec.source, {
      repoURL: 'https://github.com/argoproj/argocd-example-apps.git',
      ref: { tag: 'v1.2.0' },
      path: 'helm-guestbook',
      helm: {
        releaseName: 'guestbook',
        valueFiles: ['values-production.yaml'],
        values: {
          ingress: { enabled: false },
          service: { type: 'LoadBalancer' },
          replicaCount: 3,
          image: { tag: '1234' },
        },
        includeCRDs: true,
      },
    });
    assert.deepEqual(spec.syncPolicy, { automated: false, prune: false, selfHeal: false });
    assert.equal(spec.orphanOnDelete, true);
  });

  it('maps jsonnet TLAs, ext vars and libs, and reports code TLAs it cannot pass', () => {
    const source = (byName(result, 'Application', 'jsonnet-app').spec as { source: Record<string, unknown> })
      .source;
    assert.deepEqual(source.jsonnet, {
      tlas: { env: 'prod' },
      extVars: { cluster: 'main' },
      libPaths: ['vendor'],
    });
    assert.deepEqual(source.ref, { branch: 'release-2024' });
    assert.ok(
      notesOf(result, 'Application/argocd/jsonnet-app').includes(
        'dropped spec.source.directory.jsonnet.tlas[replicas]',
      ),
    );
  });

  it('skips a Helm-repository chart and a remote cluster, saying why', () => {
    const skipped = result.notes.filter((n) => n.severity === 'skipped');
    assert.deepEqual(
      skipped.map((n) => `${n.subject} ${n.field}`),
      ['Application/argocd/prometheus spec.source.chart', 'Application/argocd/remote-app spec.destination'],
    );
    assert.match(skipped[0]?.message ?? '', /vendor the chart/);
  });

  it('turns an AppProject into a Project: in-cluster destinations with their ServiceAccounts, kinds, and the rest reported', () => {
    assert.deepEqual(byName(result, 'Project', 'team-a').spec, {
      description: "Team A's apps",
      sourceNamespaces: [],
      sourceRepos: ['https://github.com/example/team-a-*', 'https://github.com/example/shared.git'],
      destinations: [
        { namespace: 'team-a-*', serviceAccountName: 'team-a-deployer' },
        { namespace: 'monitoring', serviceAccountName: 'mooring-deployer' },
      ],
      clusterResourceAllowList: [{ group: '', kind: 'Namespace' }],
      namespaceResourceDenyList: [{ group: '', kind: 'ResourceQuota' }],
    });
    assert.deepEqual(notesOf(result, 'AppProject/argocd/team-a').sort(), [
      'changed spec.sourceRepos',
      'dropped spec.destinations[2]',
      'dropped spec.roles',
      'dropped spec.syncWindows',
      'manual spec.destinations[1]',
    ]);
  });

  it('maps "*" repositories to "**" and names the ServiceAccount given', () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: everything, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{namespace: '*', server: 'https://kubernetes.default.svc'}]
`;
    const out = importArgoCD([{ name: 'p.yaml', text }], {
      namespace: 'ops',
      serviceAccountName: 'deployer',
    });
    assert.deepEqual(out.objects[0]?.spec, {
      sourceNamespaces: [],
      sourceRepos: ['**'],
      destinations: [{ namespace: '*', serviceAccountName: 'deployer' }],
      clusterResourceAllowList: [],
      namespaceResourceDenyList: [],
    });
    assert.equal(byName(out, 'Project', 'everything').metadata.namespace, 'ops');
  });
});

describe('mooring import argocd: other clusters', () => {
  it("maps a destination on another cluster to spec.destination.cluster, by name or by its cluster Secret's server", () => {
    const text = `apiVersion: v1
kind: Secret
metadata:
  name: cluster-prod
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData:
  name: prod
  server: https://prod.example.com:6443
  config: '{"bearerToken": "not-for-import"}'
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: by-server, namespace: argocd}
spec:
  project: remote
  source: {repoURL: 'https://github.com/example/apps.git', targetRevision: main, path: app}
  destination: {server: 'https://prod.example.com:6443/', namespace: app}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: by-name, namespace: argocd}
spec:
  project: remote
  source: {repoURL: 'https://github.com/example/apps.git', targetRevision: main, path: app}
  destination: {name: staging, namespace: app}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: unknown-server, namespace: argocd}
spec:
  source: {repoURL: 'https://github.com/example/apps.git', targetRevision: main, path: app}
  destination: {server: 'https://elsewhere.example.com', namespace: app}
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: remote, namespace: argocd}
spec:
  sourceRepos: ['https://github.com/example/apps.git']
  destinations:
    - {server: 'https://prod.example.com:6443', namespace: app}
    - {server: 'https://elsewhere.example.com', namespace: app}
  destinationServiceAccounts:
    - {server: 'https://prod.example.com:6443', namespace: app, defaultServiceAccount: app-deployer}
`;
    const out = importArgoCD([{ name: 'remote.yaml', text }], DEFAULT_IMPORT_OPTIONS);
    const destination = (name: string) =>
      (byName(out, 'Application', name).spec as { destination: unknown }).destination;
    assert.deepEqual(destination('by-server'), { cluster: 'prod', namespace: 'app' });
    assert.deepEqual(destination('by-name'), { cluster: 'staging', namespace: 'app' });
    assert.equal(
      out.objects.find((o) => o.metadata.name === 'unknown-server'),
      undefined,
      'a server no cluster Secret names is skipped, not guessed',
    );
    assert.deepEqual((byName(out, 'Project', 'remote').spec as { destinations: unknown }).destinations, [
      { cluster: 'prod', namespace: 'app', serviceAccountName: 'app-deployer' },
    ]);
    assert.deepEqual(notesOf(out, 'Secret/argocd/cluster-prod'), ['manual ']);
    assert.deepEqual(notesOf(out, 'Application/argocd/unknown-server'), ['skipped spec.destination']);
    assert.deepEqual(notesOf(out, 'AppProject/argocd/remote'), ['dropped spec.destinations[1]']);
    assert.ok(!JSON.stringify(out).includes('not-for-import'), 'cluster credentials are never carried over');
  });
});

describe('mooring import flux', () => {
  const result = importFlux(load('flux-system.yaml'), DEFAULT_IMPORT_OPTIONS);

  it('produces a Project for the Flux namespace and an Application per Kustomization and Git-sourced HelmRelease', () => {
    assert.deepEqual(
      result.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        'Project/flux-system',
        'Application/infrastructure',
        'Application/podinfo',
        'Application/podinfo-chart',
      ],
    );
    for (const obj of result.objects) {
      if (obj.kind === 'Project') parseProject(obj);
      else parseApplication(obj);
    }
  });

  it('converts a Kustomization with its GitRepository, keeping healthCheckExprs', () => {
    assert.deepEqual(byName(result, 'Application', 'infrastructure').spec, {
      project: 'flux-system',
      source: {
        repoURL: 'ssh://git@github.com/example/fleet-infra',
        ref: { branch: 'main' },
        secretRef: { name: 'flux-system' },
        path: 'infrastructure',
      },
      destination: { namespace: 'flux-system' },
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      interval: '10m',
      healthCheckExprs: [
        {
          apiVersion: 'bitnami.com/v1alpha1',
          kind: 'SealedSecret',
          failed: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
          current: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
        },
      ],
    });
  });

  it('keeps semver refs, tag verification, dependsOn, targetNamespace and the ServiceAccount, reporting what changes', () => {
    const spec = byName(result, 'Application', 'podinfo').spec as Record<string, unknown>;
    assert.deepEqual(spec.source, {
      repoURL: 'https://github.com/stefanprodan/podinfo',
      ref: { semver: '>=6.0.0 <7.0.0' },
      verify: { mode: 'tag', secretRef: { name: 'pgp-public-keys' } },
      path: 'kustomize',
    });
    assert.deepEqual(spec.destination, { namespace: 'apps' });
    assert.deepEqual(spec.dependsOn, [{ name: 'infrastructure' }]);
    assert.equal(spec.serviceAccountName, 'apps-reconciler');
    assert.deepEqual(notesOf(result, 'Kustomization/flux-system/podinfo').sort(), [
      'changed spec.serviceAccountName',
      'changed spec.targetNamespace',
      'dropped spec.patches',
      'dropped spec.postBuild',
      'dropped spec.timeout',
      'dropped spec.wait',
    ]);
  });

  it("converts a HelmRelease of a chart in Git: Flux's release name, values files relative to the chart, CRDs skipped", () => {
    const spec = byName(result, 'Application', 'podinfo-chart').spec as {
      source: Record<string, unknown>;
      syncPolicy: Record<string, unknown>;
    };
    assert.equal(spec.source.path, 'charts/podinfo');
    assert.deepEqual(spec.source.helm, {
      releaseName: 'apps-podinfo-chart',
      valueFiles: ['values.yaml', 'values-prod.yaml'],
      values: { replicaCount: 2 },
      includeCRDs: false,
    });
    assert.equal(spec.syncPolicy.createNamespace, true);
    assert.deepEqual(notesOf(result, 'HelmRelease/flux-system/podinfo-chart'), ['dropped spec.valuesFrom']);
  });

  it('skips a HelmRelease from a Helm repository and gives the Project what the apps need', () => {
    assert.deepEqual(notesOf(result, 'HelmRelease/flux-system/redis'), ['skipped spec.chart.spec.sourceRef']);
    const project = byName(result, 'Project', 'flux-system').spec as Record<string, unknown>;
    assert.deepEqual(project.sourceRepos, [
      'https://github.com/stefanprodan/podinfo',
      'ssh://git@github.com/example/fleet-infra',
    ]);
    assert.deepEqual(project.destinations, [
      { namespace: 'apps', serviceAccountName: 'mooring-deployer' },
      { namespace: 'flux-system', serviceAccountName: 'mooring-deployer' },
    ]);
    assert.equal(project.allowAppServiceAccount, true);
  });

  it('skips a Kustomization whose GitRepository is not among the files', () => {
    const text = readFileSync(join(fixtures, 'flux-system.yaml'), 'utf8')
      .split('\n---\n')
      .filter((doc) => !/^kind: GitRepository$/m.test(doc))
      .join('\n---\n');
    const out = importFlux([{ name: 'k.yaml', text }], DEFAULT_IMPORT_OPTIONS);
    assert.equal(out.objects.filter((o) => o.kind === 'Application').length, 0);
    assert.match(
      out.notes
        .filter((n) => n.subject === 'Kustomization/flux-system/infrastructure')
        .map((n) => n.message)
        .join('\n'),
      /GitRepository\/flux-system\/flux-system is not among the files given/,
    );
  });
});

describe('the import report', () => {
  it('groups notes by peer object, worst first', () => {
    const notes: ImportNote[] = [
      { subject: 'Application/argocd/a', field: 'x', severity: 'changed', message: 'c' },
      { subject: 'Application/argocd/a', field: '', severity: 'skipped', message: 's' },
      { subject: 'AppProject/argocd/p', field: 'y', severity: 'manual', message: 'm' },
    ];
    assert.equal(
      formatNotes(notes),
      'Application/argocd/a\n  skipped s\n  changed x: c\nAppProject/argocd/p\n  manual  y: m\n',
    );
  });
});
