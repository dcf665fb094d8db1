/**
 * Application specs shared by the schema's unit tests and the API server's integration tests, so both
 * prove the same thing: zod and the CRD accept and refuse the same specs.
 */
import type { ApplicationSpecInput } from '../../../src/crd/application.js';
import type { SyncRecordSpec } from '../../../src/crd/syncrecord.js';

/** The smallest valid spec: everything else has a default or is optional. */
export function minimalSpec(): ApplicationSpecInput {
  return {
    source: { repoURL: 'https://git.example.com/org/config.git', ref: { branch: 'main' } },
    destination: { namespace: 'web' },
  };
}

/** A spec with source overrides merged into the minimal one. */
export function specWithSource(source: Record<string, unknown>): Record<string, unknown> {
  const spec = minimalSpec();
  return { ...spec, source: { ...spec.source, ...source } };
}

export interface InvalidSample {
  /** What is wrong, as the test names it. */
  what: string;
  spec: Record<string, unknown>;
  /** A fragment of the API server's message (and of zod's, unless `zodMessage` says otherwise). */
  message: string;
  zodMessage?: string;
}

/** Specs the API server and zod must both refuse, with the words each says why. */
export const INVALID_SPECS: InvalidSample[] = [
  {
    what: 'two refs at once',
    spec: specWithSource({ ref: { branch: 'main', tag: 'v1.0.0' } }),
    message: 'set exactly one of branch, tag, semver or commit',
  },
  {
    what: 'an empty ref',
    spec: specWithSource({ ref: {} }),
    message: 'set exactly one of branch, tag, semver or commit',
  },
  {
    what: 'no ref',
    spec: { source: { repoURL: 'https://git.example.com/x.git' }, destination: { namespace: 'web' } },
    message: 'spec.source.ref: Required value',
    zodMessage: 'spec.source.ref',
  },
  {
    what: 'an ftp:// repoURL',
    spec: specWithSource({ repoURL: 'ftp://git.example.com/x.git' }),
    message: 'repoURL must be an https://, http://, ssh://, file:// or user@host:path URL',
  },
  {
    what: 'an ext:: transport as repoURL',
    spec: specWithSource({ repoURL: 'ext::sh -c touch% /tmp/pwned' }),
    message: 'repoURL must be an https://',
  },
  {
    what: 'a password in the repoURL',
    spec: specWithSource({ repoURL: 'https://user:secret@git.example.com/x.git' }),
    message: 'without a password',
  },
  {
    what: 'an interval that is not a duration',
    spec: { ...minimalSpec(), interval: '3 minutes' },
    message: 'must be a duration of at least 1s, such as 90s, 3m or 1h30m',
  },
  {
    what: 'a zero interval',
    spec: { ...minimalSpec(), interval: '0s' },
    message: 'must be a duration of at least 1s',
  },
  {
    what: 'a pruneThreshold of 2',
    spec: { ...minimalSpec(), syncPolicy: { pruneThreshold: 2 } },
    message: 'less than or equal to 1',
    zodMessage: '<=1',
  },
  {
    what: 'a pruneThreshold of 0',
    spec: { ...minimalSpec(), syncPolicy: { pruneThreshold: 0 } },
    message: 'greater than 0',
    zodMessage: '>0',
  },
  {
    what: 'a path with ".." parts',
    spec: specWithSource({ path: 'apps/../../etc' }),
    message: 'path must stay inside the repository',
  },
  {
    what: 'two renderer sections',
    spec: specWithSource({ kustomize: {}, helm: {} }),
    message: 'set at most one of directory, kustomize, helm or jsonnet',
  },
  {
    what: 'a renderer that contradicts its section',
    spec: specWithSource({ renderer: 'helm', kustomize: {} }),
    message: 'renderer must name the section that is set',
  },
  {
    what: 'tag verification of a branch',
    spec: specWithSource({ verify: { mode: 'tag', secretRef: { name: 'keys' } } }),
    message: 'verify.mode tag and tagAndHead need ref.tag or ref.semver',
  },
  {
    what: 'an unknown verify mode',
    spec: specWithSource({ ref: { tag: 'v1' }, verify: { mode: 'HEAD', secretRef: { name: 'keys' } } }),
    message: 'spec.source.verify.mode',
  },
  {
    what: 'verification without a key Secret',
    spec: specWithSource({ verify: { mode: 'head' } }),
    message: 'spec.source.verify.secretRef: Required value',
    zodMessage: 'spec.source.verify.secretRef',
  },
  {
    what: 'a destination namespace with capitals',
    spec: { ...minimalSpec(), destination: { namespace: 'Web' } },
    message: 'spec.destination.namespace',
  },
];

/** A finished sync as the controller records it. */
export function sampleRecordSpec(): SyncRecordSpec {
  return {
    application: 'web',
    trigger: 'webhook',
    revision: '0123456789abcdef0123456789abcdef01234567',
    commit: { author: 'Ann Lee <ann@example.com>', message: 'web: two replicas' },
    startedAt: '2026-01-02T03:04:05Z',
    finishedAt: '2026-01-02T03:04:09.250Z',
    result: 'Succeeded',
    message: 'applied 2 objects',
    objects: [
      { subject: 'Deployment/web/web', action: 'configured' },
      { subject: 'ConfigMap/web/settings', action: 'unchanged' },
    ],
    diffSummary: { created: 0, configured: 1, pruned: 0, unchanged: 1, failed: 0 },
  };
}
