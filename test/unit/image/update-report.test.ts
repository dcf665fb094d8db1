import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import { parseImageUpdateAutomation } from '../../../src/crd/imageupdateautomation.js';
import type { AutomationOutcome } from '../../../src/image/update/automation.js';
import type { FileChange } from '../../../src/image/update/message.js';
import { imageUpdateReport } from '../../../src/image/update/report.js';

const REPO = 'https://bot@git.example/org/config.git';
const COMMIT = 'c'.repeat(40);

const automation = parseImageUpdateAutomation({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'ImageUpdateAutomation',
  metadata: { name: 'bump', namespace: 'apps' },
  spec: {
    sourceRef: { url: REPO, branch: 'main' },
    update: { paths: ['apps'] },
    git: { author: { name: 'Bot', email: 'bot@example.test' } },
  },
});

function app(name: string, path: string, extra: { branch?: string; repoURL?: string } = {}): Application {
  return parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'apps', labels: { team: name } },
    spec: {
      // Written differently from the automation's URL: same repository all the same.
      source: {
        repoURL: extra.repoURL ?? 'https://bot@GIT.example/org/config',
        ref: { branch: extra.branch ?? 'main' },
        path,
      },
      destination: { namespace: name },
    },
  });
}

function change(path: string, before: string, after: string, line = 7): FileChange {
  return { path, line, policy: 'apps/web', field: 'spec.template.spec.containers.0.image', before, after };
}

const APPS = [
  app('web', './apps/web/'),
  app('api', 'apps/api'),
  app('other-branch', 'apps/web', { branch: 'staging' }),
  app('other-repo', 'apps/web', { repoURL: 'https://git.example/org/else.git' }),
  app('everything', '.'),
];

describe('imageUpdateReport', () => {
  it('names the apps that deploy each changed file, the commit, and no credentials', () => {
    const outcome: AutomationOutcome = {
      kind: 'pushed',
      commit: COMMIT,
      branch: 'main',
      changes: [
        change('apps/web/deployment.yaml', 'reg/web:1.0.0', 'reg/web:1.1.0'),
        change('apps/web/deployment.yaml', 'reg/web:1.0.0', 'reg/web:1.1.0', 30),
      ],
      held: [],
      observed: [],
    };
    const report = imageUpdateReport(automation, outcome, APPS);
    assert.equal(report.automation, 'apps/bump');
    assert.equal(report.repository, 'https://git.example/org/config.git');
    assert.ok(!JSON.stringify(report).includes('bot@'), 'no user info anywhere in the report');
    assert.deepEqual([report.commit, report.pushedTo], [COMMIT, 'main']);
    assert.deepEqual(
      report.updated.map((u) => [u.app.name, u.images.map((i) => `${i.before}>${i.after}`)]),
      [
        ['web', ['reg/web:1.0.0>reg/web:1.1.0']],
        ['everything', ['reg/web:1.0.0>reg/web:1.1.0']],
      ],
    );
    assert.deepEqual(report.updated[0]?.app.labels, { team: 'web' });
    assert.deepEqual(
      report.covered.map((a) => a.name),
      ['web', 'api', 'everything'],
    );
    assert.deepEqual(report.held, []);
  });

  it('lists a held app with its reason and the images held back, and not as updated', () => {
    const outcome: AutomationOutcome = {
      kind: 'pushed',
      commit: COMMIT,
      branch: 'main',
      changes: [change('apps/api/deployment.yaml', 'reg/api:2.0.0', 'reg/api:2.1.0')],
      held: [{ app: 'apps/web', path: 'apps/web', reason: 'held by rollback of app apps/web (pinned)' }],
      heldChanges: [change('apps/web/deployment.yaml', 'reg/web:1.0.0', 'reg/web:1.2.0')],
      observed: [],
    };
    const report = imageUpdateReport(automation, outcome, APPS);
    assert.deepEqual(
      report.held.map((h) => [h.app.name, h.reason, h.images.map((i) => i.after)]),
      [['web', 'held by rollback of app apps/web (pinned)', ['reg/web:1.2.0']]],
    );
    assert.deepEqual(
      report.updated.map((u) => u.app.name),
      ['api', 'everything'],
    );
  });

  it('a run with nothing to commit reports its holds and no update; a failed run reports neither', () => {
    const held: AutomationOutcome = {
      kind: 'unchanged',
      held: [{ app: 'apps/web', path: 'apps/web', reason: 'held by rollback of app apps/web (x)' }],
      heldChanges: [change('apps/web/deployment.yaml', 'reg/web:1.0.0', 'reg/web:1.2.0')],
      observed: [],
    };
    const report = imageUpdateReport(automation, held, APPS);
    assert.equal(report.outcome, 'unchanged');
    assert.equal(report.commit, undefined);
    assert.deepEqual(report.updated, []);
    assert.deepEqual(
      report.held.map((h) => h.app.name),
      ['web'],
    );
    const failed = imageUpdateReport(automation, { kind: 'failed', message: 'push refused' }, APPS);
    assert.deepEqual([failed.outcome, failed.updated, failed.held], ['failed', [], []]);
  });

  it('a pull request run names the pull request', () => {
    const outcome: AutomationOutcome = {
      kind: 'pushed',
      commit: COMMIT,
      branch: 'mooring/image-updates/bump',
      changes: [change('apps/web/deployment.yaml', 'reg/web:1.0.0', 'reg/web:1.1.0')],
      held: [],
      observed: [],
      pullRequest: { url: 'https://git.example/org/config/pull/7', number: 7, action: 'opened' },
    };
    const report = imageUpdateReport(automation, outcome, APPS);
    assert.deepEqual(report.pullRequest, { url: 'https://git.example/org/config/pull/7', number: 7 });
    assert.equal(report.pushedTo, 'mooring/image-updates/bump');
  });
});
