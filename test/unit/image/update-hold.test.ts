import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import { ROLLBACK_ANNOTATION, UNPIN_ANNOTATION } from '../../../src/app/protocol.js';
import { holdOf, rollbackHolds, sameRepository } from '../../../src/image/update/hold.js';
import { appsOf } from '../../../src/image/update/loop.js';
import { commitMessage } from '../../../src/image/update/message.js';

const SOURCE = { url: 'https://git.example/org/config.git', branch: 'main' };
const OLD = 'a'.repeat(40);

function app(
  name: string,
  options: {
    path?: string;
    repoURL?: string;
    branch?: string;
    status?: unknown;
    annotations?: Record<string, string>;
  } = {},
): Application {
  const parsed = parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'apps', annotations: options.annotations ?? {} },
    spec: {
      source: {
        repoURL: options.repoURL ?? SOURCE.url,
        ref: { branch: options.branch ?? 'main' },
        path: options.path ?? `apps/${name}`,
      },
      destination: { namespace: name },
    },
  });
  return options.status === undefined
    ? parsed
    : { ...parsed, status: options.status as NonNullable<Application['status']> };
}

describe('rollbackHolds', () => {
  it('holds a pinned app, naming it and the pinned commit', () => {
    const holds = rollbackHolds(SOURCE, [
      app('web', { status: { sync: { status: 'Synced', pinnedRevision: OLD } } }),
    ]);
    assert.deepEqual(holds, [
      {
        app: 'apps/web',
        path: 'apps/web',
        reason: `held by rollback of app apps/web (pinned to ${OLD.slice(0, 12)})`,
      },
    ]);
  });

  it('holds an app from its rollback request on, before the revert lands', () => {
    const requested = { annotations: { [ROLLBACK_ANNOTATION]: 'previous@2026-12-01T01:00:00.000Z' } };
    assert.match(
      rollbackHolds(SOURCE, [app('web', requested)])[0]?.reason ?? '',
      /rollback to previous requested/,
    );
  });

  it('holds an app whose rollback pushed a revert, until a later mooring unpin', () => {
    const reverted = {
      status: { rolledBackRevision: OLD },
      annotations: { [ROLLBACK_ANNOTATION]: 'previous@2026-12-01T01:00:00.000Z' },
    };
    assert.match(rollbackHolds(SOURCE, [app('web', reverted)])[0]?.reason ?? '', /reverted from aaaaaaa/);
    const unpinnedBefore = {
      ...reverted,
      annotations: { ...reverted.annotations, [UNPIN_ANNOTATION]: '2026-12-01T00:00:00.000Z' },
    };
    assert.equal(rollbackHolds(SOURCE, [app('web', unpinnedBefore)]).length, 1);
    const unpinnedAfter = {
      ...reverted,
      annotations: { ...reverted.annotations, [UNPIN_ANNOTATION]: '2026-12-01T02:00:00.000Z' },
    };
    assert.deepEqual(rollbackHolds(SOURCE, [app('web', unpinnedAfter)]), []);
  });

  it('ignores apps that are not held or deploy from another repository or branch', () => {
    const pinned = { status: { sync: { status: 'Synced', pinnedRevision: OLD } } };
    assert.deepEqual(
      rollbackHolds(SOURCE, [
        app('free', { status: { sync: { status: 'Synced' } } }),
        app('other-repo', { ...pinned, repoURL: 'https://git.example/org/other.git' }),
        app('other-branch', { ...pinned, branch: 'staging' }),
      ]),
      [],
    );
    assert.equal(
      rollbackHolds(SOURCE, [app('same', { ...pinned, repoURL: 'https://GIT.example/org/config/' })]).length,
      1,
    );
  });

  it('covers the files under the held app folder only', () => {
    const holds = rollbackHolds(SOURCE, [
      app('web', { path: './apps/web/', status: { sync: { status: 'Synced', pinnedRevision: OLD } } }),
    ]);
    assert.equal(holdOf('apps/web/deployment.yaml', holds)?.app, 'apps/web');
    assert.equal(holdOf('apps/web', holds)?.app, 'apps/web');
    assert.equal(holdOf('apps/webshop/deployment.yaml', holds), undefined);
    assert.equal(holdOf('apps/api/deployment.yaml', holds), undefined);
    const whole = rollbackHolds(SOURCE, [
      app('all', { path: '', status: { sync: { status: 'Synced', pinnedRevision: OLD } } }),
    ]);
    assert.equal(holdOf('anything.yaml', whole)?.app, 'apps/all');
  });

  it('compares repository URLs without case of host, .git or trailing slash', () => {
    assert.ok(sameRepository('https://Git.Example/org/config.git', 'https://git.example/org/config/'));
    assert.ok(!sameRepository('https://git.example/Org/config', 'https://git.example/org/config'));
  });
});

describe('appsOf', () => {
  it('names the apps deploying from the pushed repository and branch, to refresh them at once', () => {
    const apps = [
      app('web'),
      app('api', { repoURL: 'https://git.example/org/config' }),
      app('other', { repoURL: 'https://git.example/org/other.git' }),
      app('staging', { branch: 'staging' }),
    ];
    assert.deepEqual(appsOf(apps, SOURCE.url, 'main'), ['apps/web', 'apps/api']);
  });
});

describe('commitMessage', () => {
  const changes = [
    {
      path: 'apps/web/deployment.yaml',
      line: 10,
      field: 'spec.image',
      policy: 'apps/web',
      before: 'r/web:1.0.0',
      after: 'r/web:1.1.0',
    },
    {
      path: 'apps/web/values.yaml',
      line: 3,
      field: 'image.tag',
      policy: 'apps/web',
      before: '1.0.0',
      after: '1.1.0',
    },
  ];

  it('fills the default-shaped template and ends with the trailer', () => {
    const message = commitMessage(
      'Update images of {{automation}} ({{count}})\n\n{{images}}\n\n{{changes}}',
      '[skip ci]',
      'apps/bot',
      changes,
    );
    assert.equal(
      message,
      `Update images of apps/bot (2)

- r/web:1.0.0 → r/web:1.1.0 (apps/web)
- 1.0.0 → 1.1.0 (apps/web)

- apps/web/deployment.yaml:10 spec.image: r/web:1.0.0 → r/web:1.1.0 (apps/web)
- apps/web/values.yaml:3 image.tag: 1.0.0 → 1.1.0 (apps/web)

[skip ci]
`,
    );
  });

  it('leaves the trailer out when it is empty', () => {
    assert.equal(commitMessage('Bump {{count}}', '', 'apps/bot', changes), 'Bump 2\n');
  });
});
