import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import type { ListParams } from '../../../src/api/index/query.js';
import { parseListQuery } from '../../../src/api/index/query.js';
import { matchesSelector, parseLabelSelector } from '../../../src/api/index/label-selector.js';
import { MooringError } from '../../../src/core/errors.js';
import { app } from './fixtures.js';
import type { AppFixture } from './fixtures.js';

function indexOf(fixtures: AppFixture[]): ApplicationIndex {
  const index = new ApplicationIndex();
  for (const f of fixtures) index.onApplication('ADDED', app(f));
  index.markSynced();
  return index;
}

function list(index: ApplicationIndex, params: ListParams, visible: Set<string> | 'all' = 'all') {
  return index.list(parseListQuery(params), params, visible);
}

const names = (page: { items: { namespace: string; name: string }[] }): string[] =>
  page.items.map((i) => `${i.namespace}/${i.name}`);

/** Every page of a query, following `continue`. */
function walk(index: ApplicationIndex, params: ListParams, between?: (page: number) => void): string[] {
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = list(index, { ...params, ...(token === undefined ? {} : { continue: token }) });
    seen.push(...names(result));
    token = result.continue;
    if (token === undefined) return seen;
    between?.(page);
  }
  throw new Error('no last page');
}

const fleet: AppFixture[] = [
  {
    name: 'web',
    namespace: 'team-a',
    project: 'shop',
    health: 'Healthy',
    labels: { tier: 'front', env: 'prod' },
  },
  {
    name: 'api',
    namespace: 'team-a',
    project: 'shop',
    health: 'Degraded',
    sync: 'OutOfSync',
    labels: { tier: 'back', env: 'prod' },
  },
  {
    name: 'db',
    namespace: 'team-a',
    project: 'data',
    health: 'Progressing',
    labels: { tier: 'data', env: 'staging' },
  },
  {
    name: 'web',
    namespace: 'team-b',
    project: 'blog',
    cluster: 'edge',
    health: 'Healthy',
    drifted: 2,
    labels: { env: 'prod' },
  },
  { name: 'cms', namespace: 'team-b', project: 'blog', cluster: 'edge', health: 'Degraded', suspend: true },
  {
    name: 'search',
    namespace: 'team-c',
    project: 'shop',
    health: 'Missing',
    repoURL: 'https://git.example.com/org/Search.git',
  },
];

describe('the application index', () => {
  it('filters by project, namespace, cluster, sync, health, label selector and text', () => {
    const index = indexOf(fleet);
    assert.deepEqual(names(list(index, { project: 'shop' })), ['team-a/api', 'team-a/web', 'team-c/search']);
    assert.deepEqual(names(list(index, { namespace: 'team-b,team-c' })), [
      'team-b/cms',
      'team-b/web',
      'team-c/search',
    ]);
    assert.deepEqual(names(list(index, { cluster: 'edge' })), ['team-b/cms', 'team-b/web']);
    assert.deepEqual(names(list(index, { sync: 'OutOfSync' })), ['team-a/api']);
    assert.deepEqual(names(list(index, { health: 'Degraded,Missing' })), [
      'team-a/api',
      'team-b/cms',
      'team-c/search',
    ]);
    assert.deepEqual(names(list(index, { selector: 'env=prod,tier!=back' })), ['team-a/web', 'team-b/web']);
    assert.deepEqual(names(list(index, { selector: 'tier in (front,data)' })), ['team-a/db', 'team-a/web']);
    assert.deepEqual(names(list(index, { selector: '!env' })), ['team-b/cms', 'team-c/search']);
    assert.deepEqual(
      names(list(index, { text: 'SEARCH' })),
      ['team-c/search'],
      'case-insensitive, repository too',
    );
    assert.deepEqual(names(list(index, { project: 'shop', health: 'Healthy' })), ['team-a/web']);
  });

  it('returns only the namespaces the caller may see', () => {
    const index = indexOf(fleet);
    assert.deepEqual(names(list(index, {}, new Set(['team-b']))), ['team-b/cms', 'team-b/web']);
    assert.deepEqual(names(list(index, { namespace: 'team-a' }, new Set(['team-b']))), []);
    assert.deepEqual(names(list(index, {}, new Set())), []);
  });

  it('summarises each app compactly', () => {
    const index = indexOf(fleet);
    const [item] = list(index, { namespace: 'team-b', text: 'web' }).items;
    assert.deepEqual(item, {
      name: 'web',
      namespace: 'team-b',
      project: 'blog',
      cluster: 'edge',
      destinationNamespace: 'team-b',
      repoURL: 'https://git.example.com/org/config.git',
      path: 'apps/web',
      revision: 'a'.repeat(40),
      sync: 'Synced',
      health: 'Healthy',
      driftCount: 2,
      suspended: false,
    });
    assert.equal(list(index, { text: 'cms' }).items[0]?.suspended, true);
  });

  it('sorts by a key, either way, ties broken by namespace and name', () => {
    const index = indexOf(fleet);
    assert.deepEqual(names(list(index, { sort: 'name' })), [
      'team-a/api',
      'team-b/cms',
      'team-a/db',
      'team-c/search',
      'team-a/web',
      'team-b/web',
    ]);
    assert.deepEqual(names(list(index, { sort: '-drift', limit: '2' })), ['team-b/web', 'team-a/api']);
    assert.deepEqual(names(list(index, { sort: '-name', limit: '3' })), [
      'team-a/web',
      'team-b/web',
      'team-c/search',
    ]);
  });

  it('pages with an opaque cursor until the last page, which has no continue', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      name: `app-${String(i).padStart(3, '0')}`,
      namespace: `ns-${i % 7}`,
      health: i % 3 === 0 ? ('Degraded' as const) : ('Healthy' as const),
    }));
    const index = indexOf(many);
    const all = walk(index, { limit: '40' });
    assert.equal(all.length, 250);
    assert.equal(new Set(all).size, 250);
    assert.deepEqual(
      all,
      [...all].sort(
        (a, b) => (a.split('/')[0] ?? '').localeCompare(b.split('/')[0] ?? '') || a.localeCompare(b),
      ),
    );
    const degraded = walk(index, { health: 'Degraded', sort: 'name', limit: '7' });
    assert.equal(degraded.length, many.filter((m) => m.health === 'Degraded').length);
    const page = list(index, { limit: '250' });
    assert.equal(page.items.length, 250);
    assert.equal(page.continue, undefined);
  });

  it('keeps a walk exact while apps are added, changed and removed between pages', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      name: `app-${String(i).padStart(3, '0')}`,
      namespace: 'ns',
    }));
    const index = indexOf(many);
    const seen = walk(index, { sort: 'name', limit: '10' }, (page) => {
      if (page === 2) {
        // Before the cursor: never shown; after it: shown once.
        index.onApplication('ADDED', app({ name: 'app-000a', namespace: 'ns' }));
        index.onApplication('ADDED', app({ name: 'app-099a', namespace: 'ns' }));
        index.onApplication('DELETED', app({ name: 'app-050', namespace: 'ns' }));
        index.onApplication('MODIFIED', app({ name: 'app-060', namespace: 'ns', health: 'Degraded' }));
      }
    });
    assert.equal(new Set(seen).size, seen.length, 'nothing twice');
    assert.ok(!seen.includes('ns/app-000a'));
    assert.ok(seen.includes('ns/app-099a'));
    assert.ok(!seen.includes('ns/app-050'));
    assert.ok(seen.includes('ns/app-060'));
    assert.equal(seen.length, 100);
  });

  it('keeps sorted views current when an app moves (no stale order after a status change)', () => {
    const index = indexOf(fleet);
    assert.deepEqual(names(list(index, { sort: 'health', limit: '1' })), ['team-a/api']);
    index.onApplication('MODIFIED', app({ ...(fleet[1] as AppFixture), health: 'Healthy' }));
    index.onApplication('MODIFIED', app({ ...(fleet[4] as AppFixture), health: 'Healthy' }));
    assert.deepEqual(names(list(index, { sort: 'health', limit: '2' })), ['team-a/api', 'team-a/web']);
    assert.deepEqual(names(list(index, { health: 'Degraded' })), []);
    index.onApplication('DELETED', app(fleet[0] as AppFixture));
    assert.deepEqual(names(list(index, { sort: 'health', limit: '2' })), ['team-a/api', 'team-b/cms']);
  });

  it('refuses bad parameters and a cursor of another query', () => {
    const index = indexOf(fleet);
    const first = list(index, { sort: 'name', limit: '2' });
    assert.ok(first.continue !== undefined);
    const refused = (params: ListParams): void => {
      assert.throws(
        () => list(index, params),
        (e: unknown) => e instanceof MooringError && e.code === 'INVALID_ARGUMENT',
      );
    };
    refused({ sort: 'name', limit: '2', health: 'Healthy', continue: first.continue });
    refused({ sort: 'size' });
    refused({ limit: '0' });
    refused({ limit: '1001' });
    refused({ limit: '2.5' });
    refused({ continue: 'not-a-cursor' });
    refused({ continue: Buffer.from('["x",1,"a","b"]').toString('base64url') });
    refused({ selector: 'a in (b' });
    refused({ selector: 'bad key=1' });
  });

  it('numbers changes and tells subscribers', () => {
    const index = indexOf([]);
    const seen: string[] = [];
    const stop = index.subscribe((c) => seen.push(`${c.seq} ${c.type} ${c.summary.name}`));
    index.onApplication('ADDED', app({ name: 'a', namespace: 'n' }));
    index.onApplication('DELETED', app({ name: 'a', namespace: 'n' }));
    index.onApplication('DELETED', app({ name: 'never', namespace: 'n' }));
    stop();
    index.onApplication('ADDED', app({ name: 'b', namespace: 'n' }));
    assert.deepEqual(seen, ['1 upsert a', '2 delete a']);
    assert.equal(index.seq, 3);
  });
});

describe('label selectors', () => {
  it('match as the API server does', () => {
    const labels = { app: 'web', env: 'prod', 'example.com/team': 'a' };
    const cases: [string, boolean][] = [
      ['app=web', true],
      ['app==web', true],
      ['app!=web', false],
      ['missing!=x', true],
      ['env in (prod, staging)', true],
      ['env notin (prod)', false],
      ['example.com/team', true],
      ['!example.com/team', false],
      ['app=web,env=dev', false],
      ['', true],
    ];
    for (const [selector, expected] of cases)
      assert.equal(matchesSelector(parseLabelSelector(selector), labels), expected, selector);
  });
});
