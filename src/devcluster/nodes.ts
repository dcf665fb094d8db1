import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';

import { pollUntil } from '../core/wait.js';

/** A fake node that KWOK manages (annotation kwok.x-k8s.io/node=fake, no taint). Pure. */
export function fakeNode(name: string): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '250' },
      capacity: { cpu: '32', memory: '256Gi', pods: '250' },
    },
  };
}

export function nodeIsReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Creates `count` fake nodes (skipping any that exist) and waits until all are Ready. */
export async function createFakeNodes(
  kubeconfigPath: string,
  count: number,
  timeoutMs: number,
): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const names = Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
  const existing = new Set((await core.listNode()).items.map((n) => n.metadata?.name));
  for (const name of names) {
    if (!existing.has(name)) await core.createNode({ body: fakeNode(name) });
  }
  await pollUntil(
    async (note) => {
      const ready = (await core.listNode()).items.filter(
        (n) => names.includes(n.metadata?.name ?? '') && nodeIsReady(n),
      );
      note(`${ready.length}/${count} fake nodes Ready`);
      return ready.length === count ? true : undefined;
    },
    { timeoutMs, what: 'fake nodes to become Ready (is kwok running? see logs/kwok.log)' },
  );
  return names;
}

/** Number of Ready nodes, or undefined if the API server did not answer. */
export async function countReadyNodes(
  kubeconfigPath: string,
): Promise<{ ready: number; total: number } | undefined> {
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
    return { ready: nodes.filter(nodeIsReady).length, total: nodes.length };
  } catch {
    return undefined;
  }
}
