/**
 * Registry credentials from a Docker config JSON (the `.dockerconfigjson` of a kubernetes.io/dockerconfigjson
 * Secret): the entry for one registry host, as Docker and Kubernetes look it up. Pure.
 */
import { MooringError } from '../../core/errors.js';
import { DOCKER_HUB } from './reference.js';

/** A user name and password (or token) for basic auth and token requests. Never logged. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The keys an `auths` entry for `registry` may be written under (scheme and /v1/ path are ignored). */
function hostOfKey(key: string): string {
  const withoutScheme = key.replace(/^https?:\/\//i, '');
  const host = withoutScheme.split('/')[0] ?? '';
  const lower = host.toLowerCase();
  return lower === 'index.docker.io' || lower === 'registry-1.docker.io' ? DOCKER_HUB : lower;
}

/**
 * The credentials for `registry` (host[:port], docker.io for Docker Hub) in a Docker config JSON, or
 * undefined when it has no entry for that host. Throws INVALID_ARGUMENT for a config that is not one
 * (the message never quotes the content).
 */
export function credentialsFor(
  configJson: string,
  registry: string,
  subject: string,
): RegistryCredentials | undefined {
  let config: unknown;
  try {
    if (configJson.length > MAX_CONFIG_BYTES) throw new Error('too large');
    config = JSON.parse(configJson);
  } catch {
    throw invalid(subject, 'is not JSON');
  }
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) throw invalid(subject, 'has no "auths" object');
  const wanted = registry.toLowerCase();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (hostOfKey(key) !== wanted || typeof entry !== 'object' || entry === null) continue;
    const { username, password, auth } = entry as Record<string, unknown>;
    if (typeof username === 'string' && typeof password === 'string' && username !== '') {
      return { username, password };
    }
    if (typeof auth === 'string') {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    throw invalid(subject, `has an entry for ${registry} without username/password or auth`);
  }
  return undefined;
}

function invalid(subject: string, why: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', `the Docker config JSON of ${subject} ${why}`, {
    subject,
    hint: 'create it with kubectl create secret docker-registry NAME --docker-server=HOST --docker-username=… --docker-password=…',
  });
}
