/**
 * Builds the CustomResourceDefinitions (apiextensions.k8s.io/v1) of Mooring's resources from their zod
 * schemas, and renders them as the YAML committed under deploy/crds/. Pure: write-crds.ts does the I/O.
 */
import { stringify } from 'yaml';
import { z } from 'zod';

import type { KubeObject } from '../core/objects.js';
import { APPLICATION_KIND, APPLICATION_PLURAL, applicationSpecSchema } from './application.js';
import { applicationStatusSchema } from './application-status.js';
import { MOORING_GROUP, MOORING_VERSION } from './common.js';
import {
  NOTIFICATION_POLICY_KIND,
  NOTIFICATION_POLICY_PLURAL,
  notificationPolicySpecSchema,
  notificationPolicyStatusSchema,
} from './notification-policy.js';
import { toStructural } from './structural.js';
import type { SchemaNode } from './structural.js';
import {
  IMAGE_UPDATE_AUTOMATION_KIND,
  IMAGE_UPDATE_AUTOMATION_PLURAL,
  imageUpdateAutomationSpecSchema,
  imageUpdateAutomationStatusSchema,
} from './imageupdateautomation.js';
import {
  IMAGE_POLICY_KIND,
  IMAGE_POLICY_PLURAL,
  imagePolicySpecSchema,
  imagePolicyStatusSchema,
} from './image-policy.js';
import {
  IMAGE_REPOSITORY_KIND,
  IMAGE_REPOSITORY_PLURAL,
  imageRepositorySpecSchema,
  imageRepositoryStatusSchema,
} from './image-repository.js';
import { PROJECT_KIND, PROJECT_PLURAL, projectSpecSchema } from './project.js';
import { SYNC_RECORD_KIND, SYNC_RECORD_PLURAL, syncRecordSpecSchema } from './syncrecord.js';

/** One `additionalPrinterColumns` entry of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 (default) shows it in `kubectl get`; 1 only with `-o wide`. */
  priority?: number;
}

/** The structural OpenAPI v3 schema of one zod schema, as the CRD's openAPIV3Schema uses it. */
export function openApiSchemaOf(schema: z.ZodType, path: string): SchemaNode {
  // io "input": fields that have defaults are optional in a manifest, and the API server fills them in.
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return toStructural(json, path);
}

interface CrdParts {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  properties: Record<string, SchemaNode>;
  printerColumns: PrinterColumn[];
  statusSubresource: boolean;
  selectableFields?: string[];
}

function crdOf(parts: CrdParts): KubeObject {
  const version: Record<string, unknown> = {
    name: MOORING_VERSION,
    served: true,
    storage: true,
    schema: {
      openAPIV3Schema: {
        description: parts.description,
        type: 'object',
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          ...parts.properties,
        },
      },
    },
    ...(parts.statusSubresource ? { subresources: { status: {} } } : {}),
    additionalPrinterColumns: parts.printerColumns,
    ...(parts.selectableFields === undefined
      ? {}
      : { selectableFields: parts.selectableFields.map((jsonPath) => ({ jsonPath })) }),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${parts.plural}.${MOORING_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'mooring', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: MOORING_GROUP,
      scope: 'Namespaced',
      names: {
        kind: parts.kind,
        listKind: `${parts.kind}List`,
        plural: parts.plural,
        singular: parts.singular,
        shortNames: parts.shortNames,
        categories: ['mooring'],
      },
      versions: [version],
    },
  };
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The CRD of Application: spec, status subresource, and the columns of `kubectl get applications`. */
export function applicationCrd(): KubeObject {
  return crdOf({
    kind: APPLICATION_KIND,
    plural: APPLICATION_PLURAL,
    singular: 'application',
    shortNames: ['mapp'],
    description: 'An app that Mooring keeps equal to a folder of a Git repository.',
    properties: {
      spec: openApiSchemaOf(applicationSpecSchema, 'spec'),
      status: openApiSchemaOf(applicationStatusSchema, 'status'),
    },
    statusSubresource: true,
    printerColumns: [
      { name: 'Sync', type: 'string', jsonPath: '.status.sync.status' },
      { name: 'Health', type: 'string', jsonPath: '.status.health.status' },
      { name: 'Revision', type: 'string', jsonPath: '.status.sync.shortRevision' },
      AGE,
      { name: 'Message', type: 'string', jsonPath: '.status.summary', priority: 1 },
    ],
  });
}

/** The CRD of SyncRecord: spec only (immutable), selectable by application and result. */
export function syncRecordCrd(): KubeObject {
  return crdOf({
    kind: SYNC_RECORD_KIND,
    plural: SYNC_RECORD_PLURAL,
    singular: 'syncrecord',
    shortNames: ['msync'],
    description: 'The history of one sync of an Application; never changed after it is written.',
    properties: { spec: openApiSchemaOf(syncRecordSpecSchema, 'spec') },
    statusSubresource: false,
    printerColumns: [
      { name: 'App', type: 'string', jsonPath: '.spec.application' },
      { name: 'Trigger', type: 'string', jsonPath: '.spec.trigger' },
      { name: 'Revision', type: 'string', jsonPath: '.spec.revision' },
      { name: 'Result', type: 'string', jsonPath: '.spec.result' },
      AGE,
    ],
    // `kubectl get syncrecords --field-selector spec.application=web` lists one app's history.
    selectableFields: ['.spec.application', '.spec.result'],
  });
}

/** The CRD of Project: what the Applications of some namespaces may do, read from the controller namespace. */
export function projectCrd(): KubeObject {
  return crdOf({
    kind: PROJECT_KIND,
    plural: PROJECT_PLURAL,
    singular: 'project',
    shortNames: ['mproj'],
    description:
      'What Applications may do: source repositories, destinations and the ServiceAccount each is applied as, allowed kinds. Read only from the controller namespace.',
    properties: { spec: openApiSchemaOf(projectSpecSchema, 'spec') },
    statusSubresource: false,
    printerColumns: [
      { name: 'Namespaces', type: 'string', jsonPath: '.spec.sourceNamespaces' },
      { name: 'Repos', type: 'string', jsonPath: '.spec.sourceRepos', priority: 1 },
      AGE,
    ],
  });
}

/** The CRD of NotificationPolicy: which apps, which events, which sinks; status keeps what was sent. */
export function notificationPolicyCrd(): KubeObject {
  return crdOf({
    kind: NOTIFICATION_POLICY_KIND,
    plural: NOTIFICATION_POLICY_PLURAL,
    singular: 'notificationpolicy',
    shortNames: ['mnotify'],
    description:
      'Which Applications, which events (sync failed, recovered, drift...), and where to send them; sent once per change of state.',
    properties: {
      spec: openApiSchemaOf(notificationPolicySpecSchema, 'spec'),
      status: openApiSchemaOf(notificationPolicyStatusSchema, 'status'),
    },
    statusSubresource: true,
    printerColumns: [
      { name: 'Events', type: 'string', jsonPath: '.spec.events' },
      { name: 'Sinks', type: 'string', jsonPath: '.spec.sinks[*].type' },
      AGE,
    ],
  });
}

/** The CRD of ImageUpdateAutomation: spec, status subresource, last push in `kubectl get`. */
export function imageUpdateAutomationCrd(): KubeObject {
  return crdOf({
    kind: IMAGE_UPDATE_AUTOMATION_KIND,
    plural: IMAGE_UPDATE_AUTOMATION_PLURAL,
    singular: 'imageupdateautomation',
    shortNames: ['miua'],
    description:
      'Edits the image fields marked in a Git repository with the images the ImagePolicies of its namespace chose, and commits them (to the branch or as a pull request).',
    properties: {
      spec: openApiSchemaOf(imageUpdateAutomationSpecSchema, 'spec'),
      status: openApiSchemaOf(imageUpdateAutomationStatusSchema, 'status'),
    },
    statusSubresource: true,
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Last push', type: 'string', jsonPath: '.status.lastPushCommit' },
      { name: 'Pushed', type: 'date', jsonPath: '.status.lastPushTime' },
      AGE,
      {
        name: 'Message',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        priority: 1,
      },
    ],
  });
}

/** The CRD of ImageRepository: an image whose tags the scan controller lists. */
export function imageRepositoryCrd(): KubeObject {
  return crdOf({
    kind: IMAGE_REPOSITORY_KIND,
    plural: IMAGE_REPOSITORY_PLURAL,
    singular: 'imagerepository',
    shortNames: ['mimgrepo'],
    description: 'An image in an OCI registry whose tags Mooring scans (interval and registry webhooks).',
    properties: {
      spec: openApiSchemaOf(imageRepositorySpecSchema, 'spec'),
      status: openApiSchemaOf(imageRepositoryStatusSchema, 'status'),
    },
    statusSubresource: true,
    printerColumns: [
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      { name: 'Tags', type: 'integer', jsonPath: '.status.tagCount' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Last scan', type: 'date', jsonPath: '.status.lastScanTime' },
      AGE,
      {
        name: 'Message',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        priority: 1,
      },
    ],
  });
}

/** The CRD of ImagePolicy: which tag of an ImageRepository is the latest, written to status.latestImage. */
export function imagePolicyCrd(): KubeObject {
  return crdOf({
    kind: IMAGE_POLICY_KIND,
    plural: IMAGE_POLICY_PLURAL,
    singular: 'imagepolicy',
    shortNames: ['mimgpol'],
    description:
      'Chooses the latest tag of an ImageRepository (semver, numerical, alphabetical; digest pinning).',
    properties: {
      spec: openApiSchemaOf(imagePolicySpecSchema, 'spec'),
      status: openApiSchemaOf(imagePolicyStatusSchema, 'status'),
    },
    statusSubresource: true,
    printerColumns: [
      { name: 'Latest image', type: 'string', jsonPath: '.status.latestImage' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      AGE,
      {
        name: 'Message',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        priority: 1,
      },
    ],
  });
}

/** The generated CRD files: name under deploy/crds/ and the object. */
export function crdFiles(): { file: string; crd: KubeObject }[] {
  return [
    { file: 'applications.yaml', crd: applicationCrd() },
    { file: 'notificationpolicies.yaml', crd: notificationPolicyCrd() },
    { file: 'imageupdateautomations.yaml', crd: imageUpdateAutomationCrd() },
    { file: 'imagepolicies.yaml', crd: imagePolicyCrd() },
    { file: 'imagerepositories.yaml', crd: imageRepositoryCrd() },
    { file: 'projects.yaml', crd: projectCrd() },
    { file: 'syncrecords.yaml', crd: syncRecordCrd() },
  ];
}

const HEADER = '# Generated from src/crd/*.ts by `node dist/src/crd/write-crds.js`: do not edit by hand.\n';

/** A CRD as committed: a header saying where it comes from, then YAML that Prettier leaves unchanged. */
export function renderCrdYaml(crd: KubeObject): string {
  return HEADER + stringify(crd, { lineWidth: 0, singleQuote: true, aliasDuplicateObjects: false });
}
