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
  /** Not supported yet: renders reach no network, so `true` fails the render with INVALID_ARGUMENT. */
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
  /**
   * Mooring's render helper (`mooring-render`, built from toolchain/render-helper): kustomize, helm and
   * jsonnet as libraries, reading only the checkout. See src/devcluster/render-helper.ts.
   */
  renderHelper: string;
  /**
   * Versions of the render tools and the helper's source key, resolved once at start-up: part of the render
   * cache key (without them nothing is cached). `kubernetes` is Helm's kubeVersion for renders that have no
   * destination cluster (offline `mooring render`).
   */
  versions?: Readonly<Record<string, string>> & { kubernetes?: string };
}

export interface RenderLimits {
  /** Per render (default 60 s). */
  timeoutMs: number;
  /** Max bytes of rendered output (default 64 MiB). */
  maxOutputBytes: number;
  /** Max memory of a kustomize, helm or jsonnet render (default 1 GiB). */
  maxMemoryBytes: number;
  /** Max number of files one render may read (default 20,000). */
  maxFiles: number;
  /** Max bytes of files one render may read (default 256 MiB). */
  maxReadBytes: number;
  /** Max objects one render may produce, List items included (default 10,000: DEFAULT_MAX_OBJECTS). */
  maxObjects?: number;
  /** Max bytes of one manifest file read by the directory renderer (default 4 MiB: DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
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
  /** The destination cluster's Kubernetes version (its discovery): Helm's .Capabilities.KubeVersion. */
  kubeVersion?: string;
}

/** Where an object came from, for error messages: file (relative to root), document index, line. */
export interface ObjectOrigin {
  /** A path relative to the checkout root, or a tool's output ("helm template output"). */
  file: string;
  /** 1-based number of the YAML document in the file (for jsonnet: of the object in the output). */
  document: number;
  /** 1-based line of the object's start; 0 when unknown (jsonnet output). */
  line: number;
  /** What produced it inside a tool's output: Helm's `# Source:` template, or a jsonnet output path. */
  source?: string;
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

/** What one renderer hands back to render(); render() adds the renderer name and checks duplicates. */
export interface RendererOutput {
  objects: RenderedObject[];
  warnings: string[];
}

/** The resolved, confined inputs every renderer works from (built once by render()). */
export interface RenderContext {
  /** Real absolute path of the checkout root. */
  root: string;
  /** Real absolute path of the app folder (inside root). */
  appDir: string;
  /** The app folder relative to root, '/'-separated ('' for the root itself). */
  appPath: string;
  input: RenderInput;
  limits: RenderLimits;
}
