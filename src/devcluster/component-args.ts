import { join } from 'node:path';

import type { ClusterLayout, ClusterPorts, ComponentName } from './layout.js';
import { pkiPaths } from './layout.js';

/** The subnet kube-apiserver gives Services; its first address (10.96.0.1) is in the serving cert. */
export const SERVICE_CIDR = '10.96.0.0/12';

/** Command-line arguments of each component. Pure: paths and ports in, argument arrays out. */
export function componentArgs(
  component: ComponentName,
  layout: ClusterLayout,
  ports: ClusterPorts,
  kwokStages: string,
): string[] {
  const pki = pkiPaths(layout);
  const loopback = '127.0.0.1';
  const etcdClient = `http://${loopback}:${ports.etcdClient}`;
  const etcdPeer = `http://${loopback}:${ports.etcdPeer}`;
  const delegated = [
    `--kubeconfig=${layout.kubeconfig}`,
    `--authentication-kubeconfig=${layout.kubeconfig}`,
    `--authorization-kubeconfig=${layout.kubeconfig}`,
    '--leader-elect=false',
    `--bind-address=${loopback}`,
  ];
  switch (component) {
    case 'etcd':
      return [
        `--name=${layout.name}`,
        `--data-dir=${layout.etcdData}`,
        `--listen-client-urls=${etcdClient}`,
        `--advertise-client-urls=${etcdClient}`,
        `--listen-peer-urls=${etcdPeer}`,
        `--initial-advertise-peer-urls=${etcdPeer}`,
        `--initial-cluster=${layout.name}=${etcdPeer}`,
        // Test clusters only: durability is not worth the fsync latency.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ];
    case 'kube-apiserver':
      return [
        `--etcd-servers=${etcdClient}`,
        `--bind-address=${loopback}`,
        // Required on a host without a default route.
        `--advertise-address=${loopback}`,
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${layout.certDir}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--authorization-mode=Node,RBAC',
        '--allow-privileged=true',
        '--profiling=false',
      ];
    case 'kube-controller-manager':
      return [
        ...delegated,
        `--secure-port=${ports.controllerManager}`,
        `--cert-dir=${join(layout.certDir, 'controller-manager')}`,
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.saKey}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--use-service-account-credentials=true',
        '--profiling=false',
      ];
    case 'kube-scheduler':
      return [
        ...delegated,
        `--secure-port=${ports.scheduler}`,
        `--cert-dir=${join(layout.certDir, 'scheduler')}`,
        '--profiling=false',
      ];
    case 'kwok':
      return [
        `--kubeconfig=${layout.kubeconfig}`,
        `--config=${kwokStages}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--server-address=${loopback}:${ports.kwok}`,
        '--node-ip=10.0.0.1',
        '--cidr=10.0.0.1/16',
        '--node-lease-duration-seconds=40',
      ];
  }
}
