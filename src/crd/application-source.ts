/**
 * The `spec.source` of an Application: where its manifests come from (repository, ref, path, credentials)
 * and how they are rendered. Each CEL rule here has a zod twin, so `parse` and the API server agree. Pure.
 */
import { z } from 'zod';

import type { RenderOptions, RendererKind } from '../render/types.js';
import type { RefSpec } from '../source/types.js';
import { celCountSet, celMeta, countSet, localObjectReferenceSchema, matchingString } from './common.js';
import type { CelRule } from './common.js';

/**
 * https/http/ssh/file URLs, or scp-like `user@host:path`. No whitespace, no password in the URL, no host or
 * user starting with '-', no `ext::` transport helpers. RE2-compatible (no lookaround) so the API server can
 * check it too; the controller still runs source/validate.ts's full check before handing it to git.
 */
export const REPO_URL_PATTERN =
  /^((https?|ssh):\/\/([^\s/:@?#]+@)?[^\s/:@?#-][^\s@]*|file:\/\/[^\s]+|([A-Za-z0-9._~+][A-Za-z0-9._~+-]*@)?[A-Za-z0-9._][A-Za-z0-9._-]*:([^\s/:-]|\/[^\s/])[^\s]*)$/;

/** A branch or tag: no whitespace, no leading '-', none of ~ ^ : ? * [ \ (git's check-ref-format). */
const REF_NAME_PATTERN = /^[^\s~^:?*[\\-][^\s~^:?*[\\]*$/;

const REF_KEYS = ['branch', 'tag', 'semver', 'commit'] as const;
const refOneOf: CelRule = {
  rule: `${celCountSet(REF_KEYS)} == 1`,
  message: 'set exactly one of branch, tag, semver or commit',
};

function refNameSchema(kind: 'branch' | 'tag'): z.ZodString {
  return z
    .string()
    .min(1)
    .max(255)
    .regex(REF_NAME_PATTERN, { message: `must be a plain ${kind} name` })
    .describe(`Follow this ${kind}.`);
}

/** Which revision to follow: exactly one of branch, tag, semver (a range over tags) or commit. */
export const refSchema = z
  .object({
    branch: refNameSchema('branch').optional(),
    tag: refNameSchema('tag').optional(),
    semver: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[^\s-]/, { message: 'must be a semver range such as ^1.2.0' })
      .describe('Follow the highest tag in this semver range, e.g. "~1.4" or ">=1.0.0 <2".')
      .optional(),
    commit: z
      .string()
      .regex(/^[0-9a-fA-F]{7,40}$/, { message: 'must be 7 to 40 hexadecimal digits' })
      .describe('Pin this commit.')
      .optional(),
  })
  .refine((ref) => countSet(ref, REF_KEYS) === 1, { message: refOneOf.message })
  .meta({ description: 'The revision to follow.', ...celMeta([refOneOf]) });

const pathNoParent: CelRule = {
  rule: "!self.split('/').exists(part, part == '..')",
  message: 'path must stay inside the repository (no ".." parts)',
};

const stringMap = (description: string) => z.record(z.string(), z.string()).describe(description);
const relativePaths = (description: string) => z.array(z.string().min(1).max(1024)).describe(description);

const directorySchema = z
  .object({
    recurse: z.boolean().describe('Descend into sub-folders (the renderer defaults to true).').optional(),
    include: relativePaths('Globs a file must match to be read (default *.yaml, *.yml, *.json).').optional(),
    exclude: relativePaths('Globs of files to skip.').optional(),
  })
  .describe('Render plain YAML/JSON files of the folder.');

const kustomizeSchema = z
  .object({
    allowRemoteBases: z
      .boolean()
      .describe(
        'Remote bases and resources (URLs) are not supported yet: renders reach no network. Setting this to true is refused with a clear error.',
      )
      .optional(),
  })
  .describe('Render with `kustomize build`.');

const helmSchema = z
  .object({
    releaseName: z
      .string()
      .min(1)
      .max(53)
      .describe('Release name (default: the Application name).')
      .optional(),
    valueFiles: relativePaths('Values files relative to the app folder, inside the repository.').optional(),
    values: z.record(z.string(), z.unknown()).describe('Inline values, merged last.').optional(),
    kubeVersion: z.string().describe('What .Capabilities.KubeVersion reports, e.g. "1.36.0".').optional(),
    apiVersions: z.array(z.string()).describe('Extra API versions for .Capabilities.APIVersions.').optional(),
    includeCRDs: z.boolean().describe("Render the chart's crds/ folder too.").optional(),
  })
  .describe('Render with `helm template`.');

const jsonnetSchema = z
  .object({
    main: z.string().min(1).describe('Entry file relative to the app folder.').optional(),
    tlas: stringMap('Top-level arguments (strings).').optional(),
    extVars: stringMap('External variables (strings).').optional(),
    libPaths: relativePaths('Library folders relative to the repository root.').optional(),
  })
  .describe('Render with jsonnet.');

/** What spec.source.verify checks: the commit (head), the annotated tag of the ref (tag), or both. */
export const VERIFY_MODES = ['head', 'tag', 'tagAndHead'] as const;

const verifyNeedsTag: CelRule = {
  rule: "!has(self.verify) || !has(self.verify.mode) || self.verify.mode == 'head' || has(self.ref.tag) || has(self.ref.semver)",
  message: 'verify.mode tag and tagAndHead need ref.tag or ref.semver',
};

const verifySchema = z
  .object({
    mode: z
      .enum(VERIFY_MODES)
      .describe(
        'head: the commit must be signed; tag: the annotated tag the ref resolves to; tagAndHead: both (default head).',
      )
      .optional(),
    secretRef: localObjectReferenceSchema(
      'Secret (in the Application namespace) holding the trusted public keys: OpenPGP as *.asc (armored), SSH as *.pub or allowed_signers',
    ),
  })
  .describe(
    'Refuse revisions not signed by a trusted key (OpenPGP or SSH, checked with git verify-commit / verify-tag).',
  );

/** The renderers Mooring has, as spec.source.renderer names them. */
export const RENDERERS = [
  'directory',
  'kustomize',
  'helm',
  'jsonnet',
] as const satisfies readonly RendererKind[];

const RENDERER_SECTIONS = RENDERERS;
const oneRendererSection: CelRule = {
  rule: `${celCountSet(RENDERER_SECTIONS)} <= 1`,
  message: 'set at most one of directory, kustomize, helm or jsonnet',
};
const rendererMatchesSection: CelRule = {
  rule: `!has(self.renderer) || (${RENDERER_SECTIONS.map((s) => `(!has(self.${s}) || self.renderer == '${s}')`).join(' && ')})`,
  message: 'renderer must name the section that is set (directory, kustomize, helm or jsonnet)',
};

/** spec.source of an Application. */
export const sourceSchema = z
  .object({
    repoURL: matchingString(
      REPO_URL_PATTERN,
      'repoURL must be an https://, http://, ssh://, file:// or user@host:path URL, without a password',
      'The Git repository: https://, ssh://, user@host:path or file:// (http:// for test servers).',
    )
      .min(1)
      .max(2048),
    ref: refSchema,
    path: z
      .string()
      .max(1024)
      .regex(/^([^/\\][^\\]*)?$/, { message: 'must be a relative folder without backslashes' })
      .refine((path) => !path.split('/').includes('..'), { message: pathNoParent.message })
      .meta({
        description: "The app's folder in the repository ('' for the root).",
        ...celMeta([pathNoParent]),
      })
      .default(''),
    secretRef: localObjectReferenceSchema(
      'Secret holding Git credentials (username + password, or identity + known_hosts)',
    ).optional(),
    verify: verifySchema.optional(),
    directory: directorySchema.optional(),
    kustomize: kustomizeSchema.optional(),
    helm: helmSchema.optional(),
    jsonnet: jsonnetSchema.optional(),
    renderer: z
      .enum(RENDERERS)
      .describe("Force a renderer; by default it is detected from the folder's files.")
      .optional(),
  })
  .refine((source) => countSet(source, RENDERER_SECTIONS) <= 1, { message: oneRendererSection.message })
  .refine(
    (source) =>
      source.verify?.mode === undefined ||
      source.verify.mode === 'head' ||
      source.ref.tag !== undefined ||
      source.ref.semver !== undefined,
    { message: verifyNeedsTag.message },
  )
  .refine(
    (source) =>
      source.renderer === undefined ||
      RENDERER_SECTIONS.every((section) => source[section] === undefined || source.renderer === section),
    { message: rendererMatchesSection.message },
  )
  .meta({
    description: 'Where the manifests come from and how they are rendered.',
    ...celMeta([oneRendererSection, rendererMatchesSection, verifyNeedsTag]),
  });

export type ApplicationSource = z.infer<typeof sourceSchema>;
export type ApplicationRef = z.infer<typeof refSchema>;

/** The engine's RefSpec of a validated spec.source.ref. */
export function refSpecOf(ref: ApplicationRef): RefSpec {
  if (ref.branch !== undefined) return { branch: ref.branch };
  if (ref.tag !== undefined) return { tag: ref.tag };
  if (ref.semver !== undefined) return { semver: ref.semver };
  if (ref.commit !== undefined) return { commit: ref.commit };
  throw new Error('refSpecOf: the ref sets none of branch, tag, semver or commit (parse it first)');
}

/** Copies the keys whose value is defined (exactOptionalPropertyTypes: absent, never undefined). */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * The render stage's options for a spec.source. A renderer section (e.g. `kustomize: {}`) chooses that
 * renderer even without `renderer:`; with neither, the renderer is detected from the folder's files.
 */
export function renderOptionsOf(source: ApplicationSource): RenderOptions {
  const options: RenderOptions = {};
  const kind = source.renderer ?? RENDERERS.find((section) => source[section] !== undefined);
  if (kind !== undefined) options.kind = kind;
  if (source.directory !== undefined) options.directory = definedOnly(source.directory);
  if (source.kustomize !== undefined) options.kustomize = definedOnly(source.kustomize);
  if (source.helm !== undefined) options.helm = definedOnly(source.helm);
  if (source.jsonnet !== undefined) options.jsonnet = definedOnly(source.jsonnet);
  return options;
}
