/**
 * Test fixture for the image scan controller: an ImageScanController on the test cluster, scoped to one
 * namespace, with an in-memory sink, plus helpers to create ImageRepositories, ImagePolicies and Secrets and
 * to wait for their status.
 */
import type { TestContext } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { pollUntil } from '../../../src/core/wait.js';
import type { ImagePolicySpecInput, ImagePolicyStatus } from '../../../src/crd/image-policy.js';
import type { ImageRepositorySpecInput, ImageRepositoryStatus } from '../../../src/crd/image-repository.js';
import { ImageScanController } from '../../../src/image/scan-controller.js';
import type { ScanMetrics } from '../../../src/image/scan-controller.js';
import type { ImageEvent } from '../../../src/image/scan.js';
import { connect } from '../../../src/kube/connect.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { installImageCrds } from '../../helpers/image-crds.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { loopbackEgress } from '../../helpers/egress.js';

export interface ScanFixture {
  namespace: string;
  objects: ObjectsApi;
  controller: ImageScanController;
  events: { kind: string; name: string; event: ImageEvent }[];
  scans: ScanMetrics[];
  createRepository(name: string, spec: ImageRepositorySpecInput): Promise<void>;
  createPolicy(name: string, spec: ImagePolicySpecInput): Promise<void>;
  createSecret(name: string, type: string, data: Record<string, string>): Promise<void>;
  repositoryStatus(name: string): Promise<ImageRepositoryStatus>;
  policyStatus(name: string): Promise<ImagePolicyStatus>;
  /** Polls the status until `check` returns a value; says what was awaited and the last status on timeout. */
  waitForRepository<T>(
    name: string,
    what: string,
    check: (s: ImageRepositoryStatus) => T | undefined,
  ): Promise<T>;
  waitForPolicy<T>(name: string, what: string, check: (s: ImagePolicyStatus) => T | undefined): Promise<T>;
}

const API = 'mooring.dev/v1alpha1';

/** Starts a scan controller for a fresh namespace of this test; stopped when the test ends. */
export async function startScanFixture(t: TestContext): Promise<ScanFixture> {
  await installImageCrds();
  const namespace = await testNamespace(t);
  const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
  const events: ScanFixture['events'] = [];
  const scans: ScanMetrics[] = [];
  const controller = new ImageScanController({
    objects,
    egress: loopbackEgress(),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    namespaces: [namespace],
    sink: {
      event: (object, event) => {
        events.push({ kind: object.kind, name: object.metadata.name, event });
      },
      scanned: (result) => {
        scans.push(result);
      },
    },
  });
  t.after(() => {
    controller.stop();
    objects.client.close();
  });
  await objects.discovery.load();
  if (!(await controller.start())) throw new Error('the image CRDs are not served');

  const create = async (obj: KubeObject): Promise<void> => {
    await objects.create(obj);
  };
  const status = async (kind: string, name: string): Promise<Record<string, unknown>> => {
    const obj = await objects.get(API, { group: 'mooring.dev', kind, namespace, name });
    return (obj?.status ?? {}) as Record<string, unknown>;
  };
  const waitFor = <T>(
    kind: string,
    name: string,
    what: string,
    check: (s: Record<string, unknown>) => T | undefined,
  ): Promise<T> =>
    pollUntil(
      async (note) => {
        const current = await status(kind, name);
        note(JSON.stringify(current));
        return check(current);
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${kind} ${name}: ${what}` },
    );
  return {
    namespace,
    objects,
    controller,
    events,
    scans,
    createRepository: (name, spec) =>
      create({ apiVersion: API, kind: 'ImageRepository', metadata: { name, namespace }, spec }),
    createPolicy: (name, spec) =>
      create({ apiVersion: API, kind: 'ImagePolicy', metadata: { name, namespace }, spec }),
    createSecret: (name, type, data) =>
      create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, stringData: data }),
    repositoryStatus: async (name) => await status('ImageRepository', name),
    policyStatus: async (name) => await status('ImagePolicy', name),
    waitForRepository: (name, what, check) =>
      waitFor('ImageRepository', name, what, (s) => check(s as ImageRepositoryStatus)),
    waitForPolicy: (name, what, check) =>
      waitFor('ImagePolicy', name, what, (s) => check(s as ImagePolicyStatus)),
  };
}

/** The Ready condition of a status. */
export function readyOf(status: {
  conditions?: { type: string; status: string; reason: string; message: string }[] | undefined;
}): { type: string; status: string; reason: string; message: string } | undefined {
  return status.conditions?.find((c) => c.type === 'Ready');
}
