import type { Command } from 'commander';

import { MooringError } from '../../core/errors.js';
import { addCluster, listClusters, removeCluster } from '../../install/clusters.js';
import type { ClusterRow } from '../../install/clusters.js';
import { connect, resolveAccess } from '../../kube/connect.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { addClusterOptions } from './engine-options.js';

interface ClusterCliOptions {
  kubeconfig?: string;
  /** The context of the controller's cluster (where the cluster Secrets are stored). */
  context?: string;
  controllerNamespace: string;
  name?: string;
  mode?: string;
  namespace?: string[];
  force?: boolean;
  output?: string;
}

async function withObjects<T>(
  options: { kubeconfig?: string | undefined; context?: string | undefined },
  work: (objects: ObjectsApi) => Promise<T>,
): Promise<T> {
  const objects = connect(options);
  try {
    return await work(objects);
  } finally {
    objects.client.close();
  }
}

function clusterCommand(parent: Command, usage: string, description: string): Command {
  return addClusterOptions(parent.command(usage))
    .description(description)
    .option('--controller-namespace <namespace>', 'namespace of the controller', 'mooring-system');
}

/** `mooring cluster add|list|remove`: the destination clusters the controller may deploy to. */
export function registerClusterCommands(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('register, list and remove destination clusters (Secrets in the controller namespace)');

  clusterCommand(
    cluster,
    'add <target-context>',
    'register the cluster of a kubeconfig context: a least-rights ServiceAccount there, its token here',
  )
    .option('--name <name>', 'name Applications and Projects use (default: the context name)')
    .option(
      '--mode <mode>',
      'cluster (read all, create namespaces) or namespaced (read in --namespace only)',
      'cluster',
    )
    .option(
      '--namespace <namespace>',
      'namespaced mode: a namespace the controller may read and deploy to; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addHelpText(
      'after',
      "\n--context names the controller's cluster (default: the current context).\n\nExample:\n  mooring cluster add prod-eu --name prod-eu\n",
    )
    .action((targetContext: string, opts: ClusterCliOptions) => {
      const mode = opts.mode ?? 'cluster';
      if (mode !== 'cluster' && mode !== 'namespaced')
        throw new MooringError('INVALID_ARGUMENT', `--mode ${mode}: use cluster or namespaced`);
      const name =
        opts.name ??
        targetContext
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^-+|-+$/g, '');
      const targetAccess = resolveAccess({ kubeconfig: opts.kubeconfig, context: targetContext });
      return withObjects({ kubeconfig: opts.kubeconfig, context: targetContext }, (target) =>
        withObjects({ kubeconfig: opts.kubeconfig, context: opts.context }, async (local) => {
          const secret = await addCluster(target, local, {
            name,
            mode,
            ...(opts.namespace === undefined ? {} : { namespaces: opts.namespace }),
            controllerNamespace: opts.controllerNamespace,
            ...(targetAccess.ca === undefined ? {} : { ca: targetAccess.ca }),
          });
          process.stdout.write(
            `cluster ${name} registered (${mode} mode): Secret ${opts.controllerNamespace}/${secret.metadata.name}\n` +
              `let a Project deploy there: destinations: [{cluster: ${name}, namespace: ..., serviceAccountName: ...}]\n`,
          );
        }),
      );
    });

  clusterCommand(cluster, 'list', 'list clusters: reachable, Kubernetes version, apps, last error')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: ClusterCliOptions) =>
      withObjects(opts, async (local) => {
        const rows = await listClusters(local, opts.controllerNamespace);
        process.stdout.write(
          opts.output === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : formatRows(rows),
        );
      }),
    );

  clusterCommand(cluster, 'remove <name>', 'remove a cluster (refused while Applications deploy there)')
    .option('--force', 'remove it even though Applications deploy there (their objects stay, unmanaged)')
    .action((name: string, opts: ClusterCliOptions) =>
      withObjects(opts, async (local) => {
        const removed = await removeCluster(local, opts.controllerNamespace, name, opts.force === true);
        process.stdout.write(
          `cluster ${name} removed (Secret ${removed.secret})` +
            (removed.apps.length > 0
              ? `; its Applications now report it unknown: ${removed.apps.join(', ')}`
              : '') +
            '\nthe ServiceAccount mooring-remote/mooring-controller stays in the target: delete namespace mooring-remote there to revoke it\n',
        );
      }),
    );
}

function formatRows(rows: readonly ClusterRow[]): string {
  const lines = [['NAME', 'REACHABLE', 'VERSION', 'APPS', 'SERVER', 'LAST ERROR']];
  for (const r of rows)
    lines.push([
      r.name,
      r.reachable ? 'yes' : 'no',
      r.version ?? '-',
      String(r.apps.length),
      r.server === '' ? '-' : r.server,
      r.lastError ?? '',
    ]);
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
  return (
    lines
      .map((l) =>
        l
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
