/** Shared-secret checks of webhook deliveries. Pure; every comparison takes the same time. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The hex HMAC-SHA256 of `body` under `secret`, as Gitea sends it bare. */
export function hmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The `sha256=<hex>` header value GitHub, Bitbucket Cloud and Mooring's generic webhook send.
 * For tests, the demo and CI jobs calling the generic webhook.
 */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/**
 * Compares two strings in constant time. Both sides are hashed first so the buffers handed to
 * timingSafeEqual have equal length and the comparison does not reveal the expected length.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when `header` is `sha256=<hex>` of the body under the secret (hex case is ignored). */
export function verifyPrefixedSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  return constantTimeEqual(header.trim().toLowerCase(), signBody(secret, body));
}

/** True when `header` is the bare hex HMAC-SHA256 of the body under the secret. */
export function verifyHexSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  return constantTimeEqual(header.trim().toLowerCase(), hmacSha256Hex(secret, body));
}

/** True when `header` is the secret itself (GitLab's X-Gitlab-Token). */
export function verifyToken(secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  return constantTimeEqual(header, secret);
}
