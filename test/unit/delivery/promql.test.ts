import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BUILTIN_QUERIES,
  escapePromString,
  SAMPLE_QUERY,
  templateQuery,
} from '../../../src/delivery/promql.js';
import type { QueryValues } from '../../../src/delivery/promql.js';

const VALUES: QueryValues = {
  app: 'web',
  namespace: 'shop',
  target: 'web',
  revision: 'abc1234',
  interval: '30s',
};

describe('PromQL templating', () => {
  it('fills every placeholder of a custom query', () => {
    assert.equal(
      templateQuery(
        'sum(up{namespace="{{namespace}}",app="{{ app }}",rev="{{revision}}",d="{{target}}"}[{{interval}}])',
        VALUES,
      ),
      'sum(up{namespace="shop",app="web",rev="abc1234",d="web"}[30s])',
    );
  });

  it('fills the built-in queries with the canary selector', () => {
    const q = templateQuery(BUILTIN_QUERIES['request-success-rate'], VALUES);
    assert.match(q, /http_requests_total\{namespace="shop",app="web",track="canary",code!~"5.."\}\[30s\]/);
    assert.doesNotMatch(q, /\{\{/);
    assert.equal(
      templateQuery(SAMPLE_QUERY, VALUES),
      'sum(increase(http_requests_total{namespace="shop",app="web",track="canary"}[30s]))',
    );
  });

  it('refuses values that could add a label matcher or close the string', () => {
    for (const app of ['web",code="200', 'web"}', "web'", 'Web', 'web\n', '']) {
      assert.throws(
        () => templateQuery('{app="{{app}}"}', { ...VALUES, app }),
        /cannot go into a query/,
        app,
      );
    }
    assert.throws(
      () => templateQuery('[{{interval}}]', { ...VALUES, interval: '1m] or vector(1)' }),
      /cannot go/,
    );
    assert.throws(() => templateQuery('x', { ...VALUES, revision: 'HEAD"' }), /cannot go/);
  });

  it('refuses an unknown placeholder', () => {
    assert.throws(() => templateQuery('{a="{{secret}}"}', VALUES), /unknown placeholder \{\{secret\}\}/);
  });

  it('escapes what could end a PromQL string', () => {
    assert.equal(escapePromString('a"b\\c\'d`e\nf'), 'a\\"b\\\\c\\\'d\\`e\\nf');
  });
});
