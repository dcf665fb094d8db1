/** Fixtures of the progressive delivery tests: a metrics endpoint standing in for the canary's pods, manifests. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ApplicationSpec } from '../../../src/app/model.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { ControllerHarness } from '../controller/harness.js';
import { deployment as manifestDeployment } from '../../helpers/manifests.js';

export type Mode = 'good' | 'bad' | 'idle';

/** Pretends to be the canary's pods as Prometheus would see them: every scrape adds a burst of requests. */
export async function canaryMetrics(
  t: { after: (fn: () => Promise<void>) => void },
  labels: { namespace: string; app: string; track?: string },
): Promise<{ target: string; setMode: (mode: Mode) => void; scrapes: () => number }> {
  let mode: Mode = 'idle';
  let scrapes = 0;
  const counts = { ok: 0, errors: 0, fast: 0, slow: 0 };
  const server = createServer((_req, res) => {
    scrapes += 1;
    if (mode === 'good') {
      counts.ok += 20;
      counts.fast += 20;
    } else if (mode === 'bad') {
      counts.ok += 10;
      counts.errors += 10;
      counts.slow += 20;
    }
    const sel = `namespace="${labels.namespace}",app="${labels.app}",track="${labels.track ?? 'canary'}"`;
    const total = counts.fast + counts.slow;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE http_requests_total counter',
        `http_requests_total{${sel},code="200"} ${counts.ok}`,
        `http_requests_total{${sel},code="500"} ${counts.errors}`,
        '# TYPE http_request_duration_seconds histogram',
        `http_request_duration_seconds_bucket{${sel},le="0.1"} ${counts.fast}`,
        `http_request_duration_seconds_bucket{${sel},le="2"} ${total}`,
        `http_request_duration_seconds_bucket{${sel},le="+Inf"} ${total}`,
        `http_request_duration_seconds_sum{${sel}} ${counts.fast * 0.05 + counts.slow * 1.5}`,
        `http_request_duration_seconds_count{${sel}} ${total}`,
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    setMode: (m) => {
      mode = m;
    },
    scrapes: () => scrapes,
  };
}

export function web(version: string, podLabels: Record<string, string> = {}): KubeObject {
  return manifestDeployment('web', { replicas: 4, image: `registry.example/web:${version}`, podLabels });
}

export const imageOf = (d: KubeObject | undefined): string | undefined =>
  (d?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec
    .containers[0]?.image;
export const replicasOf = (d: KubeObject | undefined): number | undefined =>
  (d?.spec as { replicas?: number } | undefined)?.replicas;

export function deliverySpec(
  prometheus: string,
  analysis: Record<string, unknown> = {},
): Partial<ApplicationSpec> {
  return {
    syncPolicy: { prune: true },
    delivery: {
      target: 'web',
      canary: { steps: [{ weight: 25 }, { weight: 50 }] },
      analysis: {
        interval: '4s',
        failureLimit: 0,
        minSampleSize: 10,
        prometheus: { address: prometheus },
        metrics: [
          { name: 'success', builtin: 'request-success-rate', thresholdRange: { min: 99 } },
          { name: 'latency', builtin: 'request-duration', thresholdRange: { max: 500 } },
        ],
        ...analysis,
      },
    },
  } as unknown as Partial<ApplicationSpec>;
}

/**
 * Waits for the rollout of `revision` to succeed, then checks the Deployment `web` runs `image` at full size
 * (4 replicas): the end every strategy (canary, routed canary, blue-green) must reach.
 */
export async function assertPromoted(
  h: ControllerHarness,
  name: string,
  revision: string,
  image = 'registry.example/web:2.0',
): Promise<void> {
  const done = await h.waitForApp(
    name,
    'promoted',
    (a) => a.status?.delivery?.phase === 'Succeeded',
    120_000,
  );
  assert.equal(done.status?.delivery?.revision, revision);
  const promoted = await h.get('apps/v1', 'Deployment', 'web');
  assert.equal(imageOf(promoted), image);
  assert.equal(replicasOf(promoted), 4);
}
