import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderTools } from '../../../src/devcluster/render-helper.js';
import { syncApplication } from '../../../src/engine/sync.js';
import type { SyncRequest } from '../../../src/engine/types.js';
import { engineHarness } from './harness.js';

describe('sync engine: Helm kubeVersion', () => {
  it("renders with the destination cluster's version from discovery, not the toolchain's", async (t) => {
    const h = await engineHarness(t, 'helm-kube-version');
    await h.write('Chart.yaml', 'apiVersion: v2\nname: versions\nversion: 0.1.0\n');
    await h.write(
      'templates/configmap.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: capabilities',
        'data:',
        "  kubeVersion: '{{ .Capabilities.KubeVersion.Version }}'",
        '',
      ].join('\n'),
    );
    // Tools whose offline default is an old version: a render aimed at a cluster must not use it.
    const real = renderTools();
    const tools = { ...real, versions: { ...real.versions, kubernetes: '1.20.0' } };
    const request: SyncRequest = {
      appName: h.appName,
      source: { root: h.root, path: 'app' },
      renderOptions: { kind: 'helm' },
      namespace: h.namespace,
      createNamespace: false,
      prune: false,
      pruneThreshold: 0.5,
      allowMassPrune: false,
      dryRun: false,
      wait: false,
      timeoutMs: 20_000,
      concurrency: 4,
    };
    const result = await syncApplication({ objects: h.engine, tools }, request);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    const cluster = await h.observer.discovery.serverVersion();
    assert.match(cluster, /^v1\.\d+\.\d+/);
    const cm = await h.get('v1', 'ConfigMap', 'capabilities');
    const rendered = (cm?.data as Record<string, string> | undefined)?.kubeVersion ?? '';
    assert.equal(rendered.replace(/^v/, ''), cluster.replace(/^v/, '').replace(/[-+].*$/, ''));
    assert.notEqual(rendered.replace(/^v/, ''), '1.20.0');
  });
});
