import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import {
  applicationSpecSchema,
  effectiveDriftMode,
  intervalMs,
  parseApplication,
  refSpecOf,
  renderOptionsOf,
} from '../../../src/crd/application.js';
import type { ApplicationSpec } from '../../../src/crd/application.js';
import { INVALID_SPECS, minimalSpec, specWithSource } from './samples.js';

function application(spec: unknown, status?: unknown): KubeObject {
  return {
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'mooring-system' },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

function parsedSpec(spec: unknown): ApplicationSpec {
  return applicationSpecSchema.parse(spec);
}

describe('Application spec schema', () => {
  it('fills in every default of a minimal spec, as the API server does', () => {
    const spec = parsedSpec(minimalSpec());
    assert.equal(spec.interval, '3m');
    assert.equal(spec.historyLimit, 100);
    assert.equal(spec.source.path, '');
    assert.equal(spec.destination.cluster, 'in-cluster');
    assert.deepEqual(spec.syncPolicy, {
      automated: true,
      prune: false,
      selfHeal: true,
      createNamespace: false,
    });
    assert.equal(spec.suspend, undefined);
  });

  it('fills in the retry backoff when only retry: {} is given', () => {
    const spec = parsedSpec({ ...minimalSpec(), syncPolicy: { retry: {} } });
    assert.deepEqual(spec.syncPolicy.retry, {
      limit: 5,
      backoff: { duration: '5s', factor: 2, maxDuration: '3m' },
    });
  });

  it('accepts every kind of ref and repository URL the source stage takes', () => {
    const accepted: Record<string, unknown>[] = [
      { ref: { tag: 'v1.4.2' } },
      { ref: { semver: '>=1.0.0 <2' } },
      { ref: { commit: '0123456789abcdef0123456789abcdef01234567' } },
      { ref: { commit: 'ABCDEF1' } },
      { repoURL: 'http://127.0.0.1:3000/org/app.git' },
      { repoURL: 'ssh://git@git.example.com:2222/org/app.git' },
      { repoURL: 'git@git.example.com:org/app.git' },
      { repoURL: 'git.example.com:/srv/git/app.git' },
      { repoURL: 'file:///srv/git/app.git' },
      { repoURL: 'https://token@git.example.com/org/app.git' },
      { path: './apps/web/' },
      { helm: { valueFiles: ['values-prod.yaml'], values: { replicas: 3, image: { tag: 'v2' } } } },
      { renderer: 'helm', helm: {} },
      { jsonnet: { tlas: { env: 'prod' }, libPaths: ['lib'] } },
      { directory: { recurse: false, include: ['*.yaml'] } },
    ];
    for (const source of accepted) {
      const result = applicationSpecSchema.safeParse(specWithSource(source));
      assert.ok(result.success, `${JSON.stringify(source)}: ${result.error?.message ?? ''}`);
    }
  });

  it('refuses the invalid samples with the same words the API server uses', () => {
    for (const sample of INVALID_SPECS) {
      assert.throws(
        () => parseApplication(application(sample.spec)),
        (error: unknown) => {
          assert.ok(error instanceof MooringError, sample.what);
          assert.equal(error.code, 'INVALID_MANIFEST');
          assert.ok(
            error.message.includes(sample.zodMessage ?? sample.message),
            `${sample.what}: "${error.message}" lacks "${sample.zodMessage ?? sample.message}"`,
          );
          return true;
        },
        sample.what,
      );
    }
  });

  it('refuses repository URLs that could make git run a command or read an option', () => {
    for (const repoURL of ['-oProxyCommand=x:y', 'git@-host:x', 'fd::17', 'https://-x/y', 'x::y', '']) {
      const result = applicationSpecSchema.safeParse(specWithSource({ repoURL }));
      assert.equal(result.success, false, repoURL);
    }
  });

  it('refuses branch names git would read as an option or a revision expression', () => {
    for (const branch of ['-x', 'a b', 'a~1', 'x^', 'a:b', '']) {
      assert.equal(
        applicationSpecSchema.safeParse(specWithSource({ ref: { branch } })).success,
        false,
        branch,
      );
    }
  });

  it('refuses a backoff that starts above its maximum', () => {
    const result = applicationSpecSchema.safeParse({
      ...minimalSpec(),
      syncPolicy: { retry: { backoff: { duration: '5m', maxDuration: '1m' } } },
    });
    assert.equal(result.success, false);
    assert.match(result.error.message, /backoff duration must not exceed maxDuration/);
  });
});

describe('parseApplication', () => {
  it('names the object and every bad field in one message', () => {
    const spec = { ...specWithSource({ ref: {} }), interval: 'soon' };
    assert.throws(() => parseApplication(application(spec)), {
      message:
        'Application/mooring-system/web is invalid: spec.source.ref: set exactly one of branch, tag, semver or commit; ' +
        'spec.interval: must be a duration of at least 1s, such as 90s, 3m or 1h30m',
    });
  });

  it('refuses an object of another kind', () => {
    assert.throws(
      () => parseApplication({ ...application(minimalSpec()), kind: 'Kustomization' }),
      /expected/,
    );
  });

  it('validates the status too, and keeps it', () => {
    const status = {
      sync: { status: 'Synced', revision: 'abc' },
      inventory: [{ id: 'web_x__ConfigMap', v: 'v1' }],
    };
    assert.deepEqual(parseApplication(application(minimalSpec(), status)).status, status);
    assert.throws(
      () => parseApplication(application(minimalSpec(), { sync: { status: 'Maybe' } })),
      /status\.sync\.status/,
    );
  });
});

describe('spec helpers', () => {
  it('turns the ref into the source stage RefSpec', () => {
    assert.deepEqual(refSpecOf({ semver: '~1.4' }), { semver: '~1.4' });
    assert.deepEqual(refSpecOf({ commit: 'abcdef1' }), { commit: 'abcdef1' });
    assert.throws(() => refSpecOf({}), /none of branch/);
  });

  it('chooses the renderer from the section present when renderer is not set', () => {
    const spec = parsedSpec(specWithSource({ kustomize: {} }));
    assert.deepEqual(renderOptionsOf(spec.source), { kind: 'kustomize', kustomize: {} });
    const helm = parsedSpec(specWithSource({ helm: { releaseName: 'web', values: { a: 1 } } }));
    assert.deepEqual(renderOptionsOf(helm.source), {
      kind: 'helm',
      helm: { releaseName: 'web', values: { a: 1 } },
    });
    assert.deepEqual(renderOptionsOf(parsedSpec(minimalSpec()).source), {});
  });

  it('derives the drift mode from selfHeal unless it is set', () => {
    const policy = parsedSpec(minimalSpec()).syncPolicy;
    assert.equal(effectiveDriftMode(policy), 'enforce');
    assert.equal(effectiveDriftMode({ ...policy, selfHeal: false }), 'warn');
    assert.equal(effectiveDriftMode({ ...policy, selfHeal: false, driftMode: 'enforce' }), 'enforce');
  });

  it('reads the interval in milliseconds', () => {
    assert.equal(intervalMs(parsedSpec(minimalSpec())), 180_000);
    assert.equal(intervalMs(parsedSpec({ ...minimalSpec(), interval: '1h30m' })), 5_400_000);
    assert.equal(intervalMs(parsedSpec({ ...minimalSpec(), interval: '1.5s' })), 1500);
  });
});
