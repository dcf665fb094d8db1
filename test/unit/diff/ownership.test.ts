import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { ownersOf } from '../../../src/diff/ownership.js';

/** A Deployment as the API server returns it after `mooring apply`, `kubectl scale` and `kubectl set image`. */
const live: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: { app: 'web' },
    managedFields: [
      {
        manager: 'mooring',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-11-20T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
              },
            },
          },
        },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-11-21T08:30:00Z',
        subresource: 'scale',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
      {
        manager: 'kubectl-set',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-11-21T09:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } },
          },
        },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'apps/v1',
        subresource: 'status',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:replicas': {} } },
      },
    ],
  },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'web:2' },
          { name: 'sidecar', image: 'proxy:1' },
        ],
      },
    },
  },
};

describe('field ownership from managedFields', () => {
  it('names the manager of a scalar field, with its time and subresource', () => {
    assert.deepEqual(ownersOf(live, ['spec', 'replicas']), [
      { manager: 'kubectl', operation: 'Update', time: '2026-11-21T08:30:00Z', subresource: 'scale' },
    ]);
  });

  it('matches list items by their merge key, not their index', () => {
    const webImage = ownersOf(live, ['spec', 'template', 'spec', 'containers', 0, 'image']).map(
      (o) => o.manager,
    );
    const sidecarImage = ownersOf(live, ['spec', 'template', 'spec', 'containers', 1, 'image']).map(
      (o) => o.manager,
    );
    assert.deepEqual(webImage, ['kubectl-set']);
    assert.deepEqual(sidecarImage, ['mooring']);
  });

  it('treats an owned leaf set as owning everything below it', () => {
    assert.deepEqual(
      ownersOf(live, ['spec', 'selector', 'matchLabels', 'app']).map((o) => o.manager),
      ['mooring'],
    );
  });

  it('matches a multi-field merge key only when every field of the key matches', () => {
    // Service ports are keyed by port *and* protocol: 53/TCP and 53/UDP are different items.
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'dns',
        namespace: 'kube-system',
        managedFields: [
          {
            manager: 'mooring',
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': { 'f:ports': { 'k:{"port":53,"protocol":"TCP"}': { '.': {}, 'f:name': {} } } },
            },
          },
          {
            manager: 'dns-operator',
            operation: 'Update',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': { 'f:ports': { 'k:{"port":53,"protocol":"UDP"}': { '.': {}, 'f:name': {} } } },
            },
          },
        ],
      },
      spec: {
        ports: [
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      },
    };
    assert.deepEqual(
      ownersOf(service, ['spec', 'ports', 0, 'name']).map((o) => o.manager),
      ['mooring'],
    );
    assert.deepEqual(
      ownersOf(service, ['spec', 'ports', 1, 'name']).map((o) => o.manager),
      ['dns-operator'],
    );
  });

  it('matches set items (v:) by their value', () => {
    const withFinalizers: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'shop',
        finalizers: ['example.com/backup', 'example.com/audit'],
        managedFields: [
          {
            manager: 'mooring',
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:finalizers': { 'v:"example.com/backup"': {} } } },
          },
          {
            manager: 'audit-operator',
            operation: 'Update',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:finalizers': { 'v:"example.com/audit"': {} } } },
          },
        ],
      },
    };
    assert.deepEqual(
      ownersOf(withFinalizers, ['metadata', 'finalizers', 0]).map((o) => o.manager),
      ['mooring'],
    );
    assert.deepEqual(
      ownersOf(withFinalizers, ['metadata', 'finalizers', 1]).map((o) => o.manager),
      ['audit-operator'],
    );
  });

  it('finds no owner for a field nobody manages', () => {
    assert.deepEqual(ownersOf(live, ['spec', 'paused']), []);
    assert.deepEqual(ownersOf({ ...live, metadata: { name: 'x' } }, ['spec', 'replicas']), []);
  });
});
