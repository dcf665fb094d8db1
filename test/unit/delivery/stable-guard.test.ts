import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { DeliveryStatus } from '../../../src/crd/delivery.js';
import { canonicalJson, STABLE_TEMPLATE_ANNOTATION, templateHash } from '../../../src/delivery/hold.js';
import {
  acceptedStableHashes,
  annotationHash,
  checkStableTemplate,
  plannedStableHash,
} from '../../../src/delivery/stable-guard.js';

const template = (image: string): Record<string, unknown> => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image }] },
});

function deployment(annotation: string | undefined): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      ...(annotation === undefined ? {} : { annotations: { [STABLE_TEMPLATE_ANNOTATION]: annotation } }),
    },
  };
}

const V1 = canonicalJson(template('web:1'));
const V2 = canonicalJson(template('web:2'));
const recorded: DeliveryStatus = { stableTemplateHash: templateHash(template('web:1')) };

function refusal(live: KubeObject, status: DeliveryStatus | undefined, known?: string): MooringError {
  try {
    checkStableTemplate(live, status, known);
  } catch (error) {
    assert.ok(error instanceof MooringError);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('the stable template annotation is checked against the hash in status', () => {
  it('accepts the annotation whose hash status recorded, whatever its key order', () => {
    assert.equal(annotationHash(V1), templateHash(template('web:1')));
    const reordered = JSON.stringify({
      spec: { containers: [{ image: 'web:1', name: 'main' }] },
      metadata: { labels: { app: 'web' } },
    });
    checkStableTemplate(deployment(reordered), recorded);
  });

  it('refuses another template: terminal, at validate, naming the Deployment, both hashes and a way out', () => {
    const error = refusal(deployment(V2), recorded);
    assert.equal(error.code, 'UNSAFE_INPUT');
    assert.equal(error.retry, 'terminal');
    assert.equal(error.step, 'validate');
    assert.equal(error.subject, 'Deployment/shop/web');
    assert.match(error.message, /was changed outside Mooring/);
    assert.ok(error.message.includes(templateHash(template('web:2'))));
    assert.ok(error.message.includes(recorded.stableTemplateHash ?? '?'));
    assert.match(error.hint ?? '', /delete the annotation/);
  });

  it('refuses an annotation that is not JSON, even with nothing recorded', () => {
    assert.match(refusal(deployment('{"spec":'), recorded).message, /not JSON/);
    assert.match(refusal(deployment('not json'), undefined).message, /not JSON/);
  });

  it('during a promotion, the promoted template is accepted too (the sync may have written it)', () => {
    const promoting: DeliveryStatus = {
      ...recorded,
      phase: 'Promoting',
      templateHash: templateHash(template('web:2')),
    };
    assert.deepEqual(acceptedStableHashes(promoting), [recorded.stableTemplateHash, promoting.templateHash]);
    checkStableTemplate(deployment(V2), promoting);
    checkStableTemplate(deployment(V1), promoting);
    refusal(deployment(canonicalJson(template('web:3'))), promoting);
    // Not promoting: the rollout's template is not a stable one.
    refusal(deployment(V2), { ...promoting, phase: 'Progressing' });
  });

  it('trusts the annotation once when nothing is recorded; a missing annotation or live object is not checked', () => {
    assert.deepEqual(acceptedStableHashes(undefined), []);
    assert.deepEqual(acceptedStableHashes({ phase: 'Succeeded' }), []);
    checkStableTemplate(deployment(V2), undefined);
    checkStableTemplate(deployment(V2), { phase: 'Succeeded' });
    checkStableTemplate(deployment(undefined), recorded);
    checkStableTemplate(undefined, recorded);
  });

  it('also accepts the hash this controller last recorded (its copy of status may predate the write)', () => {
    checkStableTemplate(deployment(V2), recorded, templateHash(template('web:2')));
    refusal(deployment(canonicalJson(template('web:3'))), recorded, templateHash(template('web:2')));
  });

  it('the hash to record is the planned annotation’s', () => {
    assert.equal(plannedStableHash(deployment(V1)), recorded.stableTemplateHash);
    assert.equal(plannedStableHash(deployment(undefined)), undefined);
  });
});
