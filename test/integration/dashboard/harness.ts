/**
 * The controller's HTTP server as `mooring controller --http-port` assembles it, dashboard included, in
 * front of a controller harness: the API harness's server (Application index fed by a watch, TokenReview +
 * SubjectAccessReview, the detail and stream routes) plus the built dashboard (dist/ui) at `/`.
 */
import type { TestContext } from 'node:test';

import { dashboardPlugin } from '../../../src/api/dashboard.js';
import { apiHarness } from '../api/detail-harness.js';
import type { ControllerHarness } from '../controller/harness.js';

/** Starts the server for `h` (its controller must be running) and answers its base URL. */
export async function dashboardServer(t: TestContext, h: ControllerHarness): Promise<string> {
  return (await apiHarness(t, h, [dashboardPlugin()])).base;
}
