import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  accessFromKubeconfig,
  currentBearerToken,
  defaultKubeconfigPath,
} from '../../../src/kube/kubeconfig.js';
import { resourcePath } from '../../../src/kube/discovery.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const config = (user: string): string => `
apiVersion: v1
kind: Config
current-context: one
contexts:
- name: one
  context: {cluster: c1, user: u1}
- name: two
  context: {cluster: c2, user: u2}
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: ${b64('CA1')}}
- name: c2
  cluster: {server: "https://10.0.0.1", certificate-authority: ca.pem, insecure-skip-tls-verify: true}
users:
- name: u1
  user: {client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}}
- name: u2
  user: ${user}
`;

describe('kubeconfig', () => {
  it('resolves the current context: server, CA and client certificate from embedded data', () => {
    const access = accessFromKubeconfig(config('{token: abc}'), '/x/config');
    assert.deepEqual(access, {
      server: 'https://127.0.0.1:6443',
      ca: 'CA1',
      clientCert: 'CERT',
      clientKey: 'KEY',
    });
  });

  it('reads files relative to the kubeconfig, and tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kc-'));
    await writeFile(join(dir, 'ca.pem'), 'CA2');
    await writeFile(join(dir, 'token'), 'tok-from-file\n');
    const access = accessFromKubeconfig(config('{tokenFile: token}'), join(dir, 'config'), 'two');
    assert.equal(access.ca, 'CA2');
    assert.equal(access.insecureSkipTLSVerify, true);
    assert.equal(await currentBearerToken(access), 'tok-from-file');
    assert.equal(
      await currentBearerToken(accessFromKubeconfig(config('{token: abc}'), join(dir, 'config'), 'two')),
      'abc',
    );
  });

  it('runs an exec credential plugin for the token', async () => {
    const plugin =
      '{exec: {apiVersion: client.authentication.k8s.io/v1, command: node, args: ["-e", "console.log(JSON.stringify({status:{token:process.env.TOK}}))"], env: [{name: TOK, value: from-plugin}]}}';
    const dir = await mkdtemp(join(tmpdir(), 'kc-'));
    await writeFile(join(dir, 'ca.pem'), 'CA2');
    assert.equal(
      await currentBearerToken(accessFromKubeconfig(config(plugin), join(dir, 'config'), 'two')),
      'from-plugin',
    );
  });

  it('says which referenced file cannot be read', () => {
    assert.throws(
      () => accessFromKubeconfig(config('{}'), '/nowhere/config', 'two'),
      /refers to \/nowhere\/ca.pem, which cannot be read/,
    );
  });

  it('names a missing context', () => {
    assert.throws(() => accessFromKubeconfig(config('{}'), '/x/config', 'nope'), /has no context "nope"/);
  });

  it('prefers $KUBECONFIG, first entry', () => {
    assert.equal(defaultKubeconfigPath({ KUBECONFIG: '/a:/b' }), '/a');
  });
});

describe('resource paths', () => {
  const deployments = {
    group: 'apps',
    versions: ['v1'],
    kind: 'Deployment',
    resource: 'deployments',
    namespaced: true,
  };
  const nodes = { group: '', versions: ['v1'], kind: 'Node', resource: 'nodes', namespaced: false };
  it('builds group, namespace and name segments', () => {
    assert.equal(
      resourcePath(deployments, 'v1', 'shop', 'web'),
      '/apis/apps/v1/namespaces/shop/deployments/web',
    );
    assert.equal(resourcePath(deployments, 'v1', undefined), '/apis/apps/v1/deployments');
    assert.equal(resourcePath(nodes, 'v1', 'ignored', 'n1'), '/api/v1/nodes/n1');
  });
  it('escapes names', () => {
    assert.equal(resourcePath(nodes, 'v1', undefined, 'a/b'), '/api/v1/nodes/a%2Fb');
  });
});
