/**
 * The render stage: one function, `render`, that turns an app folder of a checkout into validated
 * Kubernetes objects with the renderer the folder calls for (or the one the options force).
 */
import { readdir, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';

import { MooringError } from '../core/errors.js';
import { confinedPath, realRoot } from './confine.js';
import { detectRenderer } from './detect.js';
import { renderDirectory } from './directory.js';
import { renderHelm } from './helm.js';
import { renderJsonnet } from './jsonnet.js';
import { renderKustomize } from './kustomize.js';
import { assertUniqueObjects, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OBJECTS, tooManyObjects } from './parse.js';
import { resolveLimits } from './sandbox.js';
import type { RenderContext, RendererKind, RendererOutput, RenderInput, RenderResult } from './types.js';

export { renderCacheKey, RenderCache } from './cache.js';
export { assertNoEscapingSymlinks, confinedPath } from './confine.js';
export { detectRenderer } from './detect.js';
export {
  assertUniqueObjects,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_OBJECTS,
  decodeManifestBytes,
  parseManifests,
} from './parse.js';
export type * from './types.js';

async function context(input: RenderInput): Promise<RenderContext> {
  const root = await realRoot(input.root);
  const appDir = await confinedPath(root, input.path);
  if ((await stat(appDir).catch(() => undefined))?.isDirectory() !== true) {
    throw new MooringError('RENDER_FAILED', `app folder "${input.path}" does not exist in the checkout`, {
      step: 'render',
      subject: input.path,
      hint: 'check the source path of the app: it is relative to the repository root',
    });
  }
  return {
    root,
    appDir,
    appPath: relative(root, appDir).split(sep).join('/'),
    input,
    limits: {
      ...resolveLimits(input.limits),
      maxObjects: input.limits?.maxObjects ?? DEFAULT_MAX_OBJECTS,
      maxFileBytes: input.limits?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    },
  };
}

function run(kind: RendererKind, renderContext: RenderContext): Promise<RendererOutput> {
  switch (kind) {
    case 'directory':
      return renderDirectory(renderContext);
    case 'kustomize':
      return renderKustomize(renderContext);
    case 'helm':
      return renderHelm(renderContext);
    case 'jsonnet':
      return renderJsonnet(renderContext);
  }
}

/**
 * Renders one app: confines every path to `input.root`, picks the renderer (options.kind, else detected
 * from the folder), runs it within the limits, and refuses duplicate objects. Errors are MooringErrors with
 * step 'render': UNSAFE_INPUT, INVALID_MANIFEST, RENDER_FAILED or INVALID_ARGUMENT.
 */
export async function render(input: RenderInput): Promise<RenderResult> {
  const renderContext = await context(input);
  const renderer = input.options.kind ?? detectRenderer(await readdir(renderContext.appDir));
  const { objects, warnings } = await run(renderer, renderContext);
  // Every renderer's output is held to the object limit here (the directory renderer also stops early).
  const maxObjects = renderContext.limits.maxObjects ?? DEFAULT_MAX_OBJECTS;
  if (objects.length > maxObjects)
    throw tooManyObjects(`${renderer} render of ${renderContext.appPath || '.'}`, maxObjects);
  assertUniqueObjects(objects);
  return { renderer, objects, warnings };
}
