/**
 * The kustomize renderer: kustomize's krusty API inside the render helper, over a read-only view of the
 * checkout (RootOnly load restrictions, no plugins, no helmCharts, no network, no git). What kustomize
 * may reach is decided where it opens files, so no kustomization is scanned here.
 */
import { runHelper } from './helper.js';
import { DEFAULT_MAX_OBJECTS, parseManifests } from './parse.js';
import type { RenderContext, RendererOutput } from './types.js';

/** Renders a kustomization. */
export async function renderKustomize(context: RenderContext): Promise<RendererOutput> {
  const output = await runHelper(context, {
    renderer: 'kustomize',
    kustomize: context.input.options.kustomize ?? {},
  });
  const objects = parseManifests(output.stdout, `kustomize build output of ${context.appPath || '.'}`, {
    maxObjects: context.limits.maxObjects ?? DEFAULT_MAX_OBJECTS,
  });
  return { objects, warnings: output.warnings };
}
