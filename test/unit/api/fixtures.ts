/** Applications and fake auth for the API's unit tests (pure logic; the cluster's own answers are tested in test/integration/api). */
import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import type { AccessQuestion, Authenticator, Authorizer, Identity } from '../../../src/api/auth/types.js';

export interface AppFixture {
  name: string;
  namespace: string;
  project?: string;
  cluster?: string;
  sync?: 'Synced' | 'OutOfSync' | 'Unknown';
  health?: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  labels?: Record<string, string>;
  lastSync?: string;
  drifted?: number;
  suspend?: boolean;
  repoURL?: string;
}

/** A parsed Application with the given status. */
export function app(f: AppFixture): Application {
  return parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: {
      name: f.name,
      namespace: f.namespace,
      uid: `uid-${f.namespace}-${f.name}`,
      ...(f.labels === undefined ? {} : { labels: f.labels }),
    },
    spec: {
      project: f.project ?? 'default',
      source: {
        repoURL: f.repoURL ?? 'https://git.example.com/org/config.git',
        ref: { branch: 'main' },
        path: `apps/${f.name}`,
      },
      destination: { namespace: f.namespace, ...(f.cluster === undefined ? {} : { cluster: f.cluster }) },
      ...(f.suspend === undefined ? {} : { suspend: f.suspend }),
    },
    status: {
      sync: { status: f.sync ?? 'Synced', revision: 'a'.repeat(40) },
      health: { status: f.health ?? 'Healthy' },
      ...(f.lastSync === undefined ? {} : { lastSync: { startedAt: f.lastSync, finishedAt: f.lastSync } }),
      resources: Array.from({ length: f.drifted ?? 0 }, (_, i) => ({
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: f.namespace,
        name: `d${i}`,
        drift: [{ path: 'spec.replicas' }],
      })),
    },
  });
}

/** Tokens `token-<user>` are valid for user `<user>`; anything else is not. Counts calls. */
export class FakeAuthenticator implements Authenticator {
  calls = 0;
  authenticate(token: string): Promise<Identity | undefined> {
    this.calls++;
    const match = /^token-([a-z0-9-]+)$/.exec(token);
    return Promise.resolve(
      match === null ? undefined : { user: match[1] as string, groups: [], via: 'token-review' },
    );
  }
}

/** Rules `user verb namespace` ('*' for cluster scope); records every question. */
export class FakeAuthorizer implements Authorizer {
  readonly questions: (AccessQuestion & { user: string })[] = [];
  constructor(private readonly rules: string[]) {}
  allowed(identity: Identity, question: AccessQuestion): Promise<boolean> {
    this.questions.push({ ...question, user: identity.user });
    const key = `${identity.user} ${question.verb} ${question.namespace ?? '*'}`;
    return Promise.resolve(
      this.rules.includes(key) || this.rules.includes(`${identity.user} ${question.verb} *`),
    );
  }
}
