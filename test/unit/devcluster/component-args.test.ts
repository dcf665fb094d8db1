import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { componentArgs } from '../../../src/devcluster/component-args.js';
import { clusterLayout, COMPONENTS, validateClusterName } from '../../../src/devcluster/layout.js';

const ports = {
  etcdClient: 4001,
  etcdPeer: 4002,
  apiserver: 4003,
  controllerManager: 4004,
  scheduler: 4005,
  kwok: 4006,
};
const layout = clusterLayout('unit', '/home/u/.mooring');
const args = (c: (typeof COMPONENTS)[number]) => componentArgs(c, layout, ports, '/stages.yaml');
const flag = (list: string[], name: string) =>
  list
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');

describe('component arguments', () => {
  it('binds every component to loopback on its own port', () => {
    assert.equal(flag(args('etcd'), 'listen-client-urls'), 'http://127.0.0.1:4001');
    assert.equal(flag(args('etcd'), 'listen-peer-urls'), 'http://127.0.0.1:4002');
    assert.equal(flag(args('kube-apiserver'), 'secure-port'), '4003');
    assert.equal(flag(args('kube-apiserver'), 'bind-address'), '127.0.0.1');
    assert.equal(flag(args('kube-apiserver'), 'advertise-address'), '127.0.0.1');
    assert.equal(flag(args('kube-controller-manager'), 'secure-port'), '4004');
    assert.equal(flag(args('kube-scheduler'), 'secure-port'), '4005');
    assert.equal(flag(args('kwok'), 'server-address'), '127.0.0.1:4006');
  });

  it('points the API server at etcd and enables RBAC', () => {
    assert.equal(flag(args('kube-apiserver'), 'etcd-servers'), 'http://127.0.0.1:4001');
    assert.equal(flag(args('kube-apiserver'), 'authorization-mode'), 'Node,RBAC');
    assert.equal(
      flag(args('kube-apiserver'), 'service-account-signing-key-file'),
      '/home/u/.mooring/clusters/unit/pki/service-account.key',
    );
  });

  it('keeps every file of the cluster inside its own directory', () => {
    for (const component of COMPONENTS) {
      for (const arg of args(component)) {
        const value = arg.split('=').slice(1).join('=');
        if (value.startsWith('/') && value !== '/stages.yaml') {
          assert.ok(value.startsWith('/home/u/.mooring/clusters/unit/'), `${component}: ${arg}`);
        }
      }
    }
  });

  it('lets kwok manage only annotated fake nodes, with the given stages', () => {
    assert.equal(flag(args('kwok'), 'manage-nodes-with-annotation-selector'), 'kwok.x-k8s.io/node=fake');
    assert.equal(flag(args('kwok'), 'config'), '/stages.yaml');
    assert.equal(flag(args('kwok'), 'manage-all-nodes'), 'false');
  });

  it('disables leader election so two clusters never share a lock', () => {
    assert.equal(flag(args('kube-controller-manager'), 'leader-elect'), 'false');
    assert.equal(flag(args('kube-scheduler'), 'leader-elect'), 'false');
  });
});

describe('cluster names', () => {
  for (const bad of ['', '../etc', 'a/b', 'UPPER', '-dash', 'dash-', 'x'.repeat(41), 'a b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => validateClusterName(bad), /invalid cluster name/);
    });
  }
  for (const good of ['dev', 'test-12345', 'a', 'x'.repeat(40)]) {
    it(`accepts ${JSON.stringify(good)}`, () => {
      assert.equal(validateClusterName(good), good);
    });
  }
});
