import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';

describe('Service health', () => {
  runHealthCases('service.yaml', [
    { it: 'is Healthy for ClusterIP', object: 'web', status: 'Healthy', message: '' },
    { it: 'is Healthy for NodePort', object: 'web-nodeport', status: 'Healthy' },
    { it: 'is Healthy for ExternalName', object: 'payments-api', status: 'Healthy' },
    {
      it: 'waits for a LoadBalancer address',
      object: 'web-public',
      status: 'Progressing',
      includes: ['no load-balancer controller has assigned an address yet', 'status.loadBalancer.ingress'],
    },
    {
      it: 'is Healthy once the LoadBalancer has an IP',
      object: 'web-public-ip',
      status: 'Healthy',
      message: 'load balancer at 203.0.113.10',
    },
    {
      it: 'is Healthy once the LoadBalancer has a hostname',
      object: 'web-public-aws',
      status: 'Healthy',
      includes: ['elb.amazonaws.com'],
    },
  ]);
});

describe('Ingress health', () => {
  runHealthCases('ingress.yaml', [
    {
      it: 'is Healthy with an address',
      object: 'web',
      status: 'Healthy',
      message: 'load balancer at 203.0.113.20',
    },
    {
      it: 'is Healthy with a hostname',
      object: 'web-hostname',
      status: 'Healthy',
      includes: ['k8s-shop-web'],
    },
    {
      it: 'waits until the ingress controller publishes an address, and says none has',
      object: 'web-pending',
      status: 'Progressing',
      includes: [
        'no ingress controller for class "nginx" has assigned an address yet',
        'status.loadBalancer.ingress',
      ],
    },
  ]);
});

describe('PersistentVolumeClaim health', () => {
  runHealthCases('pvc.yaml', [
    {
      it: 'is Healthy when Bound',
      object: 'data-db-0',
      status: 'Healthy',
      message: 'bound to volume pvc-0d1e2f3a-0001-4000-8000-000000000001',
    },
    {
      it: 'is Progressing while Pending, naming the storage class',
      object: 'uploads',
      status: 'Progressing',
      message: 'waiting for the claim to be bound to a volume (storage class nfs)',
    },
    {
      it: 'is Degraded when Lost',
      object: 'archive',
      status: 'Degraded',
      includes: ['claim lost its volume pvc-'],
    },
  ]);
});

describe('Namespace health', () => {
  runHealthCases('namespace.yaml', [
    { it: 'is Healthy when Active', object: 'shop', status: 'Healthy' },
    {
      it: 'is Progressing while Terminating and says what remains',
      object: 'shop-old',
      status: 'Progressing',
      includes: [
        'namespace terminating',
        'widgets.example.com has 1 resource instances',
        'finalizers remaining: example.com/cleanup',
      ],
    },
  ]);
});
