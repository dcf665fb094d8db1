import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { parseGitLabDelivery } from '../../../src/controller/webhook/gitlab.js';
import type { PushEvent, WebhookOutcome } from '../../../src/controller/webhook/types.js';
import { payload } from './fixtures.js';

function onlyEvent(outcome: WebhookOutcome): PushEvent {
  if (outcome.kind !== 'push') throw new Error(`expected a push, got ${outcome.kind}`);
  assert.equal(outcome.events.length, 1);
  return outcome.events[0] as PushEvent;
}

describe('parseGitLabDelivery', () => {
  it('turns a Push Hook into the project URLs, branch, checkout commit and changed files', () => {
    assert.deepEqual(onlyEvent(parseGitLabDelivery('Push Hook', payload('gitlab-push'))), {
      provider: 'gitlab',
      repoURLs: [
        'https://gitlab.example.com/platform/config.git',
        'git@gitlab.example.com:platform/config.git',
        'https://gitlab.example.com/platform/config',
      ],
      branch: 'main',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      changedPaths: [
        'apps/guestbook/Chart.yaml',
        'apps/guestbook/values-prod.yaml',
        'apps/redis/statefulset.yaml',
      ],
    });
  });

  it('turns a Tag Push Hook into a tag without changed files', () => {
    const event = onlyEvent(parseGitLabDelivery('Tag Push Hook', payload('gitlab-tag-push')));
    assert.equal(event.tag, 'v1.4.0');
    assert.equal(event.after, '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7');
    assert.equal(event.changedPaths, undefined);
  });

  it('accepts a push delivered by a System Hook', () => {
    const event = onlyEvent(parseGitLabDelivery('System Hook', payload('gitlab-push')));
    assert.equal(event.branch, 'main');
  });

  it('ignores other hooks, including system hooks about other events', () => {
    assert.equal(parseGitLabDelivery('Merge Request Hook', payload('gitlab-push')).kind, 'ignored');
    const other = { ...payload('gitlab-push'), event_name: 'project_create' };
    assert.equal(parseGitLabDelivery('System Hook', other).kind, 'ignored');
  });

  it('leaves the changed files unknown when GitLab listed only the newest 20 of more commits', () => {
    const body = { ...payload('gitlab-push'), total_commits_count: 45 };
    assert.equal(onlyEvent(parseGitLabDelivery('Push Hook', body)).changedPaths, undefined);
  });

  it('leaves the changed files unknown for a new branch', () => {
    const body = { ...payload('gitlab-push'), before: '0000000000000000000000000000000000000000' };
    assert.equal(onlyEvent(parseGitLabDelivery('Push Hook', body)).changedPaths, undefined);
  });

  it('gives a deleted branch without a new commit', () => {
    const body = {
      ...payload('gitlab-push'),
      after: '0000000000000000000000000000000000000000',
      checkout_sha: null,
      commits: [],
    };
    const event = onlyEvent(parseGitLabDelivery('Push Hook', body));
    assert.equal(event.after, undefined);
    assert.equal(event.changedPaths, undefined);
  });

  it('falls back to the repository URLs of older payloads', () => {
    const { project: _project, ...body } = payload('gitlab-push');
    const event = onlyEvent(parseGitLabDelivery('Push Hook', body));
    assert.deepEqual(event.repoURLs, [
      'https://gitlab.example.com/platform/config.git',
      'git@gitlab.example.com:platform/config.git',
      'https://gitlab.example.com/platform/config',
    ]);
  });

  it('refuses a push that names no repository URL', () => {
    const { project: _project, repository: _repository, ...body } = payload('gitlab-push');
    assert.throws(
      () => parseGitLabDelivery('Push Hook', body),
      (error: unknown) => error instanceof MooringError && error.message.includes('git_http_url'),
    );
  });
});
