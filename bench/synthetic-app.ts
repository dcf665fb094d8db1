import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { stringify } from 'yaml';

/**
 * Writes an app of `count` objects in the proportions of a real service fleet: 50% ConfigMaps, 20% Secrets,
 * 20% Services, 10% Deployments (one replica each), spread over files of 50 documents.
 */
export async function syntheticApp(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const objects: unknown[] = [];
  for (let i = 0; i < count; i++) objects.push(objectFor(i));
  for (let start = 0; start < objects.length; start += 50) {
    const docs = objects.slice(start, start + 50).map((o) => `---\n${stringify(o)}`);
    await writeFile(join(dir, `objects-${String(start / 50).padStart(3, '0')}.yaml`), docs.join(''));
  }
}

function objectFor(i: number): unknown {
  const name = `svc-${String(i).padStart(4, '0')}`;
  const labels = { app: name, tier: i % 3 === 0 ? 'web' : 'backend' };
  switch (i % 10) {
    case 0:
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                { name: 'app', image: `registry.example/${name}:1.0.${i}`, ports: [{ containerPort: 8080 }] },
              ],
            },
          },
        },
      };
    case 1:
    case 2:
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels },
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      };
    case 3:
    case 4:
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels },
        stringData: { token: `token-${i}` },
      };
    default:
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels },
        data: { 'config.yaml': `id: ${i}\nlevel: info\n` },
      };
  }
}
