/**
 * How each provider announces itself, proves it knows the secret, and what its payload means.
 * Pure: the server feeds headers and the raw body in, and acts on the outcome.
 */
import { parseBitbucketDelivery } from './bitbucket.js';
import { parseGenericDelivery } from './generic.js';
import { parseGiteaDelivery } from './gitea.js';
import { parseGitHubDelivery } from './github.js';
import { parseGitLabDelivery } from './gitlab.js';
import { headerValue, invalidPayload } from './payload-fields.js';
import { verifyHexSignature, verifyPrefixedSignature, verifyToken } from './signature.js';
import type { WebhookHeaders, WebhookOutcome, WebhookProvider } from './types.js';

export interface ProviderHandler {
  provider: WebhookProvider;
  /** True when the request carries this provider's event or signature header. */
  detects(headers: WebhookHeaders): boolean;
  /** True when the request proves it was sent by someone holding `secret`. */
  verify(secret: string, body: Buffer, headers: WebhookHeaders): boolean;
  /** What the (verified, decoded) payload asks for; throws MooringError INVALID_ARGUMENT when unreadable. */
  parse(headers: WebhookHeaders, payload: unknown): WebhookOutcome;
  /** The id the sender gives each delivery (the same on its retries), for replay protection. */
  deliveryId(headers: WebhookHeaders): string | undefined;
}

/** The header a generic sender puts a unique id of each delivery in (optional). */
export const GENERIC_DELIVERY_HEADER = 'x-mooring-delivery';

const has = (headers: WebhookHeaders, name: string): boolean => headerValue(headers, name) !== undefined;

/** Forgejo sends its own headers and Gitea's; when both are there the Forgejo ones count. */
function giteaEvent(headers: WebhookHeaders): string | undefined {
  return headerValue(headers, 'x-forgejo-event') ?? headerValue(headers, 'x-gitea-event');
}

function verifyGitea(secret: string, body: Buffer, headers: WebhookHeaders): boolean {
  const bare = headerValue(headers, 'x-forgejo-signature') ?? headerValue(headers, 'x-gitea-signature');
  if (bare !== undefined) return verifyHexSignature(secret, body, bare);
  // Recent Gitea and Forgejo also sign GitHub's way.
  return verifyPrefixedSignature(secret, body, headerValue(headers, 'x-hub-signature-256'));
}

/**
 * In detection order. Gitea and Forgejo also send X-GitHub-Event, so they must be recognised
 * before GitHub.
 */
export const PROVIDERS: readonly ProviderHandler[] = [
  {
    provider: 'gitea',
    detects: (headers) => giteaEvent(headers) !== undefined,
    verify: verifyGitea,
    parse: (headers, payload) => parseGiteaDelivery(giteaEvent(headers), payload),
    deliveryId: (headers) =>
      headerValue(headers, 'x-forgejo-delivery') ?? headerValue(headers, 'x-gitea-delivery'),
  },
  {
    provider: 'github',
    detects: (headers) => has(headers, 'x-github-event'),
    verify: (secret, body, headers) =>
      verifyPrefixedSignature(secret, body, headerValue(headers, 'x-hub-signature-256')),
    parse: (headers, payload) => parseGitHubDelivery(headerValue(headers, 'x-github-event'), payload),
    deliveryId: (headers) => headerValue(headers, 'x-github-delivery'),
  },
  {
    provider: 'gitlab',
    detects: (headers) => has(headers, 'x-gitlab-event'),
    verify: (secret, _body, headers) => verifyToken(secret, headerValue(headers, 'x-gitlab-token')),
    parse: (headers, payload) => parseGitLabDelivery(headerValue(headers, 'x-gitlab-event'), payload),
    deliveryId: (headers) => headerValue(headers, 'x-gitlab-event-uuid'),
  },
  {
    provider: 'bitbucket',
    detects: (headers) => has(headers, 'x-event-key'),
    verify: (secret, body, headers) =>
      verifyPrefixedSignature(secret, body, headerValue(headers, 'x-hub-signature')),
    parse: (headers, payload) => parseBitbucketDelivery(headerValue(headers, 'x-event-key'), payload),
    // X-Request-UUID names the delivery; X-Hook-UUID names the webhook (the same on every delivery).
    deliveryId: (headers) => headerValue(headers, 'x-request-uuid'),
  },
  {
    provider: 'generic',
    detects: (headers) => has(headers, 'x-mooring-signature'),
    verify: (secret, body, headers) =>
      verifyPrefixedSignature(secret, body, headerValue(headers, 'x-mooring-signature')),
    parse: (_headers, payload) => parseGenericDelivery(payload),
    deliveryId: (headers) => headerValue(headers, GENERIC_DELIVERY_HEADER),
  },
];

/** The provider whose headers the request carries, or undefined. */
export function detectProvider(headers: WebhookHeaders): ProviderHandler | undefined {
  return PROVIDERS.find((handler) => handler.detects(headers));
}

/**
 * The JSON a body holds. GitHub, Gitea and Forgejo can send `application/x-www-form-urlencoded`
 * with the JSON in the `payload` field; everything else is JSON itself.
 */
export function decodePayload(
  provider: WebhookProvider,
  contentType: string | undefined,
  raw: Buffer,
): unknown {
  let text = raw.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') === true) {
    const field = new URLSearchParams(text).get('payload');
    if (field === null) throw invalidPayload(provider, 'the form has no "payload" field');
    text = field;
  }
  if (text.trim() === '') throw invalidPayload(provider, 'the body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidPayload(provider, 'the body is not valid JSON');
  }
}
