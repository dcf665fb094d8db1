import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import type { ChosenImage } from '../../../src/image/update/edit.js';
import { editImages } from '../../../src/image/update/edit.js';
import { parseMarker } from '../../../src/image/update/markers.js';

const WEB: ChosenImage = { image: 'registry.local/web:1.2.0', name: 'registry.local/web', tag: '1.2.0' };
const PINNED: ChosenImage = {
  image: `registry.local/api:2.0.0@sha256:${'a'.repeat(64)}`,
  name: 'registry.local/api',
  tag: '2.0.0',
  digest: `sha256:${'a'.repeat(64)}`,
};
const IMAGES = new Map([
  ['apps/web', WEB],
  ['apps/api', PINNED],
]);

describe('parseMarker', () => {
  it("reads Flux's setter forms", () => {
    assert.deepEqual(parseMarker(' {"$imagepolicy": "apps:web"}', 'x'), {
      namespace: 'apps',
      policy: 'web',
      field: 'image',
    });
    assert.deepEqual(parseMarker(' {"$imagepolicy": "apps:web:tag"}', 'x'), {
      namespace: 'apps',
      policy: 'web',
      field: 'tag',
    });
    assert.equal((parseMarker(' {"$imagepolicy": "apps:web:name"}', 'x') as { field: string }).field, 'name');
    assert.equal(
      (parseMarker(' {"$imagepolicy": "apps:web:digest"}', 'x') as { field: string }).field,
      'digest',
    );
  });

  it("reads Mooring's form, with the automation's namespace as default", () => {
    assert.deepEqual(parseMarker(' mooring:image apps/web', 'x'), {
      namespace: 'apps',
      policy: 'web',
      field: 'image',
    });
    assert.deepEqual(parseMarker(' mooring:image web:tag', 'ops'), {
      namespace: 'ops',
      policy: 'web',
      field: 'tag',
    });
  });

  it('ignores ordinary comments and reports malformed markers', () => {
    assert.equal(parseMarker(' the web image', 'x'), undefined);
    assert.ok('invalid' in (parseMarker(' {"$imagepolicy": "apps:web:size"}', 'x') ?? {}));
    assert.ok('invalid' in (parseMarker(' {"$imagepolicy": "web"}', 'x') ?? {}));
    assert.ok('invalid' in (parseMarker(' mooring:image apps/../etc', 'x') ?? {}));
  });
});

describe('editImages', () => {
  it('changes only the marked value and keeps every other byte', () => {
    const source = `# the web app
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}   # flow style kept
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.local/web:1.0.0 # {"$imagepolicy": "apps:web"}
          args: ["--port", '8080']
        - name: sidecar
          image: registry.local/web:1.0.0   # not marked
`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(result.content, source.replace('web:1.0.0 #', 'web:1.2.0 #'));
    assert.deepEqual(result.changes, [
      {
        line: 10,
        policy: 'apps/web',
        field: 'spec.template.spec.containers.0.image',
        before: 'registry.local/web:1.0.0',
        after: 'registry.local/web:1.2.0',
      },
    ]);
    assert.deepEqual(result.problems, []);
  });

  it("sets tag, name and digest parts with Flux's suffixes, keeping each value's quoting", () => {
    const source = `image:
  repository: "old/name" # {"$imagepolicy": "apps:api:name"}
  tag: '1.0' # {"$imagepolicy": "apps:api:tag"}
  digest: "" # {"$imagepolicy": "apps:api:digest"}
`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(
      result.content,
      `image:
  repository: "registry.local/api" # {"$imagepolicy": "apps:api:name"}
  tag: '2.0.0' # {"$imagepolicy": "apps:api:tag"}
  digest: "${PINNED.digest}" # {"$imagepolicy": "apps:api:digest"}
`,
    );
    assert.equal(result.changes.length, 3);
  });

  it('quotes a plain value that would otherwise read back as a number', () => {
    const result = editImages(
      'tag: v1 # mooring:image apps/web:tag\n',
      new Map([['apps/web', { ...WEB, tag: '1.10' }]]),
      'x',
    );
    assert.equal(result.content, 'tag: "1.10" # mooring:image apps/web:tag\n');
    assert.deepEqual(parse(result.content), { tag: '1.10' });
  });

  it('edits every document of a multi-document file', () => {
    const source = `a: registry.local/web:1 # mooring:image apps/web
---
# second
b: registry.local/api:1 # mooring:image apps/api
---
c: untouched
`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(
      result.content,
      `a: registry.local/web:1.2.0 # mooring:image apps/web
---
# second
b: ${PINNED.image} # mooring:image apps/api
---
c: untouched
`,
    );
    assert.deepEqual(
      result.changes.map((c) => c.line),
      [1, 4],
    );
  });

  it('updates a Kustomize images entry: newTag, digest and newName, adding the missing keys', () => {
    const source = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
  - name: api # {"$imagepolicy": "apps:api"}
    newTag: 1.0.0
  - name: registry.local/web # mooring:image apps/web
    newTag: "1.0.0"
    digest: sha256:${'b'.repeat(64)}
`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(
      result.content,
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
  - name: api # {"$imagepolicy": "apps:api"}
    newTag: 2.0.0
    newName: registry.local/api
    digest: ${PINNED.digest}
  - name: registry.local/web # mooring:image apps/web
    newTag: "1.2.0"
`,
    );
    const kustomization = parse(result.content) as { images: Record<string, string>[] };
    assert.deepEqual(kustomization.images[0], {
      name: 'api',
      newTag: '2.0.0',
      newName: 'registry.local/api',
      digest: PINNED.digest,
    });
    assert.deepEqual(kustomization.images[1], { name: 'registry.local/web', newTag: '1.2.0' });
  });

  it('updates a Helm values image mapping marked on its key', () => {
    const source = `replicas: 2
image: # mooring:image apps/web
  repository: old.registry/web
  tag: 1.0.0
  pullPolicy: IfNotPresent
api:
  image: # mooring:image apps/api
    repository: registry.local/api
    tag: 1.0.0
`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(
      result.content,
      `replicas: 2
image: # mooring:image apps/web
  repository: registry.local/web
  tag: 1.2.0
  pullPolicy: IfNotPresent
api:
  image: # mooring:image apps/api
    repository: registry.local/api
    tag: 2.0.0@${PINNED.digest}
`,
    );
  });

  it('is idempotent: a file already carrying the images has no changes', () => {
    const source = `image: registry.local/web:1.2.0 # mooring:image apps/web\ntag: 1.2.0 # mooring:image apps/web:tag\n`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(result.content, source);
    assert.deepEqual(result.changes, []);
  });

  it('leaves a file that does not parse untouched and says why', () => {
    const source = `image: registry.local/web:1.0.0 # mooring:image apps/web\n  bad: [\n`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(result.content, source);
    assert.deepEqual(result.changes, []);
    assert.match(result.problems[0] ?? '', /does not parse as YAML/);
  });

  it('reports markers naming policies without a chosen image, and malformed markers, changing nothing', () => {
    const source = `a: x:1 # mooring:image apps/unknown\nb: y:1 # {"$imagepolicy": "apps"}\n`;
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(result.content, source);
    assert.deepEqual(result.unresolved, ['apps/unknown']);
    assert.equal(result.problems.length, 1);
  });

  it('keeps CRLF line endings', () => {
    const source = 'images:\r\n  - name: web # mooring:image apps/web\r\n    newTag: 1.0.0\r\n';
    const result = editImages(source, IMAGES, 'apps');
    assert.equal(
      result.content,
      'images:\r\n  - name: web # mooring:image apps/web\r\n    newTag: 1.2.0\r\n    newName: registry.local/web\r\n',
    );
  });
});
