import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  aggregateHealth,
  assessHealth,
  describeUnhealthy,
  HEALTH_SEVERITY,
  isSettled,
  type HealthStatus,
  type SubjectHealth,
} from '../../../src/health/index.js';
import { fixture, fixtureFile, fixtureFiles } from './fixtures.js';

const item = (subject: string, status: HealthStatus, message = ''): SubjectHealth => ({
  subject,
  result: { status, message },
});

describe('aggregateHealth', () => {
  it('is Healthy with no words for no objects or only healthy ones', () => {
    assert.deepEqual(aggregateHealth([]), { status: 'Healthy', message: '' });
    assert.deepEqual(
      aggregateHealth([item('Service/shop/web', 'Healthy'), item('ConfigMap/shop/a', 'Healthy')]),
      {
        status: 'Healthy',
        message: '',
      },
    );
  });

  it('names the one degraded object and its message', () => {
    const result = aggregateHealth([
      item('Service/shop/web', 'Healthy'),
      item('Deployment/shop/web', 'Degraded', '2/3 pods ready; pod web-7f9 CrashLoopBackOff'),
      item('Job/shop/migrate', 'Progressing', 'job running'),
    ]);
    assert.deepEqual(result, {
      status: 'Degraded',
      message: 'Degraded: Deployment/shop/web: 2/3 pods ready; pod web-7f9 CrashLoopBackOff',
    });
  });

  it('counts the objects in the worst state and gives the first one', () => {
    const result = aggregateHealth([
      item('Job/shop/migrate', 'Progressing', 'job running'),
      item('Deployment/shop/web', 'Progressing', 'waiting for rollout: 1 of 3 updated replicas available'),
    ]);
    assert.equal(result.status, 'Progressing');
    assert.equal(result.message, 'Progressing: 2 objects, first Job/shop/migrate: job running');
  });

  const orderCases: [HealthStatus, HealthStatus][] = [
    ['Degraded', 'Missing'],
    ['Missing', 'Progressing'],
    ['Progressing', 'Unknown'],
    ['Unknown', 'Suspended'],
    ['Suspended', 'Healthy'],
  ];
  for (const [worse, better] of orderCases) {
    it(`lets ${worse} win over ${better}, whatever the input order`, () => {
      assert.equal(aggregateHealth([item('A/a', better, 'b'), item('B/b', worse, 'w')]).status, worse);
      assert.equal(aggregateHealth([item('B/b', worse, 'w'), item('A/a', better, 'b')]).status, worse);
    });
  }

  it('documents the severity order it uses', () => {
    assert.deepEqual(HEALTH_SEVERITY, [
      'Degraded',
      'Missing',
      'Progressing',
      'Unknown',
      'Suspended',
      'Healthy',
    ]);
  });

  it('leaves out the colon when the worst object has no message', () => {
    assert.equal(aggregateHealth([item('Widget/shop/w', 'Unknown')]).message, 'Unknown: Widget/shop/w');
  });
});

describe('describeUnhealthy', () => {
  it('is empty when everything is Healthy or Suspended', () => {
    assert.equal(
      describeUnhealthy([item('A/a', 'Healthy'), item('CronJob/shop/c', 'Suspended', 'suspended')]),
      '',
    );
  });

  it('lists what is not ready, worst first, with status and message', () => {
    const text = describeUnhealthy([
      item('Job/shop/migrate', 'Progressing', 'job running: 1 active, 0 of 1 succeeded'),
      item('Service/shop/web', 'Healthy'),
      item('Deployment/shop/web', 'Degraded', '2/3 pods ready'),
      item('ConfigMap/shop/gone', 'Missing', 'not found in the cluster'),
    ]);
    assert.equal(
      text,
      'Deployment/shop/web Degraded (2/3 pods ready); ConfigMap/shop/gone Missing (not found in the cluster); ' +
        'Job/shop/migrate Progressing (job running: 1 active, 0 of 1 succeeded)',
    );
  });

  it('names at most the limit and counts the rest', () => {
    const items = ['a', 'b', 'c', 'd'].map((name) => item(`Pod/shop/${name}`, 'Progressing'));
    assert.equal(describeUnhealthy(items, 2), 'Pod/shop/a Progressing; Pod/shop/b Progressing; 2 more');
  });
});

describe('isSettled', () => {
  it('treats only Healthy and Suspended as nothing left to wait for', () => {
    const settled = HEALTH_SEVERITY.filter(isSettled);
    assert.deepEqual(settled, ['Suspended', 'Healthy']);
  });
});

describe('assessHealth dispatch', () => {
  it('reports an object that does not exist as Missing', () => {
    assert.deepEqual(assessHealth(undefined), { status: 'Missing', message: 'not found in the cluster' });
  });

  it('applies Ingress rules to the legacy extensions group', () => {
    const legacy = { ...fixture('ingress.yaml', 'web-pending'), apiVersion: 'extensions/v1beta1' };
    assert.equal(assessHealth(legacy).status, 'Progressing');
  });

  it('uses generic rules for a kind named like a built-in in another group', () => {
    const lookalike = {
      apiVersion: 'example.com/v1',
      kind: 'Deployment',
      metadata: { name: 'x', namespace: 'shop', generation: 1 },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '' }] },
    };
    // apps/v1 rules would wait for observedGeneration; generic rules accept Ready.
    assert.equal(assessHealth(lookalike).status, 'Healthy');
  });

  it('does not throw on a malformed status', () => {
    const malformed = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'odd', namespace: 'shop', generation: 2 },
      spec: { replicas: '3' },
      status: { observedGeneration: 2, conditions: 'not a list', updatedReplicas: 'many' },
    };
    assert.equal(assessHealth(malformed).status, 'Progressing');
  });

  it('assesses every fixture object to a known status with a message string', () => {
    let count = 0;
    for (const file of fixtureFiles()) {
      for (const obj of fixtureFile(file).values()) {
        const result = assessHealth(obj);
        assert.ok(HEALTH_SEVERITY.includes(result.status), `${file} ${obj.metadata.name}: ${result.status}`);
        assert.equal(typeof result.message, 'string');
        count++;
      }
    }
    assert.ok(count > 90, `only ${count} fixture objects`);
  });
});
