import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { appsToRefresh, normalizeAppPath } from '../../../src/controller/webhook/match.js';
import type { PushEvent, WebhookApp } from '../../../src/controller/webhook/types.js';

const repo = 'https://github.com/Acme/config.git';

const apps: WebhookApp[] = [
  { key: 'web', repoURL: 'git@github.com:acme/config.git', ref: { branch: 'main' }, path: 'apps/web' },
  { key: 'webshop', repoURL: repo, ref: { branch: 'main' }, path: 'apps/webshop' },
  { key: 'root', repoURL: repo, ref: { branch: 'main' }, path: '' },
  { key: 'dot-root', repoURL: repo, ref: { branch: 'main' }, path: './' },
  { key: 'staging', repoURL: repo, ref: { branch: 'staging' }, path: 'apps/web' },
  { key: 'pinned-tag', repoURL: repo, ref: { tag: 'v1.0.0' }, path: 'apps/web' },
  { key: 'semver', repoURL: repo, ref: { semver: '^1' }, path: 'apps/web' },
  {
    key: 'commit',
    repoURL: repo,
    ref: { commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c' },
    path: 'apps/web',
  },
  { key: 'other-repo', repoURL: 'https://github.com/Acme/other.git', ref: { branch: 'main' }, path: '' },
  {
    key: 'api-with-base',
    repoURL: repo,
    ref: { branch: 'main' },
    path: 'apps/api/overlays/prod',
    extraPaths: ['apps/api/base/'],
  },
];

function push(change: Partial<PushEvent>): PushEvent {
  return { provider: 'github', repoURLs: [repo, 'https://github.com/Acme/config'], ...change };
}

describe('appsToRefresh', () => {
  const cases: [string, PushEvent, string[]][] = [
    [
      'a branch push with unknown files refreshes every app of that repo and branch',
      push({ branch: 'main' }),
      ['web', 'webshop', 'root', 'dot-root', 'api-with-base'],
    ],
    ['a push to another branch refreshes that branch only', push({ branch: 'staging' }), ['staging']],
    [
      'known files refresh apps whose path contains one, matching whole segments',
      push({ branch: 'main', changedPaths: ['apps/web/deployment.yaml'] }),
      ['web', 'root', 'dot-root'],
    ],
    [
      'a file in a sibling folder sharing a prefix does not refresh the shorter one',
      push({ branch: 'main', changedPaths: ['apps/webshop/x.yaml'] }),
      ['webshop', 'root', 'dot-root'],
    ],
    [
      'a change in an extra path (a kustomize base) refreshes the app',
      push({ branch: 'main', changedPaths: ['apps/api/base/deployment.yaml'] }),
      ['root', 'dot-root', 'api-with-base'],
    ],
    [
      'a file at the root refreshes only root apps',
      push({ branch: 'main', changedPaths: ['README.md'] }),
      ['root', 'dot-root'],
    ],
    [
      'any tag push refreshes tag and semver apps, never commit apps',
      push({ tag: 'v2.0.0' }),
      ['pinned-tag', 'semver'],
    ],
    [
      'a tag push ignores changed files',
      push({ tag: 'v1.0.0', changedPaths: ['docs/x.md'] }),
      ['pinned-tag', 'semver'],
    ],
    [
      'a push to another repository refreshes nothing of this one',
      { provider: 'github', repoURLs: ['https://github.com/Acme/other'], branch: 'main' },
      ['other-repo'],
    ],
    [
      'a push to an unknown repository refreshes nothing',
      { provider: 'generic', repoURLs: ['https://git.example.com/x/y.git'], branch: 'main' },
      [],
    ],
  ];
  for (const [behaviour, event, expected] of cases)
    it(behaviour, () => {
      assert.deepEqual(appsToRefresh(event, apps), expected);
    });
});

describe('normalizeAppPath', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['/', ''],
    ['apps/web/', 'apps/web'],
    ['./apps//web', 'apps/web'],
    ['/apps/web', 'apps/web'],
  ];
  for (const [path, expected] of cases)
    it(`normalizes "${path}" to "${expected}"`, () => {
      assert.equal(normalizeAppPath(path), expected);
    });
});
