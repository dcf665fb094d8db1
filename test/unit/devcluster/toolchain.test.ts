import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseVersions, toolchainKey } from '../../../src/devcluster/toolchain.js';

const sample = `# comment
KUBERNETES_VERSION=1.36.3
ETCD_VERSION=3.6.16   # trailing comment
KWOK_VERSION=0.8.0

HELM_VERSION=3.21.4
KUSTOMIZE_VERSION=5.8.3
JSONNET_VERSION=0.22.0
`;

describe('toolchain versions', () => {
  it('parses versions.env, ignoring comments and blank lines', () => {
    assert.deepEqual(parseVersions(sample), {
      kubernetes: '1.36.3',
      etcd: '3.6.16',
      kwok: '0.8.0',
      helm: '3.21.4',
      kustomize: '5.8.3',
      jsonnet: '0.22.0',
    });
  });

  it('names the missing key', () => {
    assert.throws(() => parseVersions(sample.replace(/^HELM_VERSION.*$/m, '')), /has no HELM_VERSION/);
  });

  it('keys the cache directory by every version, as scripts/toolchain.sh does', () => {
    assert.equal(
      toolchainKey(parseVersions(sample)),
      'k8s-1.36.3_etcd-3.6.16_kwok-0.8.0_helm-3.21.4_kustomize-5.8.3_jsonnet-0.22.0',
    );
  });
});
