/**
 * `GET /metrics` as a Fastify plugin, so whichever server the controller runs (the webhook receiver today,
 * the API server once it lands) registers it: `await server.register(metricsRoutes(metrics.registry))`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/** The plugin serving `registry` in the Prometheus text format at METRICS_PATH. */
export function metricsRoutes(registry: Registry): FastifyPluginAsync {
  return (server) => {
    server.get(METRICS_PATH, async (_request, reply) => {
      const body = await registry.metrics();
      return reply
        .header('Content-Type', registry.contentType)
        .header('Cache-Control', 'no-store')
        .send(body);
    });
    return Promise.resolve();
  };
}
