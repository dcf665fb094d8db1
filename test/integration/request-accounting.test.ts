import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readRequestTotals, requestDelta } from '../../bench/apiserver-requests.js';
import { connect } from '../../src/kube/connect.js';
import { testCluster, testNamespace } from '../helpers/kube.js';
import { toolchain } from './controller/harness.js';

describe('API server request accounting (bench groundwork)', () => {
  it('sees requests made to the real API server in apiserver_request_total', async (t) => {
    const namespace = await testNamespace(t);
    const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      objects.client.close();
    });
    const kubectl = toolchain().kubectl;
    const before = await readRequestTotals(kubectl, testCluster().kubeconfigPath);
    for (let i = 0; i < 3; i += 1)
      await objects.get('v1', { group: '', kind: 'ConfigMap', namespace, name: `absent-${i}` });
    const after = await readRequestTotals(kubectl, testCluster().kubeconfigPath);
    const gets = requestDelta(before, after).find((c) => c.verb === 'GET' && c.resource === 'configmaps');
    assert.ok(gets !== undefined && gets.count >= 3, JSON.stringify(requestDelta(before, after)));
  });
});
