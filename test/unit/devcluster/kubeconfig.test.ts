import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { renderKubeconfig } from '../../../src/devcluster/kubeconfig.js';
import { fakeNode, nodeIsReady } from '../../../src/devcluster/nodes.js';

describe('kubeconfig', () => {
  it('embeds the CA and client credentials base64-encoded under one current context', () => {
    const text = renderKubeconfig({
      clusterName: 'dev',
      server: 'https://127.0.0.1:6443',
      caData: 'CA PEM',
      clientCertData: 'CERT PEM',
      clientKeyData: 'KEY PEM',
    });
    const config = parse(text) as {
      'current-context': string;
      clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { 'client-key-data': string } }[];
    };
    assert.equal(config['current-context'], 'mooring-dev');
    assert.equal(config.clusters[0]?.cluster.server, 'https://127.0.0.1:6443');
    assert.equal(
      Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
      'CA PEM',
    );
    assert.equal(Buffer.from(config.users[0]?.user['client-key-data'] ?? '', 'base64').toString(), 'KEY PEM');
  });
});

describe('fake nodes', () => {
  it('are annotated for kwok and carry no taint, so ordinary pods schedule', () => {
    const node = fakeNode('kwok-node-0');
    assert.equal(node.metadata.annotations?.['kwok.x-k8s.io/node'], 'fake');
    assert.equal(node.spec?.taints, undefined);
  });

  it('are Ready only with a Ready=True condition', () => {
    assert.equal(nodeIsReady(fakeNode('n')), false);
    assert.equal(nodeIsReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), false);
    assert.equal(nodeIsReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), true);
  });
});
