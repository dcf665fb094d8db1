import type { Command } from 'commander';

import { describeCounts } from '../../engine/summary.js';
import type { SyncResult } from '../../engine/types.js';
import { applyBootstrap, credentialsSecretName, waitBootstrapped } from '../../install/bootstrap.js';
import { installMooring, MOORING_NAMESPACE, parseInstallMode } from '../../install/install.js';
import { connect } from '../../kube/connect.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { parseDuration } from '../duration.js';
import { formatText } from '../output/sync-report.js';
import { credentialsFromEnv } from '../resolve-source.js';
import { addClusterOptions, renderTools } from './engine-options.js';

interface InstallCliOptions {
  kubeconfig?: string;
  context?: string;
  mode: string;
  dryRun?: boolean;
  timeout: string;
  adminProject?: boolean;
}

interface BootstrapCliOptions extends InstallCliOptions {
  repo: string;
  ref: string;
  path: string;
  name: string;
  interval?: string;
  wait?: boolean;
  insecureAllowHttp?: boolean;
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `mooring install` and `mooring bootstrap`: put Mooring into a cluster, then point it at Git. */
export function registerInstallCommands(program: Command): void {
  addInstallOptions(program.command('install'))
    .description('install or upgrade Mooring (CRDs, RBAC, controller) with its own engine; repeatable')
    .option('--dry-run', 'validate everything on the server and report, write nothing')
    .option(
      '--admin-project',
      'also create the permissive "admin" Project (any repo, any namespace, cluster-scoped kinds, applied as a cluster-admin ServiceAccount)',
    )
    .addHelpText(
      'after',
      '\nA second install changes nothing; an upgrade prunes install objects the new version no longer has.\nThe namespaced mode renders deploy/rbac/namespaced (edit managed-namespace.yaml first, see its README).\n\nExample:\n  mooring install --kubeconfig ~/.mooring/clusters/dev/kubeconfig\n',
    )
    .action(async (opts: InstallCliOptions) => {
      await withCluster(opts, async (objects) => {
        const result = await install(objects, opts);
        process.exitCode = result.error === undefined ? 0 : 2;
      });
    });

  addInstallOptions(program.command('bootstrap'))
    .description(
      'install Mooring, then create the root Application (app of apps) that syncs everything else from Git',
    )
    .requiredOption('--repo <url>', 'Git repository holding the Application manifests')
    .option('--ref <ref>', 'branch, tag, semver range or commit to follow', 'main')
    .requiredOption('--path <path>', 'folder of Application manifests in the repository')
    .option('--name <name>', 'name of the root Application', 'root')
    .option('--interval <duration>', 'how often the root polls Git (default 3m)')
    .option(
      '--insecure-allow-http',
      'let the Git credentials be sent over plain http:// (a trusted local server only)',
    )
    .option(
      '--wait',
      'wait until the root and every Application it creates are Ready (needs a running controller)',
    )
    .addHelpText(
      'after',
      `\nThe root Application belongs to the permissive "admin" Project (created as with install --admin-project):\nit is applied as ${MOORING_NAMESPACE}/mooring-admin, bound to cluster-admin. The Applications it creates name\ntheir own Project ("default" unless they say otherwise), which decides what they may do.\n\nGit credentials come from the environment (MOORING_GIT_USERNAME + MOORING_GIT_PASSWORD, or\nMOORING_GIT_SSH_KEY_FILE + MOORING_GIT_KNOWN_HOSTS_FILE) and are stored in the Secret\n${credentialsSecretName('<name>')} in ${MOORING_NAMESPACE}.\n\nExample:\n  MOORING_GIT_PASSWORD=$TOKEN mooring bootstrap --repo https://git.example.com/org/fleet.git --path clusters/prod\n`,
    )
    .action(async (opts: BootstrapCliOptions) => {
      await withCluster(opts, async (objects) => {
        process.exitCode = await bootstrap(objects, opts);
      });
    });
}

function addInstallOptions(command: Command): Command {
  return addClusterOptions(command)
    .option('--mode <mode>', 'cluster (cluster-wide RBAC) or namespaced', 'cluster')
    .option('--timeout <duration>', 'time limit for each wait', '5m');
}

async function withCluster(
  opts: InstallCliOptions,
  work: (objects: ObjectsApi) => Promise<void>,
): Promise<void> {
  const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
  try {
    await work(objects);
  } finally {
    objects.client.close();
  }
}

async function install(objects: ObjectsApi, opts: InstallCliOptions): Promise<SyncResult> {
  const mode = parseInstallMode(opts.mode);
  progress(
    `installing Mooring (${mode} mode) into ${objects.client.serverURL}${opts.dryRun === true ? ' (dry run)' : ''}`,
  );
  const result = await installMooring(
    { objects, tools: renderTools(), progress },
    {
      mode,
      dryRun: opts.dryRun === true,
      timeoutMs: parseDuration(opts.timeout),
      adminProject: opts.adminProject === true,
    },
  );
  process.stdout.write(formatText(result, opts.dryRun === true ? 'diff' : 'apply'));
  if (result.error === undefined) {
    const writes =
      result.stats.writes === 0 ? 'no writes: already up to date' : `${result.stats.writes} writes`;
    progress(
      `install ${opts.dryRun === true ? 'checked' : 'done'}: ${describeCounts(result.outcomes)} (${writes})`,
    );
  }
  return result;
}

async function bootstrap(objects: ObjectsApi, opts: BootstrapCliOptions): Promise<number> {
  const credentials = credentialsFromEnv();
  const input = {
    name: opts.name,
    repoURL: opts.repo,
    ref: opts.ref,
    path: opts.path,
    ...(credentials === undefined ? {} : { credentials }),
    ...(opts.interval === undefined ? {} : { interval: opts.interval }),
    ...(opts.insecureAllowHttp === true ? { insecureAllowHTTP: true } : {}),
  };
  // The root app creates Applications: it belongs to the admin Project, which bootstrap therefore creates.
  const installed = await install(objects, { ...opts, adminProject: true });
  if (installed.error !== undefined) return 2;
  if (opts.dryRun === true) return 0;
  if (credentials === undefined)
    progress('no Git credentials in the environment: the repository must be public');
  await applyBootstrap(objects, input, progress);
  const kubeconfig = opts.kubeconfig === undefined ? '' : ` --kubeconfig ${opts.kubeconfig}`;
  process.stdout.write(
    `\nroot Application ${MOORING_NAMESPACE}/${opts.name} follows ${opts.repo}@${opts.ref}//${opts.path}\n` +
      `watch it:  kubectl${kubeconfig} get applications -n ${MOORING_NAMESPACE} -w\n` +
      `history:   kubectl${kubeconfig} get syncrecords -n ${MOORING_NAMESPACE}\n`,
  );
  if (opts.wait !== true) return 0;
  progress(
    'waiting for the controller to sync the root and its Applications (the mooring-controller Deployment must be running)',
  );
  const names = await waitBootstrapped(objects, opts.name, parseDuration(opts.timeout), progress);
  process.stdout.write(`${names.length} Applications Ready: ${names.join(', ')}\n`);
  return 0;
}
