import type { KubeObject } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import { connect } from '../kube/connect.js';

/** The parts of a Node this module reads and writes. */
export interface NodeObject extends KubeObject {
  spec?: { taints?: unknown[] };
  status?: {
    conditions?: { type: string; status: string }[];
    allocatable?: Record<string, string>;
    capacity?: Record<string, string>;
  };
}

/** A fake node that KWOK manages (annotation kwok.x-k8s.io/node=fake, no taint). Pure. */
export function fakeNode(name: string): NodeObject {
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

export function nodeIsReady(node: Pick<NodeObject, 'status'>): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Creates `count` fake nodes (skipping any that exist) and waits until all are Ready. */
export async function createFakeNodes(
  kubeconfigPath: string,
  count: number,
  timeoutMs: number,
): Promise<string[]> {
  const objects = connect({ kubeconfig: kubeconfigPath });
  try {
    const names = Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
    const listNodes = async (): Promise<NodeObject[]> => await objects.list('v1', 'Node');
    const existing = new Set((await listNodes()).map((n) => n.metadata.name));
    for (const name of names) {
      if (!existing.has(name)) await objects.apply(fakeNode(name), { fieldManager: 'mooring-dev-cluster' });
    }
    await pollUntil(
      async (note) => {
        const ready = (await listNodes()).filter((n) => names.includes(n.metadata.name) && nodeIsReady(n));
        note(`${ready.length}/${count} fake nodes Ready`);
        return ready.length === count ? true : undefined;
      },
      { timeoutMs, what: 'fake nodes to become Ready (is kwok running? see logs/kwok.log)' },
    );
    return names;
  } finally {
    objects.client.close();
  }
}

/** Number of Ready nodes, or undefined if the API server did not answer. */
export async function countReadyNodes(
  kubeconfigPath: string,
): Promise<{ ready: number; total: number } | undefined> {
  const objects = connect({ kubeconfig: kubeconfigPath });
  try {
    const nodes = (await objects.list('v1', 'Node')) as NodeObject[];
    return { ready: nodes.filter(nodeIsReady).length, total: nodes.length };
  } catch {
    return undefined;
  } finally {
    objects.client.close();
  }
}
