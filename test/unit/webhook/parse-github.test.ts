import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { parseGiteaDelivery } from '../../../src/controller/webhook/gitea.js';
import { GITHUB_LISTED_COMMITS_CAP, parseGitHubDelivery } from '../../../src/controller/webhook/github.js';
import type { PushEvent, WebhookOutcome } from '../../../src/controller/webhook/types.js';
import { commitsTouching, payload } from './fixtures.js';

const ZERO = '0000000000000000000000000000000000000000';

function onlyEvent(outcome: WebhookOutcome): PushEvent {
  if (outcome.kind !== 'push') throw new Error(`expected a push, got ${outcome.kind}`);
  assert.equal(outcome.events.length, 1);
  return outcome.events[0] as PushEvent;
}

describe('parseGitHubDelivery', () => {
  it('turns a branch push into its clone URLs, branch, new commit and changed files', () => {
    assert.deepEqual(onlyEvent(parseGitHubDelivery('push', payload('github-push'))), {
      provider: 'github',
      repoURLs: [
        'https://github.com/Acme/config.git',
        'git@github.com:Acme/config.git',
        'https://github.com/Acme/config',
      ],
      branch: 'main',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      changedPaths: ['apps/api/configmap.yaml', 'apps/api/old-secret.yaml', 'apps/web/deployment.yaml'],
    });
  });

  it('answers a ping and ignores events that are not pushes', () => {
    assert.deepEqual(parseGitHubDelivery('ping', payload('github-ping')), { kind: 'ping' });
    const outcome = parseGitHubDelivery('pull_request', { action: 'opened' });
    assert.equal(outcome.kind, 'ignored');
  });

  it('gives a tag push as a tag without changed files', () => {
    const body = {
      ...payload('github-push'),
      ref: 'refs/tags/v1.2.0',
      created: true,
      before: ZERO,
      commits: [],
    };
    const event = onlyEvent(parseGitHubDelivery('push', body));
    assert.equal(event.tag, 'v1.2.0');
    assert.equal(event.branch, undefined);
    assert.equal(event.changedPaths, undefined);
  });

  it('ignores refs outside branches and tags', () => {
    const outcome = parseGitHubDelivery('push', { ...payload('github-push'), ref: 'refs/notes/commits' });
    assert.equal(outcome.kind, 'ignored');
  });

  const unknownFiles: [string, Record<string, unknown>][] = [
    ['a list that may be capped', { commits: commitsTouching('apps/web', GITHUB_LISTED_COMMITS_CAP) }],
    ['a force push', { forced: true }],
    ['a new branch', { created: true, before: ZERO }],
    ['a commit without file lists', { commits: [{ id: 'abc', message: 'x' }] }],
    [
      'commits that list no files (merges)',
      { commits: [{ id: 'abc', added: [], removed: [], modified: [] }] },
    ],
  ];
  for (const [what, change] of unknownFiles)
    it(`leaves the changed files unknown for ${what}`, () => {
      const event = onlyEvent(parseGitHubDelivery('push', { ...payload('github-push'), ...change }));
      assert.equal(event.changedPaths, undefined);
      assert.equal(event.branch, 'main');
    });

  it('keeps the changed files of 19 listed commits', () => {
    const body = {
      ...payload('github-push'),
      commits: commitsTouching('apps/web', GITHUB_LISTED_COMMITS_CAP - 1),
    };
    assert.equal(
      onlyEvent(parseGitHubDelivery('push', body)).changedPaths?.length,
      GITHUB_LISTED_COMMITS_CAP - 1,
    );
  });

  it('gives a deleted branch without a new commit', () => {
    const body = { ...payload('github-push'), deleted: true, after: ZERO, commits: [] };
    const event = onlyEvent(parseGitHubDelivery('push', body));
    assert.equal(event.after, undefined);
    assert.equal(event.branch, 'main');
  });

  const unreadable: [string, unknown, RegExp][] = [
    ['a list', [], /the payload is not an object/],
    ['no repository', { ref: 'refs/heads/main' }, /repository is not an object/],
    ['a repository without URLs', { ref: 'refs/heads/main', repository: { name: 'x' } }, /no clone_url/],
    ['no ref', { repository: { clone_url: 'https://github.com/a/b.git' } }, /ref is missing/],
  ];
  for (const [what, body, message] of unreadable)
    it(`refuses a push payload with ${what}`, () => {
      assert.throws(
        () => parseGitHubDelivery('push', body),
        (error: unknown) =>
          error instanceof MooringError && error.code === 'INVALID_ARGUMENT' && message.test(error.message),
      );
    });
});

describe('parseGiteaDelivery', () => {
  it('turns a Gitea push into its URLs (ssh with a port), branch and changed files', () => {
    assert.deepEqual(onlyEvent(parseGiteaDelivery('push', payload('gitea-push'))), {
      provider: 'gitea',
      repoURLs: [
        'https://git.example.com/ops/deploy.git',
        'ssh://git@git.example.com:2222/ops/deploy.git',
        'https://git.example.com/ops/deploy',
      ],
      branch: 'develop',
      after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
      changedPaths: ['overlays/prod/patch-memory.yaml'],
    });
  });

  it('leaves the changed files unknown when total_commits says the list was capped', () => {
    const body = { ...payload('gitea-push'), total_commits: 12 };
    assert.equal(onlyEvent(parseGiteaDelivery('push', body)).changedPaths, undefined);
  });

  it('ignores events that are not pushes', () => {
    assert.equal(parseGiteaDelivery('create', payload('gitea-push')).kind, 'ignored');
  });
});
