import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';

import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

import { MooringError } from '../../src/core/errors.js';

/** Clients for the run's cluster (MOORING_TEST_KUBECONFIG, set by test/run.ts). */
export interface TestCluster {
  kubeconfigPath: string;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  objects: KubernetesObjectApi;
}

let shared: TestCluster | undefined;

export function testCluster(): TestCluster {
  if (shared !== undefined) return shared;
  const kubeconfigPath = process.env.MOORING_TEST_KUBECONFIG;
  if (kubeconfigPath === undefined) {
    throw new MooringError('INVALID_ARGUMENT', 'MOORING_TEST_KUBECONFIG is not set', {
      hint: 'run integration tests with `npm run test:integration`, which starts a cluster',
    });
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  shared = {
    kubeconfigPath,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
  return shared;
}

/** Creates a namespace unique to this test, deleted when the test ends. */
export async function testNamespace(t: TestContext): Promise<string> {
  const slug = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  const name = `t-${slug}-${randomBytes(3).toString('hex')}`.replace(/-+/g, '-');
  const { core } = testCluster();
  await core.createNamespace({ body: { metadata: { name, labels: { 'mooring.dev/test': 'true' } } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}
