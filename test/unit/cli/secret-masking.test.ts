/**
 * Every report format of render, diff and apply hides the values of Secrets from Git: the plain text,
 * its base64 form and kubectl's last-applied copy never reach the output, while other objects and the
 * Secret's keys stay visible.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  formatJson,
  formatJsonObjects,
  formatMarkdown,
  formatText,
  formatYamlStream,
} from '../../../src/cli/output/sync-report.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { maskSecretObject, maskSecretsDeep } from '../../../src/diff/mask.js';
import { diffObject } from '../../../src/diff/object-diff.js';
import type { SyncResult } from '../../../src/engine/types.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const PLAIN = 'hunter2-top-secret';
const OLD_PLAIN = 'old-password-value';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const SECRET_STRINGS = [PLAIN, b64(PLAIN), OLD_PLAIN, b64(OLD_PLAIN)];

function secret(password: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: 'shop',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { password } }),
      },
    },
    data: { password: b64(password) },
    stringData: { 'also-password': password },
    ...extra,
  };
}

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'shop' },
  data: { color: 'blue' },
};

function planned(object: KubeObject): PlannedObject {
  return {
    object,
    ref: { group: '', kind: object.kind, namespace: 'shop', name: object.metadata.name },
    id: `shop_${object.metadata.name}__${object.kind}`,
    phase: 'Sync',
    wave: 0,
    options: {
      prune: true,
      replace: false,
      recreateOnImmutable: false,
      createOnly: false,
      ignore: false,
      force: false,
      drift: 'enforce',
      skipDryRunOnMissingResource: false,
    },
  };
}

/** A diff of a Secret whose password changed, and a new ConfigMap, as the engine reports it. */
function result(): SyncResult {
  const live = secret(OLD_PLAIN);
  const desired = secret(PLAIN);
  const plannedSecret = planned(desired);
  const plannedMap = planned(configMap);
  return {
    appName: 'shop',
    dryRun: true,
    outcomes: [
      { subject: 'Secret/shop/db', id: plannedSecret.id, action: 'configured', phase: 'Sync', wave: 0 },
      { subject: 'ConfigMap/shop/settings', id: plannedMap.id, action: 'created', phase: 'Sync', wave: 0 },
    ],
    validated: [
      { planned: plannedSecret, live, dryRun: desired, diff: diffObject(live, desired, 'mooring') },
      {
        planned: plannedMap,
        live: undefined,
        dryRun: configMap,
        diff: diffObject(undefined, configMap, 'mooring'),
      },
    ],
    inventory: [],
    planned: [plannedSecret, plannedMap],
    warnings: [],
    stats: { requests: {}, writes: 0, durationMs: 10 },
  };
}

function assertHidden(output: string, format: string): void {
  for (const value of SECRET_STRINGS)
    assert.ok(!output.includes(value), `${format} output shows a Secret value (${value}):\n${output}`);
}

describe('Secret values in reports', () => {
  const outputs: [string, () => string][] = [
    ['diff -o text', () => formatText(result(), 'diff')],
    ['apply -o text', () => formatText(result(), 'apply')],
    ['diff/apply -o json', () => formatJson(result())],
    ['diff -o markdown', () => formatMarkdown(result())],
    ['render -o yaml', () => formatYamlStream([secret(PLAIN), configMap])],
    ['render -o json', () => formatJsonObjects([secret(PLAIN), configMap])],
  ];
  for (const [format, output] of outputs)
    it(`${format} hides them`, () => {
      assertHidden(output(), format);
    });

  it('still shows which Secret keys there are, that the password changed, and other objects in full', () => {
    const json = JSON.parse(formatJson(result())) as {
      diffs: { id: string; changes: { path: string }[] }[];
      planned: { object: KubeObject }[];
    };
    assert.ok(json.diffs.some((d) => d.changes.some((c) => c.path === 'data.password')));
    assert.deepEqual(json.planned[1]?.object.data, { color: 'blue' });
    assert.deepEqual(json.planned[0]?.object.data, { password: '*** (hidden)' });
    assert.match(formatText(result(), 'diff'), /password: "\*\*\* \(value \d, hidden\)"/);
    assert.match(formatYamlStream([configMap]), /color: blue/);
  });

  it('the unmasked report would show them (the check can fail)', () => {
    const { validated: _validated, ...rest } = result();
    assertThrows(() => {
      assertHidden(JSON.stringify(rest), 'raw');
    });
  });
});

describe('maskSecretsDeep / maskSecretObject', () => {
  it('masks Secrets at any depth, including inside a List, and leaves the input unchanged', () => {
    const input = { kind: 'List', items: [secret(PLAIN)], nested: { deeper: [secret(PLAIN)] } };
    const copy = structuredClone(input);
    assertHidden(JSON.stringify(maskSecretsDeep(input)), 'deep');
    assert.deepEqual(input, copy);
  });

  it('leaves objects that are not Secrets alone', () => {
    assert.equal(maskSecretObject(configMap), configMap);
  });
});

function assertThrows(fn: () => void): void {
  assert.throws(fn, assert.AssertionError);
}
