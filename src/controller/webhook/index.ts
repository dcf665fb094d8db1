/** The Git push webhook receiver: parsers per provider, repository matching, and the HTTP server. */
export type {
  DeliveryResult,
  PushEvent,
  WebhookApp,
  WebhookHeaders,
  WebhookOutcome,
  WebhookProvider,
  WebhookSecrets,
  WebhookServerOptions,
} from './types.js';
export { parseBitbucketDelivery } from './bitbucket.js';
export { parseGenericDelivery, type GenericPushBody } from './generic.js';
export { parseGiteaDelivery } from './gitea.js';
export { parseGitHubDelivery } from './github.js';
export { parseGitLabDelivery } from './gitlab.js';
export { appsToRefresh, isWithin, normalizeAppPath } from './match.js';
export { DeliveryLog } from './deliveries.js';
export { decodePayload, detectProvider, GENERIC_DELIVERY_HEADER } from './providers.js';
export { CASE_INSENSITIVE_HOSTS, normalizeRepoURL, repoMatchKey, sameRepo } from './repo-url.js';
export {
  buildWebhookServer,
  DEFAULT_WEBHOOK_BODY_LIMIT,
  WEBHOOK_PATH,
  webhookPlugin,
  webhookServerLimits,
} from './server.js';
export { signBody } from './signature.js';
