/** What `mooring import` makes of Argo CD and Flux manifests is accepted by the API server with Mooring's CRDs. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { importArgoCD, importFlux } from '../../../src/import/index.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { applyCrds } from '../controller/harness.js';

const fixtures = join(packageRoot(), 'test', 'unit', 'import', 'fixtures');
const load = (name: string) => [{ name, text: readFileSync(join(fixtures, name), 'utf8') }];

describe('mooring import output on the API server', () => {
  before(() => applyCrds());

  for (const [peer, convert, file] of [
    ['Argo CD', importArgoCD, 'argocd-apps.yaml'],
    ['Flux', importFlux, 'flux-system.yaml'],
  ] as const) {
    it(`creates every Project and Application imported from ${peer}, defaults filled in by the server`, async (t) => {
      const namespace = await testNamespace(t);
      const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
      const result = convert(load(file), { namespace, serviceAccountName: 'deployer' });
      assert.ok(result.objects.length >= 3);
      for (const obj of result.objects) {
        const created = await objects.create(obj);
        assert.equal(created.metadata.namespace, namespace);
        if (obj.kind === 'Application')
          assert.equal(
            typeof (created.spec as { interval?: unknown }).interval,
            'string',
            'defaults applied',
          );
      }
    });
  }
});
