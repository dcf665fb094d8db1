import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { assertUniqueObjects, parseManifests } from '../../../src/render/parse.js';

function names(text: string): string[] {
  return parseManifests(text, 'app/x.yaml').map(({ object }) => `${object.kind}/${object.metadata.name}`);
}

function rejection(text: string): MooringError {
  try {
    parseManifests(text, 'apps/web/deploy.yaml');
  } catch (error) {
    assert.ok(error instanceof MooringError);
    return error;
  }
  assert.fail('expected parseManifests to throw');
}

describe('parseManifests', () => {
  it('reads several documents, skipping empty ones and comments-only ones, with their lines', () => {
    const text =
      '---\n# only a comment\n---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n---\n\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n';
    const objects = parseManifests(text, 'app/x.yaml');
    assert.deepEqual(
      objects.map(({ object, origin }) => [object.kind, origin]),
      [
        ['A', { file: 'app/x.yaml', document: 2, line: 4 }],
        ['B', { file: 'app/x.yaml', document: 4, line: 10 }],
      ],
    );
  });

  it('reads JSON', () => {
    assert.deepEqual(names('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}'), [
      'ConfigMap/j',
    ]);
  });

  it('expands a List and *List kinds, with the line of each item', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n- apiVersion: v1\n  kind: B\n  metadata: {name: b}\n';
    const objects = parseManifests(text, 'l.yaml');
    assert.deepEqual(
      objects.map(({ origin }) => origin?.line),
      [4, 7],
    );
    assert.deepEqual(
      names(
        'apiVersion: v1\nkind: ConfigMapList\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]\n',
      ),
      ['ConfigMap/c'],
    );
  });

  it('keeps a named object whose kind merely ends in List', () => {
    assert.deepEqual(
      names('apiVersion: x.io/v1\nkind: AllowList\nmetadata: {name: allow}\nitems: [a, b]\n'),
      ['AllowList/allow'],
    );
  });

  it('reads values the way Kubernetes does: yes is true, merge keys merge, times stay strings', () => {
    const [rendered] = parseManifests(
      'apiVersion: v1\nkind: X\nmetadata: {name: x}\nbase: &b {a: 1}\nspec: {<<: *b, enabled: yes, at: 12:30, day: 2024-01-02}\n',
      'x.yaml',
    );
    assert.deepEqual(rendered?.object.spec, { a: 1, enabled: true, at: '12:30', day: '2024-01-02' });
  });

  it('names the file, document and line of a YAML syntax error', () => {
    const error = rejection(
      'apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\nkind: B\ndata:\n  key: [unclosed\n',
    );
    assert.equal(error.code, 'INVALID_MANIFEST');
    assert.equal(error.step, 'render');
    assert.match(
      error.message,
      /^apps\/web\/deploy\.yaml: document 2: YAML syntax error at line 8, column 1: Flow sequence/,
    );
    assert.ok(error.hint !== undefined && error.hint.length > 0);
  });

  it('says what is missing, where', () => {
    assert.match(
      rejection('kind: A\nmetadata: {name: a}\n').message,
      /^apps\/web\/deploy\.yaml document 1 \(line 1\): has no apiVersion$/,
    );
    assert.match(
      rejection('---\n---\napiVersion: v1\nmetadata: {name: a}\n').message,
      /document 2 \(line 3\): has no kind/,
    );
    assert.match(rejection('apiVersion: v1\nkind: A\n').message, /A has no metadata mapping/);
    assert.match(
      rejection('apiVersion: v1\nkind: A\nmetadata: {labels: {}}\n').message,
      /A has no metadata\.name/,
    );
    assert.match(
      rejection('apiVersion: 1\nkind: A\nmetadata: {name: a}\n').message,
      /apiVersion that is not a string/,
    );
    assert.match(rejection('- a\n- b\n').message, /is a sequence, not a mapping/);
    assert.match(rejection('just text\n').message, /is a string, not a mapping/);
    assert.match(
      rejection(
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n- kind: B\n',
      ).message,
      /document 1 \(line 7\), List item 2: has no apiVersion/,
    );
  });

  it('refuses generateName on an object that is not a hook and says why', () => {
    const error = rejection('apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}\n');
    assert.match(error.message, /Job uses metadata\.generateName but is not a hook: only hooks/);
    assert.match(error.message, /needs a fixed metadata\.name to be tracked, compared and pruned/);
  });

  it('accepts generateName on Argo CD, Helm and Mooring hooks, with a stand-in name no live object has', () => {
    const hooks = [
      'argocd.argoproj.io/hook: PreSync',
      'helm.sh/hook: pre-install',
      'mooring.dev/hook: PostSync',
    ]
      .map(
        (annotation, i) =>
          `apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: job${i}-\n  annotations: {${annotation}}\n`,
      )
      .join('---\n');
    assert.deepEqual(names(hooks), ['Job/job0-*', 'Job/job1-*', 'Job/job2-*']);
    assert.equal(parseManifests(hooks, 'a.yaml')[0]?.object.metadata.generateName, 'job0-');
  });

  it('keeps the given name when an object has both name and generateName (the API server ignores generateName)', () => {
    assert.deepEqual(
      names('apiVersion: batch/v1\nkind: Job\nmetadata: {name: fixed, generateName: migrate-}\n'),
      ['Job/fixed'],
    );
  });

  it('refuses duplicate keys', () => {
    assert.match(
      rejection('apiVersion: v1\nkind: A\nkind: B\nmetadata: {name: a}\n').message,
      /YAML syntax error at line 3/,
    );
  });
});

describe('assertUniqueObjects', () => {
  it('refuses the same group, kind, namespace and name twice, naming both origins', () => {
    const first = parseManifests(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n',
      'one.yaml',
    );
    const second = parseManifests(
      '---\napiVersion: apps/v2\nkind: Deployment\nmetadata: {name: web, namespace: a}\n',
      'two.yaml',
    );
    assert.throws(
      () => {
        assertUniqueObjects([...first, ...second]);
      },
      (error: unknown) => {
        assert.ok(error instanceof MooringError);
        assert.equal(error.code, 'INVALID_MANIFEST');
        assert.equal(error.subject, 'Deployment/a/web');
        assert.match(
          error.message,
          /one\.yaml document 1 \(line 1\) and again in two\.yaml document 1 \(line 2\)/,
        );
        return true;
      },
    );
  });

  it('accepts the same name in another namespace, group or kind', () => {
    const objects = parseManifests(
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: a}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: b}',
        'apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: a}',
        'apiVersion: x.io/v1\nkind: ConfigMap\nmetadata: {name: web, namespace: a}',
      ].join('\n---\n'),
      'x.yaml',
    );
    assert.doesNotThrow(() => {
      assertUniqueObjects(objects);
    });
  });
});
