import type { Command } from 'commander';

import { clusterDown, clusterStatus, clusterUp } from '../../devcluster/cluster.js';
import type { ClusterStatus } from '../../devcluster/cluster.js';

const stderrLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `mooring dev cluster up|down|status`: a real local control plane for development and tests. */
export function registerDevClusterCommands(program: Command): void {
  const dev = program.command('dev').description('local development helpers');
  const cluster = dev
    .command('cluster')
    .description(
      'a real local Kubernetes control plane (etcd, kube-apiserver, controller manager, scheduler, KWOK fake nodes)',
    );

  cluster
    .command('up')
    .description('start a local cluster (builds the toolchain the first time), or report the running one')
    .option('--name <name>', 'cluster name; several can run at once', 'dev')
    .option('--nodes <count>', 'number of fake nodes', (v) => Number.parseInt(v, 10), 3)
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Examples:
  mooring dev cluster up
  mooring dev cluster up --name second --nodes 5
  kubectl --kubeconfig ~/.mooring/clusters/dev/kubeconfig get nodes

Pods become Running and Ready at once (KWOK). Label a pod mooring.dev/fault=not-ready, =crashloop or =fail
to simulate a broken rollout.`,
    )
    .action(async (opts: { name: string; nodes: number; output: string }) => {
      const started = Date.now();
      const state = await clusterUp({ name: opts.name, nodes: opts.nodes, progress: stderrLine });
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify(state, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        [
          `cluster "${state.name}" is up (${((Date.now() - started) / 1000).toFixed(1)} s) at ${state.server}`,
          '',
          `  export KUBECONFIG=${state.kubeconfig}`,
          `  kubectl --kubeconfig ${state.kubeconfig} get nodes`,
          `  mooring dev cluster status --name ${state.name}`,
          `  mooring dev cluster down --name ${state.name}`,
          '',
        ].join('\n'),
      );
    });

  cluster
    .command('down')
    .description('stop every process of a local cluster and delete its data (logs are kept)')
    .option('--name <name>', 'cluster name', 'dev')
    .action(async (opts: { name: string }) => {
      const { stopped } = await clusterDown(opts.name);
      process.stdout.write(
        stopped.length === 0
          ? `cluster "${opts.name}" was not running\n`
          : `cluster "${opts.name}" stopped (${stopped.join(', ')})\n`,
      );
    });

  cluster
    .command('status')
    .description('show whether each component of a local cluster runs, and how many nodes are Ready')
    .option('--name <name>', 'cluster name', 'dev')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { name: string; output: string }) => {
      const status = await clusterStatus(opts.name);
      process.stdout.write(
        opts.output === 'json' ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status),
      );
      if (status.state !== 'running') process.exitCode = 1;
    });
}

function formatStatus(status: ClusterStatus): string {
  const lines = [`cluster "${status.name}": ${status.state}`];
  if (status.server !== undefined)
    lines.push(`  server:     ${status.server}`, `  kubeconfig: ${status.kubeconfig}`);
  if (status.nodes !== undefined)
    lines.push(`  nodes:      ${status.nodes.ready}/${status.nodes.total} Ready`);
  for (const c of status.components) {
    lines.push(
      `  ${c.component.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? 'running' : 'DEAD'}`,
    );
    if (c.logTail !== undefined) lines.push(c.logTail.replace(/^/gm, '      | '));
  }
  if (status.state === 'stopped') lines.push(`  start it: mooring dev cluster up --name ${status.name}`);
  return lines.join('\n') + '\n';
}
