/** Picks the renderer for an app folder from the names of the files in it. Pure. */
import type { RendererKind } from './types.js';

/** File names that make a folder a kustomization, in kustomize's own order of preference. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/**
 * The renderer for a folder holding `fileNames` (top level only): a kustomization file means kustomize,
 * Chart.yaml means helm, any *.jsonnet file means jsonnet, anything else is a directory of manifests.
 */
export function detectRenderer(fileNames: readonly string[]): RendererKind {
  const names = new Set(fileNames);
  if (KUSTOMIZATION_FILES.some((name) => names.has(name))) return 'kustomize';
  if (names.has('Chart.yaml')) return 'helm';
  if (fileNames.some((name) => name.endsWith('.jsonnet'))) return 'jsonnet';
  return 'directory';
}

/**
 * The jsonnet entry file among `fileNames`: main.jsonnet, else the only *.jsonnet file; undefined when
 * there are several and none is main.jsonnet (the user must choose with options.jsonnet.main).
 */
export function jsonnetEntry(fileNames: readonly string[]): string | undefined {
  const candidates = fileNames.filter((name) => name.endsWith('.jsonnet')).sort();
  if (candidates.includes('main.jsonnet')) return 'main.jsonnet';
  return candidates.length === 1 ? candidates[0] : undefined;
}
