/**
 * Image names as the distribution reference grammar reads them: which registry host an image lives on,
 * its repository path there, and the canonical name (Docker Hub short names expanded). Pure.
 */
import { MooringError } from '../../core/errors.js';
import { IMAGE_NAME_PATTERN } from '../../crd/image-repository.js';

/** Docker Hub: the name images without a registry host mean, and the host its API is served from. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** Where an image lives. */
export interface ImageLocation {
  /** host[:port] as written (docker.io for Docker Hub). */
  registry: string;
  /** host[:port] the API is reached at (registry-1.docker.io for Docker Hub). */
  apiHost: string;
  /** Repository path on the registry: team/app (library/nginx for Docker Hub's official images). */
  repository: string;
  /** registry/repository: docker.io/library/nginx, 127.0.0.1:5000/team/app. */
  canonicalName: string;
}

/**
 * Splits an image name (no tag or digest) into registry and repository. As Docker does, the first path
 * component is a registry host only when it has a dot or a port, or is `localhost`, or is an IPv6 literal.
 */
export function parseImageName(image: string): ImageLocation {
  if (!IMAGE_NAME_PATTERN.test(image) || image.length > 512) {
    throw new MooringError('INVALID_ARGUMENT', `"${image}" is not an image name without tag or digest`, {
      hint: 'write the image as registry.example.com/team/app (no :tag, no @sha256:…)',
    });
  }
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const hasHost =
    slash !== -1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  if (!hasHost) {
    const repository = slash === -1 ? `library/${image}` : image;
    return {
      registry: DOCKER_HUB,
      apiHost: DOCKER_HUB_API_HOST,
      repository,
      canonicalName: `${DOCKER_HUB}/${repository}`,
    };
  }
  const registry = first.toLowerCase();
  const repository = image.slice(slash + 1);
  const isHub = registry === DOCKER_HUB || registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST;
  const path = isHub && !repository.includes('/') ? `library/${repository}` : repository;
  return {
    registry: isHub ? DOCKER_HUB : registry,
    apiHost: isHub ? DOCKER_HUB_API_HOST : registry,
    repository: path,
    canonicalName: `${isHub ? DOCKER_HUB : registry}/${path}`,
  };
}

/** A tag as the distribution spec allows it: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** A manifest digest: `algorithm:hex` (sha256 and sha512 as registries use them). */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
