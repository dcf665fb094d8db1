import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRequestTotals, requestDelta, totalRequests } from '../../../bench/apiserver-requests.js';

const metrics = (configMapGets: number, dryRunApplies: number): string =>
  [
    '# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, ...',
    '# TYPE apiserver_request_total counter',
    `apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} ${configMapGets}`,
    'apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 2',
    `apiserver_request_total{code="200",component="apiserver",dry_run="All",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} ${dryRunApplies}`,
    'apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="status",verb="PATCH",version="v1"} 1',
    'apiserver_request_duration_seconds_count{verb="GET"} 99',
    'apiserver_request_total_other{verb="GET"} 7',
  ].join('\n');

describe('API server request accounting', () => {
  it('sums apiserver_request_total over codes and keeps verb, resource, subresource and dry run apart', () => {
    assert.deepEqual(parseRequestTotals(metrics(3, 4)), [
      { verb: 'GET', resource: 'configmaps', subresource: '', dryRun: false, count: 5 },
      { verb: 'APPLY', resource: 'deployments', subresource: '', dryRun: true, count: 4 },
      { verb: 'PATCH', resource: 'deployments', subresource: 'status', dryRun: false, count: 1 },
    ]);
  });

  it('reports what moved between two readings', () => {
    const delta = requestDelta(parseRequestTotals(metrics(3, 4)), parseRequestTotals(metrics(10, 4)));
    assert.deepEqual(delta, [
      { verb: 'GET', resource: 'configmaps', subresource: '', dryRun: false, count: 7 },
    ]);
    assert.equal(totalRequests(delta), 7);
  });
});
