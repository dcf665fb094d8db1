/** Small manifests the integration suites apply, and how they are written into a checkout. */
import { stringify } from 'yaml';

import type { KubeObject } from '../../src/core/objects.js';

export function yamlStream(objects: KubeObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

export function configMap(
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
    data,
  };
}

export interface DeploymentShape {
  replicas?: number;
  image?: string;
  podLabels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Deployment KWOK can run (pods Ready within a second or two unless labelled with a fault). */
export function deployment(name: string, shape: DeploymentShape = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(shape.annotations === undefined ? {} : { annotations: shape.annotations }) },
    spec: {
      ...(shape.replicas === undefined ? {} : { replicas: shape.replicas }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...shape.podLabels } },
        spec: { containers: [{ name: 'main', image: shape.image ?? 'registry.example/web:1.0' }] },
      },
    },
  };
}

/** A Job KWOK completes (or fails, with pod label mooring.dev/fault: fail). */
export function job(
  name: string,
  options: {
    annotations?: Record<string, string>;
    podLabels?: Record<string, string>;
    command?: string[];
  } = {},
): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(options.annotations === undefined ? {} : { annotations: options.annotations }) },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { job: name, ...options.podLabels } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'main', image: 'registry.example/tool:1.0', command: options.command ?? ['true'] },
          ],
        },
      },
    },
  };
}
