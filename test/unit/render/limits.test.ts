import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { confinedPath } from '../../../src/render/confine.js';
import { render } from '../../../src/render/index.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_OBJECTS,
  decodeManifestBytes,
  invalidUtf8Offset,
  objectsFromValue,
  parseManifests,
} from '../../../src/render/parse.js';
import type { RenderLimits, RenderResult } from '../../../src/render/types.js';

/** A checkout with an empty app/ folder (removed after the test). */
async function repo(t: TestContext): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'mooring-limits-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'app'));
  return root;
}

/** Renders app/ with the directory renderer (no tool is started, so no toolchain is needed). */
function renderApp(root: string, limits: Partial<RenderLimits> = {}): Promise<RenderResult> {
  return render({
    root,
    path: 'app',
    namespace: 'web',
    options: { kind: 'directory' },
    tools: { renderHelper: '/nonexistent/mooring-render' },
    limits,
  });
}

function refused(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof MooringError, `not a MooringError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.step, 'render');
    assert.ok((error.hint ?? '').length > 0, 'has a hint');
    assert.match(error.message, pattern);
    return true;
  };
}

function configMaps(count: number, prefix = 'cm'): object[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${prefix}-${i}` },
  }));
}

const ORIGIN = { file: 'app/list.yaml', document: 1, line: 1 };

describe('render limits: huge Lists', () => {
  it('expands a List of 150,000 items without recursion or spreading (no stack overflow)', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: configMaps(150_000) };
    const objects = objectsFromValue(list, ORIGIN);
    assert.equal(objects.length, 150_000);
    assert.equal(objects[149_999]?.object.metadata.name, 'cm-149999');
  });

  it('stops a List of 150,000 items at the object limit with an error naming the file and the limit', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: configMaps(150_000) };
    assert.throws(
      () => objectsFromValue(list, ORIGIN, undefined, { maxObjects: DEFAULT_MAX_OBJECTS, before: 0 }),
      refused('RENDER_FAILED', new RegExp(`app/list\\.yaml: more than ${DEFAULT_MAX_OBJECTS} objects`)),
    );
  });

  it('expands Lists nested in Lists (also deeply) and counts their items against the limit', () => {
    let nested: object = { apiVersion: 'v1', kind: 'List', items: configMaps(3, 'deep') };
    for (let depth = 0; depth < 5_000; depth++) nested = { apiVersion: 'v1', kind: 'List', items: [nested] };
    const list = { apiVersion: 'v1', kind: 'List', items: [...configMaps(2), nested] };
    assert.deepEqual(
      objectsFromValue(list, ORIGIN).map((o) => o.object.metadata.name),
      ['cm-0', 'cm-1', 'deep-0', 'deep-1', 'deep-2'],
    );
    assert.throws(
      () => objectsFromValue(list, ORIGIN, undefined, { maxObjects: 4, before: 0 }),
      refused('RENDER_FAILED', /more than 4 objects/),
    );
  });

  it('names a bad item inside a nested List', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: ConfigMap}\n';
    assert.throws(
      () => parseManifests(text, 'app/x.yaml'),
      refused(
        'INVALID_MANIFEST',
        /app\/x\.yaml document 1 \(line 4\), List item 1, List item 1: ConfigMap has no metadata mapping/,
      ),
    );
  });

  it('counts objects across the files of a directory against one limit, naming the file that exceeds it', async (t) => {
    const root = await repo(t);
    for (const file of ['a', 'b', 'c'])
      await writeFile(
        join(root, 'app', `${file}.yaml`),
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configMaps(5, file) }),
      );
    assert.equal((await renderApp(root, { maxObjects: 15 })).objects.length, 15);
    await assert.rejects(
      renderApp(root, { maxObjects: 12 }),
      refused('RENDER_FAILED', /app\/c\.yaml: more than 12 objects/),
    );
  });

  it('refuses a file larger than the per-file limit before parsing it (a 150,000-item List file)', async (t) => {
    const root = await repo(t);
    const lines = ['apiVersion: v1', 'kind: List', 'items:'];
    for (let i = 0; i < 150_000; i++)
      lines.push(`- {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-${i}}}`);
    const text = lines.join('\n');
    assert.ok(text.length > DEFAULT_MAX_FILE_BYTES, 'the file is above the default limit');
    await writeFile(join(root, 'app', 'huge.yaml'), text);
    const heapBefore = process.memoryUsage().heapUsed;
    await assert.rejects(
      renderApp(root),
      refused(
        'RENDER_FAILED',
        new RegExp(`app/huge\\.yaml is ${text.length} bytes, more than the ${DEFAULT_MAX_FILE_BYTES} bytes`),
      ),
    );
    // Parsing it would hold about a gigabyte; refusing it reads at most the limit.
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, 'the file was not parsed');
  });

  it('applies a configured per-file limit', async (t) => {
    const root = await repo(t);
    await writeFile(
      join(root, 'app', 'small.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n',
    );
    await writeFile(
      join(root, 'app', 'big.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "${'x'.repeat(200)}"}\n`,
    );
    await assert.rejects(
      renderApp(root, { maxFileBytes: 100 }),
      refused('RENDER_FAILED', /app\/big\.yaml is \d+ bytes, more than the 100 bytes/),
    );
    assert.equal((await renderApp(root, { maxFileBytes: 1000 })).objects.length, 2);
  });
});

describe('render limits: hostile YAML', () => {
  it('refuses a billion-laughs alias bomb with a clear error naming the file', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    assert.throws(
      () => parseManifests(text, 'app/bomb.yaml'),
      refused('INVALID_MANIFEST', /app\/bomb\.yaml document 1: expands more than 100 YAML aliases/),
    );
  });

  it('refuses a merge-key alias bomb the same way', () => {
    const levels = ['a: &a {x: 1}'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} {p: *${prev}, q: *${prev}, r: *${prev}, s: *${prev}}`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    assert.throws(() => parseManifests(text, 'app/bomb.yaml'), refused('INVALID_MANIFEST', /YAML aliases/));
  });

  it('refuses deeply nested YAML with an error instead of crashing the process', () => {
    const text = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    assert.throws(
      () => parseManifests(text, 'app/deep.yaml'),
      refused('INVALID_MANIFEST', /app\/deep\.yaml: document 1: .*nested too deeply/),
    );
  });

  it('still names the line and column of an ordinary syntax error', () => {
    assert.throws(
      () => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n', 'app/bad.yaml'),
      refused('INVALID_MANIFEST', /app\/bad\.yaml: document 1: YAML syntax error at line \d+, column \d+/),
    );
  });
});

describe('render limits: symlink loops', () => {
  it('names a file symlinked to itself', async (t) => {
    const root = await repo(t);
    await symlink('loop.yaml', join(root, 'app', 'loop.yaml'));
    await assert.rejects(renderApp(root), refused('UNSAFE_INPUT', /"app\/loop\.yaml" is a symlink loop/));
  });

  it('names a loop of two symlinks', async (t) => {
    const root = await repo(t);
    await symlink('b.yaml', join(root, 'app', 'a.yaml'));
    await symlink('a.yaml', join(root, 'app', 'b.yaml'));
    await assert.rejects(renderApp(root), refused('UNSAFE_INPUT', /"app\/[ab]\.yaml" is a symlink loop/));
  });

  it('names a folder symlinked to itself, and an app path that is a loop', async (t) => {
    const root = await repo(t);
    await symlink('self', join(root, 'app', 'self'));
    await assert.rejects(renderApp(root), refused('UNSAFE_INPUT', /"app\/self" is a symlink loop/));
    await symlink('looped', join(root, 'looped'));
    await assert.rejects(
      confinedPath(root, 'looped/app'),
      refused('UNSAFE_INPUT', /"looped\/app" is a symlink loop/),
    );
  });

  it('names a symlink to nothing instead of failing with a raw ENOENT', async (t) => {
    const root = await repo(t);
    await symlink('missing.yaml', join(root, 'app', 'dangling.yaml'));
    await assert.rejects(
      renderApp(root),
      refused('RENDER_FAILED', /"app\/dangling\.yaml" is a symlink to a file that does not exist/),
    );
  });

  it('still follows a symlinked folder that points back up inside the checkout (walked once)', async (t) => {
    const root = await repo(t);
    await writeFile(join(root, 'app', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    await symlink('..', join(root, 'app', 'up'));
    const names = (await renderApp(root)).objects.map((o) => o.object.metadata.name);
    assert.deepEqual(names, ['a']);
  });
});

describe('render limits: encodings', () => {
  it('refuses invalid UTF-8 in a manifest, naming the file, the byte offset and the line', async (t) => {
    const root = await repo(t);
    const head = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: latin}\ndata:\n  city: "M');
    await writeFile(
      join(root, 'app', 'latin1.yaml'),
      Buffer.concat([head, Buffer.from([0xfc]), Buffer.from('nchen"\n')]),
    );
    await assert.rejects(
      renderApp(root),
      refused(
        'INVALID_MANIFEST',
        new RegExp(`app/latin1\\.yaml: not valid UTF-8: byte 0xfc at offset ${head.length} \\(line 5\\)`),
      ),
    );
  });

  it('decodes valid UTF-8 (multi-byte characters, a BOM) unchanged', () => {
    const text = 'data: {greeting: "grüße, 日本, 🚢"}\n';
    assert.equal(decodeManifestBytes(Buffer.from(`\ufeff${text}`), 'x.yaml'), text);
  });

  it('finds the first bad byte of overlong forms, surrogates, code points above U+10FFFF and truncated sequences', () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc0, 0x80], 1],
      [[0x61, 0x62, 0xed, 0xa0, 0x80], 2],
      [[0xf4, 0x90, 0x80, 0x80], 0],
      [[0x61, 0xe2, 0x82], 1],
      [[0xe0, 0x80, 0xaf], 0],
      [[0x80], 0],
    ];
    for (const [bytes, offset] of cases) {
      assert.equal(invalidUtf8Offset(Uint8Array.from(bytes)), offset, JSON.stringify(bytes));
      assert.throws(
        () => decodeManifestBytes(Uint8Array.from(bytes), 'x.yaml'),
        refused('INVALID_MANIFEST', new RegExp(`at offset ${offset} `)),
      );
    }
  });

  it('agrees with the WHATWG decoder on which random byte strings are valid UTF-8', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    let valid = 0;
    for (let i = 0; i < 5_000; i++) {
      // Mostly ASCII with some high bytes, so that both outcomes occur often.
      const bytes = Uint8Array.from(randomBytes(8), (b) => (b < 160 ? b & 0x7f : b));
      let decodes = true;
      try {
        fatal.decode(bytes);
      } catch {
        decodes = false;
      }
      if (decodes) valid++;
      assert.equal(invalidUtf8Offset(bytes) === undefined, decodes, Buffer.from(bytes).toString('hex'));
    }
    assert.ok(valid > 0 && valid < 5_000, `both outcomes were tried (${valid} valid)`);
  });
});
