import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { ClusterRegistry, clusterConfigFromSecret } from '../../../src/kube/clusters.js';
import { KubeClient } from '../../../src/kube/client.js';
import { Discovery } from '../../../src/kube/discovery.js';
import { ObjectsApi } from '../../../src/kube/objects-api.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secret(
  data: Record<string, string>,
  name = 'cluster-prod',
  stringData?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'mooring-system', labels: { 'mooring.dev/secret-type': 'cluster' } },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...(stringData === undefined ? {} : { stringData }),
  };
}

const kubeconfig = (user: string, cluster = 'certificate-authority-data: ' + b64('CA')): string => `
apiVersion: v1
kind: Config
current-context: a
contexts:
- {name: a, context: {cluster: c, user: u}}
- {name: b, context: {cluster: c, user: v}}
clusters:
- name: c
  cluster: {server: "https://10.1.2.3:6443", ${cluster}}
users:
- name: u
  user: ${user}
- name: v
  user: {token: second-token}
`;

/** The thrown MooringError (asserting it is one), to look at its message, hint and retry class. */
function thrown(fn: () => unknown): MooringError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MooringError, String(error));
    return error;
  }
  assert.fail('expected an error');
}

const ignore = (): void => undefined;
const quiet: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

describe('cluster Secrets', () => {
  it('reads server, CA and token; the name defaults to the Secret name, or comes from "name"', () => {
    const config = clusterConfigFromSecret(
      secret({ server: 'https://10.0.0.1:6443', 'ca.crt': 'CA', token: 'tok' }),
    );
    assert.deepEqual(config, {
      name: 'cluster-prod',
      secret: 'mooring-system/cluster-prod',
      access: { server: 'https://10.0.0.1:6443', ca: 'CA', token: 'tok' },
    });
    const named = clusterConfigFromSecret(
      secret({ name: 'prod-eu', server: 'https://h:443', token: 't', namespaces: 'web, api ,' }),
    );
    assert.equal(named.name, 'prod-eu');
    assert.deepEqual(named.namespaces, ['web', 'api']);
  });

  it('reads client certificates, exec credentials and stringData (which wins over data)', () => {
    const cert = clusterConfigFromSecret(
      secret({ server: 'https://h', 'tls.crt': 'CERT', 'tls.key': 'KEY', insecure: 'true' }),
    );
    assert.equal(cert.access.clientCert, 'CERT');
    assert.equal(cert.access.clientKey, 'KEY');
    assert.equal(cert.access.insecureSkipTLSVerify, true);
    const exec = clusterConfigFromSecret(
      secret({ server: 'https://h' }, 'x', {
        server: 'https://other',
        exec: JSON.stringify({
          command: 'aws',
          args: ['eks', 'get-token'],
          env: [{ name: 'A', value: '1' }],
        }),
      }),
    );
    assert.equal(exec.access.server, 'https://other');
    assert.deepEqual(exec.access.exec, {
      command: 'aws',
      args: ['eks', 'get-token'],
      env: [{ name: 'A', value: '1' }],
      apiVersion: 'client.authentication.k8s.io/v1',
    });
  });

  it('reads a whole kubeconfig, its current context or the one named by "context"', () => {
    const current = clusterConfigFromSecret(secret({ kubeconfig: kubeconfig('{token: first-token}') }));
    assert.deepEqual(current.access, { server: 'https://10.1.2.3:6443', ca: 'CA', token: 'first-token' });
    const other = clusterConfigFromSecret(
      secret({ kubeconfig: kubeconfig('{token: first-token}'), context: 'b' }),
    );
    assert.equal(other.access.token, 'second-token');
    const missing = thrown(() =>
      clusterConfigFromSecret(secret({ kubeconfig: kubeconfig('{token: t}'), context: 'nope' })),
    );
    assert.match(missing.message, /cluster Secret mooring-system\/cluster-prod: .*no context "nope"/);
  });

  it("refuses a kubeconfig that names files: they would be read from the controller's disk", () => {
    for (const [user, cluster] of [
      ['{token: t}', 'certificate-authority: /etc/kubernetes/pki/ca.crt'],
      ['{client-certificate: /var/run/secrets/x, client-key-data: ' + b64('K') + '}', undefined],
      ['{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}', undefined],
    ] as const) {
      const error = thrown(() => clusterConfigFromSecret(secret({ kubeconfig: kubeconfig(user, cluster) })));
      assert.match(
        error.message,
        /refers to a file \((certificate-authority|client-certificate|tokenFile)\)/,
      );
      assert.match(error.hint ?? '', /--flatten/);
    }
  });

  it('refuses what would be unsafe or unusable, naming the Secret and never a credential', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ server: 'http://h:8080', token: 'secret-token-1' }, /server http:\/\/h:8080 is not https/],
      [{ server: 'https://h' }, /no credentials/],
      [{ server: 'https://h', 'tls.crt': 'C' }, /"tls.crt" and "tls.key" go together/],
      [{ token: 'secret-token-1' }, /no "server"/],
      [{ name: 'in-cluster', server: 'https://h', token: 'secret-token-1' }, /cannot be redefined/],
      [{ name: 'Prod_EU', server: 'https://h', token: 'secret-token-1' }, /is not a DNS label/],
      [{ server: 'https://h', exec: '{"args": []}' }, /"exec" has no command/],
      [{ kubeconfig: 'a: [' }, /"kubeconfig" is not YAML/],
    ];
    for (const [data, message] of cases) {
      const error = thrown(() => clusterConfigFromSecret(secret(data)));
      assert.match(error.message, message);
      assert.match(error.message, /^cluster Secret mooring-system\/cluster-prod: /);
      assert.equal(error.retry, 'terminal');
      assert.doesNotMatch(error.message, /secret-token-1/);
    }
  });
});

describe('ClusterRegistry', () => {
  const local = (): ObjectsApi => {
    const client = new KubeClient({ server: 'https://127.0.0.1:1', token: 'x' });
    return new ObjectsApi(client, new Discovery(client));
  };

  it('gives in-cluster the local connection, a registered cluster its own, and an unknown name an error', () => {
    const own = local();
    const registry = new ClusterRegistry({ local: own, namespace: 'mooring-system', logger: quiet });
    registry.put(clusterConfigFromSecret(secret({ name: 'prod', server: 'https://10.9.9.9', token: 't' })));
    assert.equal(registry.connection('in-cluster').objects, own);
    const prod = registry.connection('prod');
    assert.notEqual(prod.objects, own);
    assert.equal(prod.objects.client.serverURL, 'https://10.9.9.9/');
    assert.equal(registry.connection('prod'), prod, 'one connection per cluster, made once');
    const unknown = thrown(() => registry.connection('staging'));
    assert.match(unknown.message, /destination cluster "staging" is not registered/);
    assert.equal(unknown.retry, 'terminal');
    assert.match(unknown.hint ?? '', /mooring cluster add CONTEXT --name staging/);
    assert.deepEqual(registry.names(), ['in-cluster', 'prod']);
    prod.objects.client.close();
  });

  it('says since when a cluster is unreachable, and keeps that time across failed probes', async () => {
    let now = Date.parse('2026-01-02T03:04:05Z');
    const changes: string[] = [];
    const registry = new ClusterRegistry({
      local: local(),
      namespace: 'mooring-system',
      logger: quiet,
      probeTimeoutMs: 2_000,
      now: () => now,
      onChange: (name) => changes.push(name),
    });
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    registry.put(
      clusterConfigFromSecret(secret({ name: 'edge', server: 'https://127.0.0.1:1', token: 't' })),
    );
    changes.length = 0;
    await assert.rejects(registry.ensureReachable('edge'), (error: unknown) => {
      assert.ok(error instanceof MooringError);
      assert.equal(error.retry, 'transient');
      assert.match(error.message, /^cluster edge unreachable since 2026-01-02T03:04:05.000Z: .*ECONNREFUSED/);
      return true;
    });
    assert.deepEqual(changes, ['edge'], 'going away is a change');
    now += 60_000;
    const again = await registry.check('edge');
    assert.match(again?.message ?? '', /unreachable since 2026-01-02T03:04:05.000Z/);
    assert.deepEqual(changes, ['edge'], 'still away is no new change');
    assert.equal(registry.healthOf('edge').reachable, false);
    assert.equal(registry.healthOf('in-cluster').reachable, true);
    await registry.ensureReachable('in-cluster');
    registry.connection('edge').objects.client.close();
  });
});
