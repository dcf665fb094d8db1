import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { queryPrometheus } from '../../../src/delivery/prometheus.js';
import { Egress } from '../../../src/net/egress.js';
import { loopbackEgress } from '../../helpers/egress.js';

const egress = loopbackEgress();

/** A stand-in for Prometheus' /api/v1/query: answers `reply(query)` and records each query. */
async function fakePrometheus(
  t: TestContext,
  reply: (query: string) => { status: number; body: unknown },
): Promise<{ url: string; queries: string[] }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    assert.equal(req.method, 'GET');
    assert.equal(url.pathname, '/api/v1/query');
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    const { status, body } = reply(query);
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries };
}

const vector = (...values: string[]): unknown => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1, v] })) },
});

describe('Prometheus instant queries', () => {
  it('sends the query as is and reads the first sample of a vector, or a scalar', async (t) => {
    const prom = await fakePrometheus(t, (q) => ({
      status: 200,
      body:
        q === 'scalar(1)'
          ? { status: 'success', data: { resultType: 'scalar', result: [1, '7.5'] } }
          : vector('99.5', '3'),
    }));
    assert.deepEqual(await queryPrometheus(prom.url, 'sum(rate(x{a="b"}[1m]))', egress.fetch), {
      value: 99.5,
    });
    assert.deepEqual(await queryPrometheus(`${prom.url}/`, 'scalar(1)', egress.fetch), { value: 7.5 });
    assert.deepEqual(prom.queries, ['sum(rate(x{a="b"}[1m]))', 'scalar(1)']);
  });

  it('reads an empty vector or NaN as no value', async (t) => {
    const prom = await fakePrometheus(t, (q) => ({
      status: 200,
      body: q === 'nan' ? vector('NaN') : vector(),
    }));
    assert.deepEqual(await queryPrometheus(prom.url, 'empty', egress.fetch), { empty: true });
    assert.deepEqual(await queryPrometheus(prom.url, 'nan', egress.fetch), { empty: true });
  });

  it('turns an error answer or no answer into an error reading (never a throw)', async (t) => {
    const prom = await fakePrometheus(t, () => ({
      status: 400,
      body: { status: 'error', error: 'parse error' },
    }));
    const bad = await queryPrometheus(prom.url, 'sum(', egress.fetch);
    assert.ok('error' in bad);
    assert.match(bad.error, /Prometheus answered 400: .*parse error/);
    const down = await queryPrometheus('http://127.0.0.1:1', 'up', egress.fetch);
    assert.ok('error' in down);
    assert.match(down.error, /Prometheus at http:\/\/127\.0\.0\.1:1 unreachable/);
  });

  it('refuses a Prometheus on a private address unless the egress policy allows it, naming the flag', async (t) => {
    const prom = await fakePrometheus(t, () => ({ status: 200, body: { status: 'success' } }));
    const strict = Egress.publicOnly();
    const refused = await queryPrometheus(prom.url, 'up', strict.fetch);
    strict.destroy();
    assert.ok('error' in refused);
    assert.match(
      refused.error,
      /refused to connect to 127\.0\.0\.1 at 127\.0\.0\.1: loopback.*--egress-allow-cidr/,
    );
    assert.deepEqual(prom.queries, [], 'nothing reached Prometheus');
  });
});
