import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { MooringError } from '../../../src/core/errors.js';
import type { DeliveryStatus } from '../../../src/crd/delivery.js';
import { parseApplication } from '../../../src/crd/application.js';
import {
  CANARY_DEMO_APP,
  canaryApplication,
  isDemoPrometheus,
  nextVersions,
  progressLines,
  PROMETHEUS_MISSING,
  setVersion,
  versionOf,
} from '../../../src/demo/canary-step.js';
import {
  addBurst,
  ERROR_RATE_ANNOTATION,
  exposition,
  trackVersion,
} from '../../../src/demo/canary-traffic.js';
import { nextSteps } from '../../../src/demo/next-steps.js';
import { findPrometheusBinary, prometheusConfig } from '../../../src/devcluster/local-prometheus.js';

const manifest = (): Promise<string> =>
  readFile(join(packageRoot(), 'examples', CANARY_DEMO_APP.path, 'deployment.yaml'), 'utf8');

const BAD = 'b'.repeat(40);

describe('demo: progressive delivery step', () => {
  it('creates a valid Application with canary steps and analysis against the demo Prometheus', () => {
    const app = parseApplication(canaryApplication('http://127.0.0.1:9/config.git', 'http://127.0.0.1:9090'));
    const delivery = app.spec.delivery;
    assert.equal(delivery?.target, 'web');
    assert.deepEqual(
      delivery.canary?.steps.map((s) => s.weight),
      [25, 50],
    );
    assert.equal(delivery.analysis.prometheus.address, 'http://127.0.0.1:9090');
    assert.deepEqual(
      delivery.analysis.metrics.map((m) => [m.name, m.builtin]),
      [
        ['success', 'request-success-rate'],
        ['latency', 'request-duration'],
      ],
    );
    assert.equal(app.spec.destination.namespace, 'canary-web');
    assert.equal(app.spec.source.path, 'canary-web');
  });

  it('edits only the image tag and the simulated error rate of the example manifest', async () => {
    const source = await manifest();
    assert.equal(versionOf(source), '1.0.0');
    const bad = setVersion(source, '1.1.0', 50);
    assert.equal(versionOf(bad), '1.1.0');
    const changed = bad.split('\n').filter((line, i) => line !== source.split('\n')[i]);
    assert.deepEqual(
      changed.map((l) => l.trim()),
      [`${ERROR_RATE_ANNOTATION}: '50'`, 'image: registry.example.com/demo/canary-web:1.1.0'],
    );
    assert.equal(setVersion(bad, '1.2.0', 0), source.replace('1.0.0', '1.2.0'));
    // Double quotes (another formatter) are kept as they are.
    assert.match(
      setVersion(source.replace("'0'", '"0"'), '1.1.0', 50),
      new RegExp(`${ERROR_RATE_ANNOTATION}: "50"`),
    );
  });

  it('refuses a manifest whose lines it cannot find, with a hint', () => {
    assert.throws(
      () => setVersion('kind: Deployment\n', '1.1.0', 50),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_ARGUMENT' &&
        (error.hint ?? '').includes('--reset'),
    );
  });

  it("reads only a loopback Prometheus from the Application (the demo's own)", () => {
    assert.ok(isDemoPrometheus('http://127.0.0.1:9090'));
    assert.ok(!isDemoPrometheus('http://169.254.169.254:80'));
    assert.ok(!isDemoPrometheus('http://127.0.0.1:9090/../x'));
    assert.ok(!isDemoPrometheus('http://127.0.0.1.evil.example:9090'));
    assert.ok(!isDemoPrometheus('https://prometheus.monitoring:9090'));
  });

  it('picks the next two minor versions, bad then good', () => {
    assert.deepEqual(nextVersions('1.0.0'), { bad: '1.1.0', good: '1.2.0' });
    assert.deepEqual(nextVersions('1.2.0'), { bad: '1.3.0', good: '1.4.0' });
    assert.deepEqual(nextVersions('latest'), { bad: '1.1.0', good: '1.2.0' });
    assert.deepEqual(nextVersions(undefined), { bad: '1.1.0', good: '1.2.0' });
  });

  it('prints the start, each metric change and the abort of its own rollout only', () => {
    const started: DeliveryStatus = {
      phase: 'Progressing',
      revision: BAD,
      step: 0,
      canaryWeight: 25,
      message: 'step 1 of 2: 25% on bbbb',
    };
    const failing: DeliveryStatus = {
      ...started,
      failedChecks: 1,
      metrics: [
        { name: 'success', value: 50, result: 'Failed', message: '50 < min 99' },
        { name: 'latency', value: 1962.004, result: 'Failed', message: '1962 > max 500' },
      ],
    };
    const aborted: DeliveryStatus = {
      ...failing,
      phase: 'Aborted',
      message: 'canary of bbbb aborted at step 1',
    };
    const older: DeliveryStatus = { ...aborted, revision: 'a'.repeat(40) };
    assert.deepEqual(progressLines(BAD, older, older), [], 'another rollout is not ours');
    assert.deepEqual(progressLines(BAD, older, started), [
      'canary started: step 1 of 2, 25% of the replicas',
    ]);
    assert.deepEqual(progressLines(BAD, started, started), [], 'nothing new, nothing printed');
    assert.deepEqual(progressLines(BAD, started, failing), [
      'analysis: success=50 Failed (50 < min 99), latency=1962 Failed (1962 > max 500)',
    ]);
    assert.deepEqual(progressLines(BAD, failing, aborted), ['abort: canary of bbbb aborted at step 1']);
    const waiting: DeliveryStatus = {
      ...started,
      phase: 'Waiting',
      message: 'waiting for traffic: 0 canary requests in the interval, 10 needed',
    };
    assert.deepEqual(progressLines(BAD, started, waiting), [waiting.message]);
  });

  it('prints each step, the promotion and its result', () => {
    const one: DeliveryStatus = { phase: 'Progressing', revision: BAD, step: 0, canaryWeight: 25 };
    const two: DeliveryStatus = {
      ...one,
      step: 1,
      canaryWeight: 50,
      metrics: [{ name: 'success', value: 100, result: 'Passed' }],
    };
    assert.deepEqual(progressLines(BAD, one, two), [
      'step 2 of 2: 50% of the replicas',
      'analysis: success=100 Passed',
    ]);
    const promoting: DeliveryStatus = { ...two, phase: 'Promoting' };
    assert.deepEqual(progressLines(BAD, two, promoting), ['analysis passed at the last step: promoting']);
    const done: DeliveryStatus = { ...promoting, phase: 'Succeeded', message: 'promoted bbbb' };
    assert.deepEqual(progressLines(BAD, promoting, done), ['promoted: promoted bbbb']);
  });

  it('the next steps name the step (with the cluster when it is not the default) only when it can run', () => {
    const input = {
      clusterName: 'demo',
      kubeconfig: '/k',
      workingDir: '/w',
      cli: 'node /m.js',
      hasRollback: true,
      repoURL: 'http://127.0.0.1:5/config.git',
      credentialsFile: '/c',
      controllerLog: '/l',
      keepsRunning: true,
    };
    assert.ok(!nextSteps(input).includes('demo canary'));
    assert.match(
      nextSteps({ ...input, canaryStep: true }),
      /^ {2}mooring demo canary {3}# then a good version/m,
    );
    assert.match(
      nextSteps({ ...input, clusterName: 'other', canaryStep: true }),
      /^ {2}mooring demo canary --name other /m,
    );
  });

  it('says how to install Prometheus when it is missing', () => {
    assert.match(PROMETHEUS_MISSING, /apt-get install prometheus/);
    assert.equal(findPrometheusBinary({ MOORING_PROMETHEUS: '/nonexistent/prometheus' }), undefined);
    const config = JSON.parse(prometheusConfig(['127.0.0.1:9'], 1)) as {
      global: { scrape_interval: string };
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    assert.equal(config.global.scrape_interval, '1s');
    assert.deepEqual(config.scrape_configs[0]?.static_configs[0]?.targets, ['127.0.0.1:9']);
  });
});

describe('demo: simulated canary traffic', () => {
  const deployment = (image: string, rate?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web-canary' },
    spec: {
      template: {
        metadata: { annotations: rate === undefined ? {} : { [ERROR_RATE_ANNOTATION]: rate } },
        spec: { containers: [{ image }] },
      },
    },
  });

  it("reads the version from the image tag and the error rate from the template's annotation", () => {
    assert.deepEqual(trackVersion(deployment('registry.example.com/demo/canary-web:1.1.0', '50')), {
      version: '1.1.0',
      errorRate: 50,
    });
    assert.deepEqual(trackVersion(deployment('127.0.0.1:5000/web:2.0')), { version: '2.0', errorRate: 0 });
    assert.equal(trackVersion(deployment('web:1', '250'))?.errorRate, 100, 'clamped');
    assert.equal(trackVersion(deployment('web:1', 'lots'))?.errorRate, 0, 'not a number: no errors');
    assert.equal(trackVersion(undefined), undefined);
  });

  it('makes up 20 requests a scrape with the rate of 5xx (and slow answers), labelled by track and version', () => {
    const counts = { ok: 0, errors: 0, fast: 0, slow: 0 };
    addBurst(counts, { version: '1.1.0', errorRate: 50 });
    addBurst(counts, { version: '1.1.0', errorRate: 50 });
    assert.deepEqual(counts, { ok: 20, errors: 20, fast: 20, slow: 20 });
    const text = exposition(
      { namespace: 'canary-web', app: 'web' },
      new Map([['canary\n1.1.0', { track: 'canary', version: '1.1.0', counts }]]),
    );
    const sel = 'namespace="canary-web",app="web",track="canary",version="1.1.0"';
    assert.ok(text.includes(`http_requests_total{${sel},code="200"} 20\n`), text);
    assert.ok(text.includes(`http_requests_total{${sel},code="500"} 20\n`), text);
    assert.ok(text.includes(`http_request_duration_seconds_bucket{${sel},le="0.1"} 20\n`), text);
    assert.ok(text.includes(`http_request_duration_seconds_bucket{${sel},le="+Inf"} 40\n`), text);
    assert.ok(text.startsWith('# TYPE http_requests_total counter\n'));
  });
});
