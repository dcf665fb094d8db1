import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { ManagedFieldsEntry } from '../../../src/diff/ownership.js';
import { assertSucceeded, configMap, engineHarness, yamlStream } from './harness.js';
import type { EngineHarness } from './harness.js';

/** Managers that own `data.color` of the ConfigMap, per its managedFields. */
async function colorOwners(h: EngineHarness): Promise<string[]> {
  const live = await h.get('v1', 'ConfigMap', 'shared');
  const entries = (live?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries
    .filter((e) => JSON.stringify(e.fieldsV1 ?? {}).includes('"f:color"'))
    .map((e) => `${e.manager ?? ''}/${e.operation ?? ''}`)
    .sort();
}

/** Another team's tool takes `data.color` with its own server-side apply, forcing the conflict. */
async function otherApplierTakesColor(h: EngineHarness): Promise<void> {
  const file = join(h.root, 'other-team.yaml');
  await writeFile(file, yamlStream([configMap('shared', { color: 'red' })]));
  await h.kubectl([
    'apply',
    '--server-side',
    '--field-manager=other-team',
    '--force-conflicts',
    '-n',
    h.namespace,
    '-f',
    file,
  ]);
}

describe('sync engine: conflicts with another server-side applier', () => {
  it('reports a conflict with another applier and writes nothing; mooring.dev/force takes the field back', async (t) => {
    const h = await engineHarness(t, 'ssa-conflict');
    await h.write('cm.yaml', configMap('shared', { color: 'blue' }));
    assertSucceeded(await h.sync());
    assert.deepEqual(await colorOwners(h), ['mooring/Apply']);

    await otherApplierTakesColor(h);
    assert.deepEqual(await colorOwners(h), ['other-team/Apply']);
    const before = await h.get('v1', 'ConfigMap', 'shared');

    const refused = await h.sync();
    assert.ok(refused.error !== undefined, 'a conflict with another applier fails the sync');
    const text = JSON.stringify([refused.error, refused.rejected, refused.outcomes]);
    assert.match(text, /other-team/, 'the report names the other applier');
    assert.match(text, /[Cc]onflict/);
    assert.equal(refused.stats.writes, 0, JSON.stringify(refused.stats.requests));
    const after = await h.get('v1', 'ConfigMap', 'shared');
    assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion, 'nothing written');
    assert.deepEqual(after?.data, { color: 'red' });

    await h.write('cm.yaml', configMap('shared', { color: 'blue' }, { 'mooring.dev/force': 'true' }));
    const forced = await h.sync();
    assertSucceeded(forced);
    assert.equal(
      forced.outcomes.find((o) => o.subject === `ConfigMap/${h.namespace}/shared`)?.action,
      'configured',
    );
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'shared'))?.data, { color: 'blue' });
    assert.deepEqual(await colorOwners(h), ['mooring/Apply'], "the field is Mooring's again");
  });

  it('takes back a field changed by hand (an Update manager) without force', async (t) => {
    const h = await engineHarness(t, 'ssa-hand-edit');
    await h.write('cm.yaml', configMap('shared', { color: 'blue' }));
    assertSucceeded(await h.sync());
    await h.kubectl([
      'patch',
      'configmap/shared',
      '-n',
      h.namespace,
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    assert.deepEqual(await colorOwners(h), ['kubectl-patch/Update']);
    assertSucceeded(await h.sync());
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'shared'))?.data, { color: 'blue' });
    assert.deepEqual(await colorOwners(h), ['mooring/Apply']);
  });
});
