import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import { MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import { isRecord } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import type { ObjectsApi } from '../kube/objects-api.js';

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

/** The CustomResourceDefinitions in the *.yaml files of `dir` (deploy/crds), in file order. */
export async function readCrds(dir: string): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  const crds: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const object: unknown = doc.toJS();
      if (isRecord(object) && object.kind === 'CustomResourceDefinition') crds.push(object as KubeObject);
    }
  }
  if (crds.length === 0) {
    throw new MooringError('NOT_FOUND', `no CustomResourceDefinition in ${dir}`, {
      hint: 'run Mooring from its checkout or package, which ships deploy/crds/*.yaml',
    });
  }
  return crds;
}

/** True when a CRD's status says Established (its API is served). Pure. */
export function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
}

/**
 * Server-side applies Mooring's CRDs and waits until each is Established, then reloads discovery so
 * the new kinds can be used at once. Returns the CRD names.
 */
export async function installCrds(objects: ObjectsApi, dir: string, timeoutMs = 60_000): Promise<string[]> {
  const crds = await readCrds(dir);
  for (const crd of crds) await objects.apply(crd);
  const names = crds.map((crd) => crd.metadata.name);
  for (const name of names) {
    await pollUntil(
      async (note) => {
        const live = await objects.get(CRD_API_VERSION, {
          group: 'apiextensions.k8s.io',
          kind: 'CustomResourceDefinition',
          namespace: '',
          name,
        });
        if (live !== undefined && isEstablished(live)) return true;
        note(live === undefined ? 'not found' : 'not Established yet');
        return undefined;
      },
      { timeoutMs, intervalMs: 200, what: `CRD ${name} to be Established` },
    );
  }
  await objects.discovery.load();
  return names;
}
