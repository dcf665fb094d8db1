import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { RateLimitedError, RegistryClient } from '../../../src/image/registry/client.js';
import { loopbackEgress } from '../../helpers/egress.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.writeHead(500).end();
const seen: { url: string; authorization: string | undefined; ifNoneMatch: string | undefined }[] = [];
const server = createServer((req, res) => {
  seen.push({
    url: req.url ?? '',
    authorization: req.headers.authorization,
    ifNoneMatch: req.headers['if-none-match'],
  });
  handler(req, res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

const egress = loopbackEgress();

function client(options: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}): RegistryClient {
  const made = new RegistryClient({
    image: `${host}/team/app`,
    subject: 'ImageRepository/ns/app',
    insecure: true,
    sleep: () => Promise.resolve(),
    egress,
    ...options,
  });
  after(() => {
    made.close();
  });
  return made;
}

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

describe('registry client', () => {
  it('follows Link pagination to the end, asking for n=1000 first', async () => {
    seen.length = 0;
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const last = url.searchParams.get('last');
      if (last === null)
        json(res, { tags: ['a', 'b'] }, { link: '</v2/team/app/tags/list?n=2&last=b>; rel="next"' });
      else if (last === 'b')
        json(
          res,
          { tags: ['c', 'd'] },
          { link: `<http://${host}/v2/team/app/tags/list?n=2&last=d>; rel="next"` },
        );
      else json(res, { tags: ['e'] });
    };
    const listing = await client().listTags();
    assert.deepEqual(listing.tags, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(listing.requests, 3);
    assert.equal(seen[0]?.url, '/v2/team/app/tags/list?n=1000');
  });

  it('refuses a Link to another host, and a Link back to a page already read', async () => {
    handler = (_req, res) => {
      json(res, { tags: ['a'] }, { link: '<http://evil.example/v2/x/tags/list>; rel="next"' });
    };
    await assert.rejects(
      client().listTags(),
      (e: MooringError) => e.code === 'UNSAFE_INPUT' && e.message.includes('evil.example'),
    );
    handler = (_req, res) => {
      json(res, { tags: ['a'] }, { link: '</v2/team/app/tags/list?n=1000>; rel="next"' });
    };
    await assert.rejects(client().listTags(), /links back to a page already read/);
  });

  it('names what is wrong with a malformed tag list', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /the tag list is not JSON/],
      ['[1,2]', /is not a JSON object/],
      ['{"tags":"x"}', /"tags" is not an array/],
      ['{"tags":["ok","bad tag"]}', /holds "bad tag", which is not a valid tag/],
      ['{"tags":[3]}', /holds number/],
    ];
    for (const [body, message] of cases) {
      handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      await assert.rejects(
        client().listTags(),
        (e: MooringError) => e.code === 'REGISTRY_FAILED' && message.test(e.message),
      );
    }
    handler = (_req, res) => {
      json(res, { name: 'team/app', tags: null });
    };
    assert.deepEqual((await client().listTags()).tags, []);
  });

  it('refuses a body above the limit', async () => {
    handler = (_req, res) => {
      json(res, { tags: Array.from({ length: 5000 }, (_v, i) => `tag-${i}`) });
    };
    await assert.rejects(
      client({ limits: { pageBytes: 1000 } }).listTags(),
      /answered GET \/v2\/team\/app\/tags\/list with more than 1000 bytes/,
    );
  });

  it('sends If-None-Match with the ETag it was given and reuses the page on 304', async () => {
    seen.length = 0;
    handler = (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
      else json(res, { tags: ['1.0.0'] }, { etag: '"v1"' });
    };
    const c = client();
    assert.deepEqual((await c.listTags()).tags, ['1.0.0']);
    const second = await c.listTags();
    assert.deepEqual(second.tags, ['1.0.0']);
    assert.equal(second.notModified, 1);
    assert.equal(seen[1]?.ifNoneMatch, '"v1"');
  });

  it('answers a Basic challenge with the credentials, and only after being asked', async () => {
    seen.length = 0;
    const expected = `Basic ${Buffer.from('u:p').toString('base64')}`;
    handler = (req, res) => {
      if (req.headers.authorization !== expected)
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      else json(res, { tags: ['x'] });
    };
    const c = client({ credentials: { username: 'u', password: 'p' } });
    assert.deepEqual((await c.listTags()).tags, ['x']);
    assert.equal(seen[0]?.authorization, undefined);
    assert.equal(seen[1]?.authorization, expected);
    await assert.rejects(client().listTags(), /asks for credentials and none are set/);
  });

  it('gets a pull token from the realm the Bearer challenge names, for its own repository only', async () => {
    seen.length = 0;
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        json(res, { token: `tok-${url.searchParams.get('scope') ?? ''}`, expires_in: 300 });
        return;
      }
      if (req.headers.authorization === 'Bearer tok-repository:team/app:pull') json(res, { tags: ['t'] });
      else
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${host}/token",service="svc",scope="repository:team/app:pull,push,delete"`,
          })
          .end();
    };
    const c = client({ credentials: { username: 'u', password: 'p' } });
    assert.deepEqual((await c.listTags()).tags, ['t']);
    const tokenRequest = seen.find((s) => s.url.startsWith('/token'));
    assert.ok(tokenRequest !== undefined);
    assert.equal(tokenRequest.url, '/token?service=svc&scope=repository%3Ateam%2Fapp%3Apull');
    assert.equal(tokenRequest.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    // The token is reused until it expires.
    await c.listTags();
    assert.equal(seen.filter((s) => s.url.startsWith('/token')).length, 1);
  });

  it('waits as Retry-After asks, and gives up with the wait when it is longer than allowed', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '3' }).end();
      else json(res, { tags: ['x'] });
    };
    const waits: number[] = [];
    const c = client({ sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    assert.deepEqual((await c.listTags()).tags, ['x']);
    assert.deepEqual(waits, [3000]);
    assert.equal(c.stats.rateLimited, 1);
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '120' }).end();
    await assert.rejects(
      client().listTags(),
      (e: unknown) => e instanceof RateLimitedError && e.retryAfterMs === 120_000,
    );
  });

  it('reads a manifest digest from HEAD, and refuses a malformed one', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    handler = (req, res) => {
      assert.match(req.headers.accept ?? '', /application\/vnd\.oci\.image\.index\.v1\+json/);
      res
        .writeHead(200, { 'docker-content-digest': req.url?.endsWith('/bad') === true ? 'md5:x' : digest })
        .end();
    };
    assert.equal(await client().manifestDigest('1.0.0'), digest);
    await assert.rejects(client().manifestDigest('bad'), /malformed digest/);
    await assert.rejects(client().manifestDigest('../x'), /is not a valid tag/);
  });

  it('refuses a registry on a private address unless the egress policy allows it', async () => {
    const strict = new RegistryClient({ image: `${host}/team/app`, subject: 's', insecure: true });
    after(() => {
      strict.close();
    });
    await assert.rejects(strict.listTags(), (error: unknown) => {
      assert.ok(error instanceof MooringError);
      assert.equal(error.code, 'UNSAFE_INPUT');
      assert.match(error.message, /refused to connect to 127\.0\.0\.1 at 127\.0\.0\.1: loopback/);
      assert.match(error.hint ?? '', /--egress-allow-cidr 127\.0\.0\.1\/32/);
      return true;
    });
  });

  it('reaches the registry over https only unless insecure', () => {
    assert.throws(
      () => new RegistryClient({ image: 'app:1', subject: 's', insecure: false }),
      /not an image name/,
    );
    const secure = new RegistryClient({ image: `${host}/a`, subject: 's', insecure: false });
    secure.close();
    assert.equal(secure.location.apiHost, host);
    assert.ok(new MooringError('REGISTRY_FAILED', 'x').retry === 'transient');
  });
});
