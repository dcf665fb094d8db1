/** Contracts of the render stage. Implementation: src/render/*. */
import type { KubeObject } from '../core/objects.js';

export type RendererKind = 'directory' | 'kustomize' | 'helm' | 'jsonnet';

export interface DirectoryOptions {
  /** Descend into sub-folders (default true). */
  recurse?: boolean;
  /** Glob patterns (relative to the app folder) a file must match to be read; default all *.yaml|*.yml|*.json. */
  include?: string[];
  exclude?: string[];
}

export interface KustomizeOptions {
  /** Allow remote bases/resources (URLs). Off by default. */
  allowRemoteBases?: boolean;
}

export interface HelmOptions {
  releaseName?: string;
  /** Value files relative to the app folder (must stay inside the checkout). */
  valueFiles?: string[];
  /** Inline values, merged last. */
  values?: Record<string, unknown>;
  /** e.g. "1.36.3": what .Capabilities.KubeVersion reports; default the toolchain's. */
  kubeVersion?: string;
  /** Extra API versions for .Capabilities.APIVersions.Has */
  apiVersions?: string[];
  includeCRDs?: boolean;
}

export interface JsonnetOptions {
  /** Entry file relative to the app folder; default the only *.jsonnet file, or main.jsonnet. */
  main?: string;
  tlas?: Record<string, string>;
  extVars?: Record<string, string>;
  /** Library folders relative to the checkout root (must stay inside it). */
  libPaths?: string[];
}

export interface RenderOptions {
  /** Force a renderer; default: auto-detect from the app folder's files. */
  kind?: RendererKind;
  directory?: DirectoryOptions;
  kustomize?: KustomizeOptions;
  helm?: HelmOptions;
  jsonnet?: JsonnetOptions;
}

/** Paths of the external tools. */
export interface RenderTools {
  helm: string;
  kustomize: string;
  jsonnet: string;
}

export interface RenderLimits {
  /** Per render (default 60 s). */
  timeoutMs: number;
  /** Max bytes of rendered output (default 64 MiB). */
  maxOutputBytes: number;
}

export interface RenderInput {
  /** Absolute checkout root: nothing outside it may be read (symlinks and '..' included). */
  root: string;
  /** The app folder, relative to root. */
  path: string;
  /** Namespace for Helm's release namespace and .Release.Namespace. */
  namespace: string;
  options: RenderOptions;
  tools: RenderTools;
  limits?: Partial<RenderLimits>;
}

/** Where an object came from, for error messages: file (relative to root), document index, line. */
export interface ObjectOrigin {
  file: string;
  document: number;
  line: number;
}

export interface RenderedObject {
  object: KubeObject;
  origin?: ObjectOrigin;
}

export interface RenderResult {
  renderer: RendererKind;
  objects: RenderedObject[];
  warnings: string[];
}
