import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { condition, configMap, configMapData, controllerHarness, kubectl, readyAt } from './harness.js';

describe('controller: a failure is retried by its class, not by its step', () => {
  it('an admission webhook that is down is transient: not Stalled, and synced once it is back', async (t) => {
    const h = await controllerHarness(t);
    const webhookName = `${h.uniqueName('closed-port')}.mooring.dev`;
    // Every ConfigMap write in the destination namespace (dry-runs too) calls a webhook on a closed port.
    await h.observer.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: webhookName },
      webhooks: [
        {
          name: webhookName,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 2,
          clientConfig: { url: 'https://127.0.0.1:1/validate' },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': h.destNamespace } },
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['configmaps'],
            },
          ],
        },
      ],
    });
    const removeWebhook = (): Promise<string> =>
      kubectl(['delete', 'validatingwebhookconfiguration', webhookName, '--ignore-not-found']);
    t.after(removeWebhook);

    const sha = await h.publish({ 'app.yaml': [configMap('settings', { color: 'blue' })] });
    const name = h.uniqueName('webhook-down');
    await h.createApp(name, {
      interval: '1h',
      syncPolicy: { retry: { limit: 100, backoff: { duration: '1s', factor: 1 } } },
    });
    const failing = await h.waitForApp(name, 'failing on the webhook', (a) =>
      (a.status?.summary ?? '').includes('failed calling webhook'),
    );
    assert.equal(condition(failing, 'Stalled')?.status, 'False', 'a webhook that is down does not stall');
    assert.equal(condition(failing, 'Ready')?.status, 'False');
    const records = await h.waitFor('two failed attempts recorded', async () => {
      const failed = (await h.syncRecords(name)).filter(
        (r) => (r.spec as { result?: string }).result === 'Failed',
      );
      return failed.length >= 2 ? failed : undefined;
    });
    assert.ok(records.length >= 2, 'retried with backoff, not only at the next commit');

    await removeWebhook();
    const app = await h.waitForApp(name, 'Ready at the same commit', readyAt(sha));
    assert.equal(condition(app, 'Stalled')?.status, 'False');
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'blue' });
  });

  it('a destination namespace that does not exist yet is waited for, and synced once it appears', async (t) => {
    const h = await controllerHarness(t);
    const later = h.uniqueName('created-later');
    t.after(() => kubectl(['delete', 'namespace', later, '--ignore-not-found', '--wait=false']));
    const sha = await h.publish({ 'app.yaml': [configMap('settings', { color: 'green' })] });
    const name = h.uniqueName('waits-for-ns');
    await h.createApp(name, { interval: '1h', destination: { namespace: later } });
    const waiting = await h.waitForApp(name, 'waiting for the namespace', (a) =>
      (a.status?.summary ?? '').startsWith('Waiting'),
    );
    assert.match(waiting.status?.summary ?? '', new RegExp(`namespace ${later} does not exist`));
    assert.equal(condition(waiting, 'Stalled')?.status, 'False', 'waiting is not stalled');
    assert.equal(condition(waiting, 'Ready')?.status, 'False');

    // Another app (here: a person) creates it; no new commit, no spec change, the 1 h poll far away.
    await kubectl(['create', 'namespace', later]);
    const app = await h.waitForApp(name, 'Ready at the same commit', readyAt(sha), 60_000);
    assert.equal(condition(app, 'Stalled')?.status, 'False');
    const cm = await h.get('v1', 'ConfigMap', 'settings', later);
    assert.deepEqual(cm?.data, { color: 'green' });
  });
});
