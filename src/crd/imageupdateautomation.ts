/**
 * The ImageUpdateAutomation custom resource (mooring.dev/v1alpha1, namespaced): which Git repository, branch
 * and paths to edit with the images the ImagePolicies of its namespace chose, who commits, and where the
 * commit goes (the branch, or a separate branch with a pull request). Flux's ImageUpdateAutomation is the
 * anchor; the setter markers are Flux's plus Mooring's own (src/image/update/markers.ts). Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import {
  durationSchema,
  localObjectReferenceSchema,
  MOORING_API_VERSION,
  objectNameSchema,
  parseField,
  timestampSchema,
} from './common.js';

export const IMAGE_UPDATE_AUTOMATION_KIND = 'ImageUpdateAutomation';
export const IMAGE_UPDATE_AUTOMATION_PLURAL = 'imageupdateautomations';

/** The trailer added to every commit unless spec.git.trailer says otherwise: CI skips the commit. */
export const DEFAULT_TRAILER = '[skip ci]';
/** The commit message when spec.git.messageTemplate is not set. */
export const DEFAULT_MESSAGE_TEMPLATE = 'Update images of {{automation}}\n\n{{changes}}';
/** The branch pull-request mode pushes to: `mooring/image-updates/<automation>`. */
export const PULL_REQUEST_BRANCH_PREFIX = 'mooring/image-updates/';

const PROVIDERS = ['github', 'gitlab', 'gitea'] as const;
export type PullRequestProvider = (typeof PROVIDERS)[number];

const pullRequestSchema = z
  .object({
    provider: z.enum(PROVIDERS).describe('The Git host API: github, gitlab, or gitea (also Forgejo).'),
    apiURL: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
      .describe(
        'Base URL of the API: https://api.github.com, https://gitlab.example.com/api/v4, https://gitea.example.com/api/v1.',
      ),
    repository: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, {
        message: 'must be owner/name (GitLab: group/…/project)',
      })
      .describe(
        'The repository on that host: owner/name (GitLab: the project path, group/subgroup/project).',
      ),
    tokenSecretRef: z
      .object({
        name: objectNameSchema('Name of the Secret (in the automation namespace) holding the API token.'),
        key: z.string().min(1).max(253).default('token').describe('Key of the token in the Secret.'),
      })
      .describe('The API token: sent only to apiURL, never logged.'),
    base: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Branch the pull request targets (default: sourceRef.branch).'),
  })
  .describe(
    'Push to mooring/image-updates/<automation> and open (or update) a pull request instead of pushing to the branch.',
  );

/** spec of an ImageUpdateAutomation. */
export const imageUpdateAutomationSpecSchema = z.object({
  sourceRef: z
    .object({
      url: z
        .string()
        .min(1)
        .max(2048)
        .describe('Git repository URL (https://, ssh://, or file:// with --allow-file-repos).'),
      branch: z.string().min(1).max(255).describe('Branch to read and (without push) to push to.'),
      secretRef: localObjectReferenceSchema(
        'Secret holding Git credentials with push access (labelled mooring.dev/credential-type=repository, as for Applications)',
      ).optional(),
    })
    .describe('The repository to edit.'),
  update: z
    .object({
      paths: z
        .array(z.string().max(1024))
        .max(64)
        .default([''])
        .describe(
          'Folders or files (relative to the repository root) whose YAML files are edited; default the whole repository.',
        ),
      strategy: z
        .enum(['Setters'])
        .default('Setters')
        .describe('Setters: edit the fields marked with image policy comments.'),
    })
    .prefault({})
    .describe('What to edit.'),
  git: z
    .object({
      author: z
        .object({
          name: z.string().min(1).max(256).default('Mooring Image Automation'),
          email: z.string().min(3).max(256).default('mooring@mooring.invalid'),
        })
        .prefault({})
        .describe('Author and committer of the commits.'),
      messageTemplate: z
        .string()
        .max(8192)
        .default(DEFAULT_MESSAGE_TEMPLATE)
        .describe(
          'Commit message: {{automation}}, {{count}}, {{images}} (one line per image, before -> after) and {{changes}} (one line per field, with file and line) are replaced.',
        ),
      trailer: z
        .string()
        .max(256)
        .default(DEFAULT_TRAILER)
        .describe('Appended as the last line of every message so CI skips the commit; "" for none.'),
      signingKey: z
        .object({
          secretRef: localObjectReferenceSchema(
            'Secret holding the armored OpenPGP secret key under git.asc and, when it has one, its passphrase under passphrase',
          ),
        })
        .optional()
        .describe(
          'Sign every commit with this OpenPGP key (as Flux: a Secret with git.asc and an optional passphrase). A key that cannot sign pushes nothing.',
        ),
    })
    .prefault({})
    .describe('How commits are made.'),
  push: z
    .object({
      branch: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .describe(
          'Push to this branch (default: sourceRef.branch). Another branch holds one commit on top of sourceRef.branch, replaced when the chosen images change.',
        ),
      pullRequest: pullRequestSchema.optional(),
    })
    .refine((push) => push.branch === undefined || push.pullRequest === undefined, {
      message: 'set branch or pullRequest, not both',
    })
    .meta({
      'x-kubernetes-validations': [
        {
          rule: '!(has(self.branch) && has(self.pullRequest))',
          message: 'set branch or pullRequest, not both',
        },
      ],
    })
    .prefault({})
    .describe('Where the commit goes.'),
  interval: durationSchema('How often the policies are compared with the repository.', '5s').default('1m'),
  suspend: z.boolean().default(false).describe('Stop making commits until set back to false.'),
});

export type ImageUpdateAutomationSpec = z.infer<typeof imageUpdateAutomationSpecSchema>;

const automationConditionSchema = z.object({
  type: z.enum(['Ready']),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32768),
  lastTransitionTime: timestampSchema('When status last changed.'),
  observedGeneration: z.int().min(0).optional(),
});

/** status of an ImageUpdateAutomation. */
export const imageUpdateAutomationStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    conditions: z
      .array(automationConditionSchema)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional(),
    lastAutomationRunTime: timestampSchema(
      'When the automation last compared policies and repository.',
    ).optional(),
    lastPushCommit: z.string().optional().describe('The last commit it pushed.'),
    lastPushTime: timestampSchema('When it pushed it.').optional(),
    observedPolicies: z
      .array(z.object({ name: z.string(), latestImage: z.string() }))
      .optional()
      .describe('The ImagePolicies markers named, with the image each chose, at the last run.'),
    held: z
      .array(z.object({ app: z.string(), reason: z.string() }))
      .optional()
      .describe(
        'Applications whose images are not bumped while a rollback holds them (mooring unpin releases).',
      ),
    pullRequest: z
      .object({ url: z.string(), number: z.int().optional() })
      .optional()
      .describe('The pull request it opened or updated last.'),
  })
  .describe('What the automation last did.');

export type ImageUpdateAutomationStatus = z.infer<typeof imageUpdateAutomationStatusSchema>;

export interface ImageUpdateAutomation extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: ImageUpdateAutomationSpec;
  status?: ImageUpdateAutomationStatus;
}

/** Parses (and defaults) an ImageUpdateAutomation, or throws INVALID_MANIFEST naming every bad field. */
export function parseImageUpdateAutomation(obj: KubeObject): ImageUpdateAutomation {
  const subject = `${IMAGE_UPDATE_AUTOMATION_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== IMAGE_UPDATE_AUTOMATION_KIND)
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} ${IMAGE_UPDATE_AUTOMATION_KIND}, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  return {
    ...obj,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' },
    spec: parseField(imageUpdateAutomationSpecSchema, obj.spec ?? {}, 'spec', subject),
    ...(obj.status === undefined ? {} : { status: obj.status as ImageUpdateAutomationStatus }),
  };
}
