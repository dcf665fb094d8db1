/** CEL health checks in Flux's healthCheckExprs form, the ConfigMap/Kustomization readers and precedence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import {
  assessHealthWith,
  checksFromManifests,
  explainHealth,
  loadCustomHealthChecks,
  parseCelEntries,
  withAppChecks,
  type CelHealthExpressions,
} from '../../../src/health/custom/index.js';

// The SealedSecret example of Flux's documentation, in its documented shape.
const sealedSecret: CelHealthExpressions = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  failed: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
  current: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
};

function secret(synced: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 's', namespace: 'default', generation: 2 },
    spec: {},
    status: { observedGeneration: 2, conditions: [{ type: 'Synced', status: synced, message: 'm' }] },
    ...extra,
  };
}

describe('CEL health checks', () => {
  it('is Healthy when current is true', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    assert.deepEqual(assessHealthWith(checks, secret('True')), {
      status: 'Healthy',
      message: 'expression current is true',
    });
  });

  it('is Degraded when failed is true', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    assert.equal(assessHealthWith(checks, secret('False')).status, 'Degraded');
  });

  it('is Progressing when no expression is true', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    assert.deepEqual(assessHealthWith(checks, secret('Unknown')), {
      status: 'Progressing',
      message: 'no expression is true yet',
    });
  });

  it('tries inProgress before failed and failed before current', async () => {
    const all: CelHealthExpressions = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      inProgress: 'true',
      failed: 'true',
      current: 'true',
    };
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const first = await loadCustomHealthChecks({ cel: [{ entries: [all], origin: 't' }] });
    assert.equal(assessHealthWith(first, widget).status, 'Progressing');
    const second = await loadCustomHealthChecks({
      cel: [{ entries: [{ ...all, inProgress: 'false' }], origin: 't' }],
    });
    assert.equal(assessHealthWith(second, widget).status, 'Degraded');
  });

  it('is Progressing while status.observedGeneration is behind metadata.generation', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    const stale = secret('True', {
      metadata: { name: 's', generation: 3 },
    });
    const result = assessHealthWith(checks, stale);
    assert.equal(result.status, 'Progressing');
    assert.match(result.message, /observedGeneration 2 is behind metadata.generation 3/);
  });

  it('is Unknown (not settled) when an expression reads a field the object does not have yet', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    const fresh = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 's' },
      spec: {},
    };
    const result = assessHealthWith(checks, fresh);
    assert.equal(result.status, 'Unknown');
    assert.match(result.message, /could not be evaluated/);
  });

  it('handles a missing status with optional field access, as Flux recommends', async () => {
    const optional: CelHealthExpressions = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      current: "status.?conditions.orValue([]).exists(c, c.type == 'Synced' && c.status == 'True')",
    };
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [optional], origin: 'test' }] });
    const fresh = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 's' },
      status: {},
    };
    assert.equal(assessHealthWith(checks, fresh).status, 'Progressing');
  });

  it('matches by group and kind, whatever the version', async () => {
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'test' }] });
    const v2 = { ...secret('False'), apiVersion: 'bitnami.com/v2' };
    assert.equal(assessHealthWith(checks, v2).status, 'Degraded');
    const other = { ...secret('False'), apiVersion: 'example.com/v1alpha1' };
    assert.match(explainHealth(checks, other).decidedBy, /^built-in rules for example.com\/SealedSecret/);
  });

  it('refuses an expression that does not parse, naming it', async () => {
    await assert.rejects(
      loadCustomHealthChecks({ cel: [{ entries: [{ ...sealedSecret, failed: 'status.(' }], origin: 'cm' }] }),
      /expression failed does not parse/,
    );
  });

  it("puts an Application's own checks before the cluster-wide ones", async () => {
    const cluster = await loadCustomHealthChecks({ cel: [{ entries: [sealedSecret], origin: 'cluster' }] });
    const app = withAppChecks(
      cluster,
      [{ ...sealedSecret, current: 'true', failed: undefined }],
      'Application web',
    );
    const verdict = explainHealth(app, secret('False'));
    assert.equal(verdict.result.status, 'Healthy');
    assert.equal(verdict.decidedBy, 'CEL check for bitnami.com/SealedSecret from Application web');
  });

  it('puts CEL checks before Lua scripts for the same kind', async () => {
    const checks = await loadCustomHealthChecks({
      cel: [{ entries: [sealedSecret], origin: 'cel' }],
      lua: [
        {
          origin: 'lua',
          scripts: [{ groupKind: 'bitnami.com_SealedSecret', script: 'return {status="Healthy"}' }],
        },
      ],
    });
    assert.equal(assessHealthWith(checks, secret('False')).status, 'Degraded');
    checks.sandbox?.close();
  });
});

describe('reading custom checks from manifests', () => {
  const manifests = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: mooring-health-checks
  namespace: mooring-system
data:
  healthCheckExprs: |
    - apiVersion: bitnami.com/v1alpha1
      kind: SealedSecret
      current: "status.conditions.all(e, e.status == 'True')"
  resource.customizations.health.example.com_Widget: |
    hs = {}
    hs.status = "Degraded"
    hs.message = "from Lua"
    return hs
  unrelated: value
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  sourceRef:
    kind: GitRepository
    name: flux-system
  healthCheckExprs:
    - apiVersion: example.com/v1
      kind: Gadget
      failed: "status.phase == 'Broken'"
      current: "status.phase == 'Ready'"
---
apiVersion: v1
kind: Service
metadata:
  name: ignored
`;

  it('takes CEL and Lua from a ConfigMap and CEL from a Flux Kustomization', async () => {
    const sources = checksFromManifests(manifests, 'checks.yaml');
    const checks = await loadCustomHealthChecks(sources);
    assert.deepEqual(
      checks.cel.map((c) => `${c.group}/${c.kind} ${c.origin}`),
      [
        'bitnami.com/SealedSecret checks.yaml ConfigMap/mooring-health-checks',
        'example.com/Gadget checks.yaml Kustomization/apps',
      ],
    );
    assert.deepEqual(
      checks.lua.map((l) => l.groupKind),
      ['example.com_Widget'],
    );
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    assert.deepEqual(assessHealthWith(checks, widget), { status: 'Degraded', message: 'from Lua' });
    const gadget = {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
      status: { phase: 'Broken' },
    };
    assert.equal(assessHealthWith(checks, gadget).status, 'Degraded');
    checks.sandbox?.close();
  });

  it('refuses an entry without current, naming where it is', () => {
    assert.throws(
      () => parseCelEntries([{ apiVersion: 'a/v1', kind: 'K', failed: 'true' }], 'ConfigMap x'),
      /ConfigMap x: healthCheckExprs\[0\]\.current must be a non-empty string/,
    );
  });
});

describe('CEL values', () => {
  it('compares JSON integers with CEL int literals, as cel-go does', async () => {
    const replicas: CelHealthExpressions = {
      apiVersion: 'example.com/v1',
      kind: 'Pool',
      current: 'status.readyReplicas == spec.replicas && spec.replicas >= 2',
      failed: 'status.ratio > 0.5',
    };
    const checks = await loadCustomHealthChecks({ cel: [{ entries: [replicas], origin: 't' }] });
    const pool = (ready: number, ratio: number): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Pool',
      metadata: { name: 'p' },
      spec: { replicas: 3 },
      status: { readyReplicas: ready, ratio },
    });
    assert.equal(assessHealthWith(checks, pool(3, 0.1)).status, 'Healthy');
    assert.equal(assessHealthWith(checks, pool(2, 0.1)).status, 'Progressing');
    assert.equal(assessHealthWith(checks, pool(2, 0.75)).status, 'Degraded');
  });
});

describe('CEL cost', () => {
  const entry = (current: string): CelHealthExpressions => ({
    apiVersion: 'example.com/v1',
    kind: 'Pool',
    current,
  });

  it('accepts chained macros and one macro inside another', async () => {
    await loadCustomHealthChecks({
      cel: [
        {
          origin: 't',
          entries: [
            entry("status.conditions.filter(c, c.type == 'Ready').all(c, c.status == 'True')"),
            entry('spec.a.all(x, spec.b.exists(y, y == x))'),
          ],
        },
      ],
    });
  });

  it('refuses three nested list macros, which multiply the work', async () => {
    await assert.rejects(
      loadCustomHealthChecks({
        cel: [
          { origin: 't', entries: [entry('spec.a.all(x, spec.a.all(y, spec.a.exists(z, x + y == z)))')] },
        ],
      }),
      /nests 3 list macros/,
    );
  });
});

describe("Argo CD's older resource.customizations key", () => {
  it('reads health.lua per group/Kind from the single YAML key', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, namespace: argocd}
data:
  resource.customizations: |
    example.com/Widget:
      health.lua: |
        return { status = "Suspended", message = "legacy key" }
      ignoreDifferences: |
        jsonPointers: [/spec/x]
`;
    const checks = await loadCustomHealthChecks(checksFromManifests(text, 'argocd-cm.yaml'));
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    assert.deepEqual(assessHealthWith(checks, widget), { status: 'Suspended', message: 'legacy key' });
    checks.sandbox?.close();
  });
});
