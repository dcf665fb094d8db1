/**
 * Pull-request mode against local HTTP servers that answer the documented endpoints of GitHub, GitLab and
 * Gitea/Forgejo, checking each request's method, path, query, authentication header and body.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { openOrUpdatePullRequest } from '../../../src/image/update/pull-request.js';
import type { PullRequestRequest } from '../../../src/image/update/pull-request.js';
import { loopbackEgress } from '../../helpers/egress.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const TOKEN = 'tok-3f9a2c-secret';

/** A server answering with `answer(request)`: [status, body]. */
async function host(
  answer: (seen: Seen) => [number, unknown],
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      seen.push(entry);
      const [status, body] = answer(entry);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

const egress = loopbackEgress();

function request(provider: PullRequestRequest['provider'], apiURL: string): PullRequestRequest {
  return {
    provider,
    apiURL,
    repository: provider === 'gitlab' ? 'group/sub/config' : 'org/config',
    token: TOKEN,
    head: 'mooring/image-updates/web',
    base: 'main',
    title: 'Update images of apps/web',
    body: '- r/web:1.0.0 → r/web:1.1.0 (apps/web)',
    fetch: egress.fetch,
  };
}

describe('openOrUpdatePullRequest: GitHub', () => {
  let existing: number | undefined;
  let server: Awaited<ReturnType<typeof host>>;
  before(async () => {
    server = await host((s) => {
      if (s.method === 'GET')
        return [200, existing === undefined ? [] : [{ number: existing, html_url: 'x' }]];
      if (s.method === 'POST')
        return [201, { number: 7, html_url: 'https://github.example/org/config/pull/7' }];
      return [
        200,
        { number: existing, html_url: `https://github.example/org/config/pull/${String(existing)}` },
      ];
    });
  });
  after(() => server.close());

  it('opens a pull request with POST /repos/{owner}/{repo}/pulls', async () => {
    const result = await openOrUpdatePullRequest(request('github', `${server.url}/api/v3`));
    assert.deepEqual(result, {
      action: 'opened',
      number: 7,
      url: 'https://github.example/org/config/pull/7',
    });
    const [list, create] = server.seen;
    assert.equal(list?.method, 'GET');
    assert.equal(
      list.url,
      '/api/v3/repos/org/config/pulls?state=open&head=org%3Amooring%2Fimage-updates%2Fweb&base=main',
    );
    assert.equal(create?.method, 'POST');
    assert.equal(create.url, '/api/v3/repos/org/config/pulls');
    assert.equal(create.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(create.headers.accept, 'application/vnd.github+json');
    assert.equal(create.headers['x-github-api-version'], '2022-11-28');
    assert.deepEqual(create.body, {
      title: 'Update images of apps/web',
      head: 'mooring/image-updates/web',
      base: 'main',
      body: '- r/web:1.0.0 → r/web:1.1.0 (apps/web)',
    });
  });

  it('updates the open one with PATCH /repos/{owner}/{repo}/pulls/{number}', async () => {
    existing = 7;
    server.seen.length = 0;
    const result = await openOrUpdatePullRequest(request('github', `${server.url}/api/v3`));
    assert.equal(result.action, 'updated');
    assert.equal(server.seen[1]?.method, 'PATCH');
    assert.equal(server.seen[1].url, '/api/v3/repos/org/config/pulls/7');
    assert.deepEqual(server.seen[1].body, {
      title: 'Update images of apps/web',
      body: '- r/web:1.0.0 → r/web:1.1.0 (apps/web)',
    });
  });
});

describe('openOrUpdatePullRequest: GitLab', () => {
  let server: Awaited<ReturnType<typeof host>>;
  before(async () => {
    server = await host((s) => {
      if (s.method === 'GET') return [200, []];
      return [201, { iid: 12, web_url: 'https://gitlab.example/group/sub/config/-/merge_requests/12' }];
    });
  });
  after(() => server.close());

  it('opens a merge request with POST /projects/:id/merge_requests, the id URL-encoded', async () => {
    const result = await openOrUpdatePullRequest(request('gitlab', `${server.url}/api/v4`));
    assert.deepEqual(result, {
      action: 'opened',
      number: 12,
      url: 'https://gitlab.example/group/sub/config/-/merge_requests/12',
    });
    const [list, create] = server.seen;
    assert.equal(
      list?.url,
      '/api/v4/projects/group%2Fsub%2Fconfig/merge_requests?state=opened&source_branch=mooring%2Fimage-updates%2Fweb&target_branch=main',
    );
    assert.equal(create?.method, 'POST');
    assert.equal(create.url, '/api/v4/projects/group%2Fsub%2Fconfig/merge_requests');
    assert.equal(create.headers['private-token'], TOKEN);
    assert.equal(create.headers.authorization, undefined);
    assert.deepEqual(create.body, {
      source_branch: 'mooring/image-updates/web',
      target_branch: 'main',
      title: 'Update images of apps/web',
      description: '- r/web:1.0.0 → r/web:1.1.0 (apps/web)',
    });
  });
});

describe('openOrUpdatePullRequest: Gitea / Forgejo', () => {
  let server: Awaited<ReturnType<typeof host>>;
  let open: unknown[] = [];
  before(async () => {
    server = await host((s) => {
      if (s.method === 'GET') return [200, open];
      if (s.method === 'POST')
        return [201, { number: 3, html_url: 'https://gitea.example/org/config/pulls/3' }];
      return [201, { number: 3, html_url: 'https://gitea.example/org/config/pulls/3' }];
    });
  });
  after(() => server.close());

  it('opens with POST /repos/{owner}/{repo}/pulls and "Authorization: token"', async () => {
    const result = await openOrUpdatePullRequest(request('gitea', `${server.url}/api/v1`));
    assert.equal(result.action, 'opened');
    const create = server.seen[1];
    assert.equal(create?.url, '/api/v1/repos/org/config/pulls');
    assert.equal(create.headers.authorization, `token ${TOKEN}`);
    assert.deepEqual(create.body, {
      head: 'mooring/image-updates/web',
      base: 'main',
      title: 'Update images of apps/web',
      body: '- r/web:1.0.0 → r/web:1.1.0 (apps/web)',
    });
  });

  it('updates only the open pull request of the same head and base', async () => {
    open = [
      { number: 2, head: { ref: 'someone-else' }, base: { ref: 'main' } },
      { number: 3, head: { ref: 'mooring/image-updates/web' }, base: { ref: 'main' } },
    ];
    server.seen.length = 0;
    const result = await openOrUpdatePullRequest(request('gitea', `${server.url}/api/v1`));
    assert.deepEqual(result, {
      action: 'updated',
      number: 3,
      url: 'https://gitea.example/org/config/pulls/3',
    });
    assert.equal(server.seen[1]?.method, 'PATCH');
    assert.equal(server.seen[1].url, '/api/v1/repos/org/config/pulls/3');
  });
});

describe('openOrUpdatePullRequest: errors and the token', () => {
  it('reports the host message without the token', async () => {
    const server = await host(() => [401, { message: `Bad credentials for ${TOKEN}` }]);
    try {
      await assert.rejects(openOrUpdatePullRequest(request('github', server.url)), (error: Error) => {
        assert.match(error.message, /answered 401: Bad credentials/);
        assert.doesNotMatch(error.message, new RegExp(TOKEN));
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('refuses to send the token over plain http to a remote host, or to a URL with user info', async () => {
    await assert.rejects(
      openOrUpdatePullRequest(request('github', 'http://git.example.com')),
      /refusing to send the github token/,
    );
    await assert.rejects(
      openOrUpdatePullRequest(request('gitea', 'https://u:p@git.example.com')),
      /without user info/,
    );
  });

  it('refuses an API on a private address by default, sending nothing (the egress policy)', async () => {
    const server = await host(() => [200, []]);
    try {
      const { fetch: _loopback, ...strict } = request('github', server.url);
      await assert.rejects(openOrUpdatePullRequest(strict), (error: Error) => {
        assert.match(error.message, /refused to connect to 127\.0\.0\.1 at 127\.0\.0\.1: loopback/);
        assert.doesNotMatch(error.message, new RegExp(TOKEN));
        return true;
      });
      assert.equal(server.seen.length, 0);
    } finally {
      await server.close();
    }
  });

  it('does not follow redirects (the token would go along)', async () => {
    const server = await host(() => [302, {}]);
    try {
      await assert.rejects(openOrUpdatePullRequest(request('gitea', server.url)), /answered 302/);
      assert.equal(server.seen.length, 1);
    } finally {
      await server.close();
    }
  });
});
