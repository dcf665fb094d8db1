import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseApplication } from '../../../src/app/model.js';
import type { Application } from '../../../src/app/model.js';
import type { AppMemory } from '../../../src/controller/reconciler.js';
import { rolloutReport } from '../../../src/controller/report.js';
import type { RolloutReport } from '../../../src/controller/report.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { countReport } from '../../../src/metrics/report-sink.js';

function application(name: string): Application {
  return parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'apps', uid: `uid-${name}` },
    spec: {
      project: 'team-a',
      source: { repoURL: 'https://git.example/r.git', ref: { branch: 'main' } },
      destination: { namespace: name },
    },
  });
}

const memory = (): AppMemory => ({ planned: new Map(), outOfSync: new Map(), failures: 0 });
const REVISION = 'b'.repeat(40);

function report(app: Application, rollout: RolloutReport): Parameters<typeof countReport>[1] {
  return rolloutReport({ app, memory: memory(), trigger: 'poll', rollout, events: [] });
}

const at = (step: number, weight: number, phase: 'Progressing' | 'Waiting' = 'Progressing') => ({
  phase,
  revision: REVISION,
  step,
  canaryWeight: weight,
  failedChecks: 0,
});

describe('metrics: progressive rollouts from the rollout reports', () => {
  it('the report carries status.delivery as a status field for the status sink', () => {
    const r = report(application('web'), { event: 'started', delivery: at(0, 25) });
    assert.equal(r.kind, 'rollout');
    assert.deepEqual(r.status, { planned: [], fields: { delivery: at(0, 25) } });
    assert.equal(r.rollout?.event, 'started');
  });

  it('counts events by app, follows the step and weight, counts checks by metric and result', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const web = application('web');
    countReport(metrics, report(web, { event: 'started', delivery: at(0, 25) }));
    countReport(
      metrics,
      report(web, {
        event: 'progress',
        delivery: at(0, 25, 'Waiting'),
        check: [
          { name: 'success', result: 'Passed', value: 100 },
          { name: 'latency', result: 'LowTraffic' },
        ],
      }),
    );
    countReport(
      metrics,
      report(web, {
        event: 'step',
        delivery: at(1, 50),
        check: [
          { name: 'success', result: 'Passed', value: 99.5 },
          { name: 'latency', result: 'Passed', value: 120 },
        ],
      }),
    );
    let text = await metrics.exposition();
    const base = 'namespace="apps",app="web"';
    assert.match(text, new RegExp(`mooring_rollout_events_total\\{${base},event="started"\\} 1\\n`));
    assert.match(text, new RegExp(`mooring_rollout_events_total\\{${base},event="step"\\} 1\\n`));
    assert.doesNotMatch(text, /event="progress"/, 'a plain progress turn is not an event');
    assert.match(text, new RegExp(`mooring_rollout_step\\{${base}\\} 2\\n`));
    assert.match(text, new RegExp(`mooring_rollout_canary_weight\\{${base}\\} 50\\n`));
    assert.match(
      text,
      new RegExp(`mooring_rollout_analysis_checks_total\\{${base},metric="success",result="Passed"\\} 2\\n`),
    );
    assert.match(
      text,
      new RegExp(
        `mooring_rollout_analysis_checks_total\\{${base},metric="latency",result="LowTraffic"\\} 1\\n`,
      ),
    );
    assert.match(text, new RegExp(`mooring_rollout_analysis_value\\{${base},metric="success"\\} 99.5\\n`));
    assert.match(text, new RegExp(`mooring_rollout_analysis_value\\{${base},metric="latency"\\} 120\\n`));

    countReport(
      metrics,
      report(web, {
        event: 'aborted',
        delivery: { ...at(1, 50), phase: 'Aborted' },
        check: [{ name: 'success', result: 'Failed', value: 50, message: '50 < min 99' }],
        abort: {
          reason: 'analysis failed',
          failedMetrics: [{ name: 'success', result: 'Failed', value: 50, message: '50 < min 99' }],
          backOnStableMs: 40,
          revert: { kind: 'rollback', target: 'a'.repeat(40), how: 'pushed', commit: 'c'.repeat(40) },
        },
      }),
    );
    text = await metrics.exposition();
    assert.match(text, new RegExp(`mooring_rollout_events_total\\{${base},event="aborted"\\} 1\\n`));
    assert.match(text, new RegExp(`mooring_rollout_step\\{${base}\\} 0\\n`), 'no rollout runs any more');
    assert.match(text, new RegExp(`mooring_rollout_canary_weight\\{${base}\\} 0\\n`));
    assert.match(
      text,
      new RegExp(`mooring_rollout_analysis_checks_total\\{${base},metric="success",result="Failed"\\} 1\\n`),
    );
    assert.match(text, /mooring_rollout_abort_back_on_stable_seconds_bucket\{le="0.025"\} 0\n/);
    assert.match(text, /mooring_rollout_abort_back_on_stable_seconds_bucket\{le="0.05"\} 1\n/);
    assert.match(text, /mooring_rollout_abort_back_on_stable_seconds_count 1\n/);
    assert.match(text, /mooring_reconcile_reports_total\{kind="rollout"\} 4\n/);
  });

  it('a promotion ends the rollout; a deleted app leaves no rollout series', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const web = application('web');
    const api = application('api');
    countReport(metrics, report(web, { event: 'promoting', delivery: { ...at(1, 50), phase: 'Promoting' } }));
    countReport(metrics, report(web, { event: 'promoted', delivery: { ...at(1, 0), phase: 'Succeeded' } }));
    countReport(metrics, report(api, { event: 'resumed', delivery: at(2, 75) }));
    let text = await metrics.exposition();
    assert.match(text, /mooring_rollout_events_total\{namespace="apps",app="web",event="promoted"\} 1\n/);
    assert.match(text, /mooring_rollout_step\{namespace="apps",app="web"\} 0\n/);
    assert.match(text, /mooring_rollout_step\{namespace="apps",app="api"\} 3\n/);
    assert.match(text, /mooring_rollout_canary_weight\{namespace="apps",app="api"\} 75\n/);
    metrics.forgetApp({ namespace: 'apps', app: 'web' });
    text = await metrics.exposition();
    assert.doesNotMatch(text, /mooring_rollout_[a-z_]+\{[^}]*app="web"/);
    assert.match(text, /mooring_rollout_events_total\{namespace="apps",app="api",event="resumed"\} 1\n/);
  });
});
