import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { parseBitbucketDelivery } from '../../../src/controller/webhook/bitbucket.js';
import { parseGenericDelivery } from '../../../src/controller/webhook/generic.js';
import type { PushEvent, WebhookOutcome } from '../../../src/controller/webhook/types.js';
import { payload } from './fixtures.js';

function events(outcome: WebhookOutcome): PushEvent[] {
  if (outcome.kind !== 'push') throw new Error(`expected a push, got ${outcome.kind}`);
  return outcome.events;
}

function isInvalid(message: RegExp): (error: unknown) => boolean {
  return (error) =>
    error instanceof MooringError && error.code === 'INVALID_ARGUMENT' && message.test(error.message);
}

describe('parseBitbucketDelivery', () => {
  const repoURLs = ['https://bitbucket.org/acme-team/config.git', 'https://bitbucket.org/acme-team/config'];

  it('turns every change of a push into its own event, without changed files', () => {
    assert.deepEqual(events(parseBitbucketDelivery('repo:push', payload('bitbucket-push'))), [
      { provider: 'bitbucket', repoURLs, branch: 'main', after: '8f5952f4dcffd7b311181d48eb0394b0cca21410' },
      { provider: 'bitbucket', repoURLs, tag: 'v2.0.1', after: '8f5952f4dcffd7b311181d48eb0394b0cca21410' },
      { provider: 'bitbucket', repoURLs, branch: 'feature/old' },
    ]);
  });

  it('answers the diagnostics ping and ignores other event keys', () => {
    assert.deepEqual(parseBitbucketDelivery('diagnostics:ping', {}), { kind: 'ping' });
    assert.equal(parseBitbucketDelivery('pullrequest:created', {}).kind, 'ignored');
  });

  it('refuses a push without push.changes', () => {
    const body = { ...payload('bitbucket-push'), push: {} };
    assert.throws(() => parseBitbucketDelivery('repo:push', body), isInvalid(/push\.changes/));
  });
});

describe('parseGenericDelivery', () => {
  it('turns a branch body into an event with its paths and revision', () => {
    const body = {
      repoURL: 'https://git.example.com/org/config.git',
      branch: 'main',
      paths: ['apps/web/values.yaml', '', 'apps/web/values.yaml', 'apps/api/x.yaml'],
      revision: '1c0e2bd7a2ef3c0f2f3fcd55e4b01f53c5ad57e6',
    };
    assert.deepEqual(events(parseGenericDelivery(body)), [
      {
        provider: 'generic',
        repoURLs: ['https://git.example.com/org/config.git'],
        branch: 'main',
        after: '1c0e2bd7a2ef3c0f2f3fcd55e4b01f53c5ad57e6',
        changedPaths: ['apps/api/x.yaml', 'apps/web/values.yaml'],
      },
    ]);
  });

  it('turns a tag body into a tag event, ignoring paths', () => {
    const [event] = events(parseGenericDelivery({ repoURL: 'git@h:o/r.git', tag: 'v1', paths: ['a'] }));
    assert.deepEqual(event, { provider: 'generic', repoURLs: ['git@h:o/r.git'], tag: 'v1' });
  });

  it('treats an empty paths list as unknown', () => {
    const [event] = events(parseGenericDelivery({ repoURL: 'git@h:o/r.git', branch: 'main', paths: [] }));
    assert.equal(event?.changedPaths, undefined);
  });

  const refused: [string, unknown, RegExp][] = [
    ['no repoURL', { branch: 'main' }, /repoURL/],
    [
      'both branch and tag',
      { repoURL: 'git@h:o/r', branch: 'main', tag: 'v1' },
      /exactly one of branch and tag/,
    ],
    ['neither branch nor tag', { repoURL: 'git@h:o/r' }, /exactly one of branch and tag/],
    ['a branch that is not a string', { repoURL: 'git@h:o/r', branch: 7 }, /branch must be/],
    ['paths that are not strings', { repoURL: 'git@h:o/r', branch: 'main', paths: [1] }, /paths must be/],
  ];
  for (const [what, body, message] of refused)
    it(`refuses a body with ${what}`, () => {
      assert.throws(() => parseGenericDelivery(body), isInvalid(message));
    });
});
