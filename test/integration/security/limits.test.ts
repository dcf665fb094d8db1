/**
 * Bad input in the render path through the whole engine (issue 7, classes 8 and 9): each is a clear render
 * error naming the file, and nothing of the app is written (not even the valid objects beside it).
 */
import assert from 'node:assert/strict';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { inventoryConfigMapName } from '../../../src/apply/inventory-store.js';
import { APP_PATH, assertSucceeded, configMap, engineHarness } from '../engine/harness.js';
import type { EngineHarness } from '../engine/harness.js';

/** Writes one bad input into the app folder, beside a valid ConfigMap. */
type BadInput = (h: EngineHarness) => Promise<void>;

const LIST_ITEMS = 150_000;

const badInputs: { what: string; write: BadInput; error: RegExp }[] = [
  {
    what: `a kind: List of ${LIST_ITEMS} items`,
    write: async (h) => {
      const items = Array.from(
        { length: LIST_ITEMS },
        (_, i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c${i}"}}`,
      );
      await h.write('huge.json', `{"apiVersion":"v1","kind":"List","items":[${items.join(',')}]}`);
    },
    error: /app\/huge\.json is \d+ bytes, more than the \d+ bytes allowed for one manifest file/,
  },
  {
    what: 'more objects than the limit, each file small',
    write: async (h) => {
      for (let file = 0; file < 11; file++) {
        const items = Array.from(
          { length: 1000 },
          (_, i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f${file}-${i}"}}`,
        );
        await h.write(`many-${file}.json`, `{"apiVersion":"v1","kind":"List","items":[${items.join(',')}]}`);
      }
    },
    error: /app\/many-\d+\.json: more than 10000 objects, the limit for one render/,
  },
  {
    what: 'a YAML alias bomb',
    write: async (h) => {
      const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++) {
        const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
        levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      await h.write(
        'bomb.yaml',
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx:\n  ${levels.join('\n  ')}\n`,
      );
    },
    error: /app\/bomb\.yaml document 1: expands more than 100 YAML aliases/,
  },
  {
    what: 'a self-referencing symlink',
    write: (h) => symlink('self.yaml', join(h.root, APP_PATH, 'self.yaml')),
    error: /"app\/self\.yaml" is a symlink loop/,
  },
  {
    what: 'a loop of two symlinks',
    write: async (h) => {
      await symlink('two.yaml', join(h.root, APP_PATH, 'one.yaml'));
      await symlink('one.yaml', join(h.root, APP_PATH, 'two.yaml'));
    },
    error: /"app\/(one|two)\.yaml" is a symlink loop/,
  },
  {
    what: 'invalid UTF-8',
    write: (h) =>
      writeFile(
        join(h.root, APP_PATH, 'latin1.yaml'),
        Buffer.concat([
          Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: l}\ndata: {city: "M'),
          Buffer.from([0xfc, 0x6e]),
        ]),
      ),
    error: /app\/latin1\.yaml: not valid UTF-8: byte 0xfc at offset 66 \(line 4\)/,
  },
];

describe('security: bad input in the render path writes nothing', () => {
  for (const bad of badInputs) {
    it(`refuses ${bad.what} with a render error naming the file, applying nothing`, async (t) => {
      const h = await engineHarness(t, 'bad-input');
      await h.write('valid.yaml', configMap('valid', { v: '1' }));
      assertSucceeded(await h.sync({ prune: true }));
      const inventoryBefore = await h.get('v1', 'ConfigMap', inventoryConfigMapName(h.appName));

      await h.write('valid.yaml', configMap('valid', { v: '2' }));
      await h.write('second.yaml', configMap('second', { v: '1' }));
      await bad.write(h);
      const result = await h.sync({ prune: true });
      assert.equal(result.error?.step, 'render', JSON.stringify(result.error));
      assert.match(result.error.message, bad.error);
      assert.ok((result.error.hint ?? '') !== '', 'has a hint');
      assert.equal(result.stats.writes, 0, 'nothing written');
      assert.deepEqual((await h.get('v1', 'ConfigMap', 'valid'))?.data, { v: '1' });
      assert.equal(await h.get('v1', 'ConfigMap', 'second'), undefined);
      const inventoryAfter = await h.get('v1', 'ConfigMap', inventoryConfigMapName(h.appName));
      assert.equal(inventoryAfter?.metadata.resourceVersion, inventoryBefore?.metadata.resourceVersion);
    });
  }
});
