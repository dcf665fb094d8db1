/**
 * The helm renderer: Helm's chart loader and `helm template`'s client-only install inside the render
 * helper. The chart, its file:// dependencies and the value files are read through a read-only view of
 * the checkout and assembled in memory (a dependency's name is only a name: nothing is written); charts
 * that are neither vendored under charts/ nor file:// are refused, as nothing is downloaded.
 */
import { MooringError } from '../core/errors.js';
import { defaultReleaseName, validateHelmInputs } from './helm-args.js';
import { runHelper } from './helper.js';
import { DEFAULT_MAX_OBJECTS, parseManifests } from './parse.js';
import type { RenderContext, RendererOutput } from './types.js';

/** Renders a Helm chart as `helm template` does. */
export async function renderHelm(context: RenderContext): Promise<RendererOutput> {
  const helm = context.input.options.helm ?? {};
  const releaseName = helm.releaseName ?? defaultReleaseName(context.appPath);
  // spec.source.helm.kubeVersion, else the destination cluster's, else the toolchain's (offline renders).
  const kubeVersion =
    helm.kubeVersion ?? context.input.kubeVersion ?? context.input.tools.versions?.kubernetes;
  if (kubeVersion === undefined)
    throw new MooringError('RENDER_FAILED', "no Kubernetes version for Helm's .Capabilities.KubeVersion", {
      step: 'render',
      hint: 'set spec.source.helm.kubeVersion, or render against a cluster',
    });
  const apiVersions = helm.apiVersions ?? [];
  validateHelmInputs({
    releaseName,
    namespace: context.input.namespace,
    kubeVersion,
    apiVersions,
    includeCRDs: helm.includeCRDs === true,
  });
  const output = await runHelper(context, {
    renderer: 'helm',
    helm: { ...helm, releaseName, kubeVersion, apiVersions, includeCRDs: helm.includeCRDs === true },
  });
  const objects = parseManifests(output.stdout, `helm template output of ${context.appPath || '.'}`, {
    maxObjects: context.limits.maxObjects ?? DEFAULT_MAX_OBJECTS,
  });
  return { objects, warnings: output.warnings };
}
