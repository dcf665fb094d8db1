/**
 * Where Mooring's render helper (`mooring-render`, built from toolchain/render-helper by
 * scripts/toolchain.sh) lives: ~/.cache/mooring/render-helper/<key>-<go version>/mooring-render, where
 * <key> is a hash of the helper's sources and toolchain/versions.env. MOORING_RENDER_HELPER names the
 * binary directly (the container image does this); MOORING_RENDER_HELPER_DIR moves the cache root.
 */
import type { RenderTools } from '../render/types.js';
import { readVersions } from './toolchain.js';
import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';

import { MooringError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Byte-wise string order, as `LC_ALL=C sort` sorts. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

let cachedKey: string | undefined;

/**
 * The helper's source key, computed exactly as scripts/toolchain.sh does: sha256 over the `sha256sum`
 * lines of toolchain/render-helper/** (sorted) then toolchain/versions.env, first 16 hex digits.
 */
export function renderHelperKey(): string {
  if (cachedKey !== undefined) return cachedKey;
  const toolchain = join(packageRoot(), 'toolchain');
  const files = filesUnder(join(toolchain, 'render-helper'))
    .map((file) => relative(toolchain, file).split(sep).join('/'))
    .sort(byteOrder);
  files.push('versions.env');
  const lines = files.map((file) => `${sha256(readFileSync(join(toolchain, file)))}  ${file}\n`).join('');
  cachedKey = sha256(lines).slice(0, 16);
  return cachedKey;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The render helper built from the current sources, or undefined if it is not built. */
export function findRenderHelper(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.MOORING_RENDER_HELPER;
  if (explicit !== undefined && explicit !== '') return isExecutable(explicit) ? explicit : undefined;
  const root = env.MOORING_RENDER_HELPER_DIR ?? join(homedir(), '.cache', 'mooring', 'render-helper');
  const prefix = `${renderHelperKey()}-`;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return undefined;
  }
  for (const entry of entries
    .filter((name) => name.startsWith(prefix))
    .sort()
    .reverse()) {
    const binary = join(root, entry, 'mooring-render');
    if (isExecutable(binary)) return binary;
  }
  return undefined;
}

/**
 * The render tools, resolved once at start-up: the helper, and the versions that key the render cache
 * (Helm's default kubeVersion for offline renders among them). Throws PREREQUISITE_MISSING like
 * requireRenderHelper.
 */
export function renderTools(env: NodeJS.ProcessEnv = process.env): RenderTools {
  const v = readVersions();
  return {
    renderHelper: requireRenderHelper(env),
    versions: {
      helm: v.helm,
      kustomize: v.kustomize,
      jsonnet: v.jsonnet,
      kubernetes: v.kubernetes,
      renderHelper: renderHelperKey(),
    },
  };
}

/** The render helper, or a PREREQUISITE_MISSING error that says how to build it. */
export function requireRenderHelper(env: NodeJS.ProcessEnv = process.env): string {
  const found = findRenderHelper(env);
  if (found !== undefined) return found;
  throw new MooringError(
    'PREREQUISITE_MISSING',
    `the render helper (mooring-render) for these sources (key ${renderHelperKey()}) is not built`,
    { hint: 'run `npm run toolchain` once (it builds the render helper), or set MOORING_RENDER_HELPER' },
  );
}
