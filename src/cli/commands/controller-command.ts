import { homedir } from 'node:os';
import { join } from 'node:path';

import type { Command } from 'commander';
import { pino } from 'pino';

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import { Controller } from '../../controller/controller.js';
import { acquireLeadership } from '../../controller/leader.js';
import { connect } from '../../kube/connect.js';
import { Metrics } from '../../metrics/metrics.js';
import { parseByteSize } from '../byte-size.js';
import { parseDuration } from '../duration.js';
import { addClusterOptions, renderTools } from './engine-options.js';

interface ControllerCliOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  concurrency: string;
  webhookPort: string;
  webhookHost: string;
  cacheDir: string;
  timeout: string;
  logLevel: string;
  leaderElect: boolean;
  watchNamespace?: string[];
  allowFileRepos?: boolean;
  maxSourceSize: string;
  maxSourceFileSize: string;
  maxSourceFiles: string;
  maxMirrorSize: string;
  appNamespace?: string[];
  notifications: boolean;
  dashboardUrl?: string;
  notifyAllowHttp?: boolean;
}

/** Webhook secrets from the environment (never flags): one per provider, or one for all. */
function webhookSecrets(env: NodeJS.ProcessEnv): Record<string, string> {
  const all = env.MOORING_WEBHOOK_SECRET;
  const pick = (name: string): Record<string, string> => {
    const value = env[`MOORING_WEBHOOK_${name.toUpperCase()}_SECRET`] ?? all;
    return value === undefined ? {} : { [name]: value };
  };
  return { ...pick('github'), ...pick('gitlab'), ...pick('gitea'), ...pick('bitbucket'), ...pick('generic') };
}

/**
 * Where Applications are watched: --app-namespace as given ("*" = all); without it, all namespaces in the
 * cluster-wide mode and only the controller's namespace in the namespace-scoped mode (--watch-namespace),
 * whose RBAC cannot list Applications cluster-wide.
 */
function applicationNamespaces(opts: ControllerCliOptions): string[] | 'all' {
  if (opts.appNamespace !== undefined) return opts.appNamespace.includes('*') ? 'all' : opts.appNamespace;
  return opts.watchNamespace === undefined ? 'all' : [opts.namespace];
}

/** `mooring controller`: run the pull-mode controller until SIGTERM. */
export function registerControllerCommand(program: Command): void {
  addClusterOptions(program.command('controller'))
    .description(
      'run the GitOps controller: keep every Application its Projects accept equal to Git (pull mode)',
    )
    .option(
      '-n, --namespace <namespace>',
      "the controller's namespace: its Projects and Lease live here",
      'mooring-system',
    )
    .option(
      '--app-namespace <namespace>',
      'watch Applications in this namespace (repeatable; "*" for all). Default: all namespaces, or only --namespace with --watch-namespace',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--concurrency <n>', 'applications synced at once', '4')
    .option('--webhook-port <port>', 'port of the Git push webhook receiver (0: off)', '8080')
    .option('--webhook-host <host>', 'address the webhook receiver listens on', '0.0.0.0')
    .option(
      '--cache-dir <dir>',
      'git mirrors and exports',
      join(homedir(), '.cache', 'mooring', 'controller'),
    )
    .option('--timeout <duration>', 'time limit for each wait (waves, hooks)', '5m')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option(
      '--leader-elect',
      'act only while holding the Lease mooring-controller (safe with several replicas)',
      true,
    )
    .option('--no-leader-elect', 'do not use the Lease (only with a single replica)')
    .option(
      '--watch-namespace <namespace>',
      'namespace-scoped mode: watch managed objects only in this namespace (repeatable; default: cluster-wide)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--max-source-size <bytes>', 'limit of one source export, all files (e.g. 256Mi)', '256Mi')
    .option('--max-source-file-size <bytes>', 'limit of one file in a source export', '64Mi')
    .option('--max-source-files <n>', 'limit of the number of files in a source export', '100000')
    .option('--max-mirror-size <bytes>', "limit of one repository's mirror (all branches and tags)", '1Gi')
    .option(
      '--allow-file-repos',
      "accept file:// repoURLs (tests and demos only: they read repositories on the controller's disk)",
    )
    .option('--no-notifications', 'do not send the notifications NotificationPolicies ask for')
    .option(
      '--dashboard-url <url>',
      'base URL of a dashboard that notifications link to (<url>/applications/NS/NAME)',
    )
    .option(
      '--notify-allow-http',
      'accept http:// notification URLs (receivers inside the cluster, tests); default https:// only',
    )
    .addHelpText(
      'after',
      '\nWebhook secrets come from the environment: MOORING_WEBHOOK_SECRET (all providers) or\nMOORING_WEBHOOK_GITHUB_SECRET, _GITLAB_, _GITEA_, _BITBUCKET_, _GENERIC_.\n\nExample:\n  mooring controller --kubeconfig ~/.mooring/clusters/dev/kubeconfig -n mooring-system\n',
    )
    .action(async (opts: ControllerCliOptions) => {
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
      const port = Number.parseInt(opts.webhookPort, 10);
      // One registry for the process, served at /metrics on the controller's HTTP port.
      const metrics = new Metrics();
      const controller = new Controller({
        metrics,
        objects,
        tools: renderTools(),
        namespace: opts.namespace,
        cacheDir: opts.cacheDir,
        concurrency: Math.max(1, Number.parseInt(opts.concurrency, 10) || 4),
        timeoutMs: parseDuration(opts.timeout),
        logger,
        ...(opts.watchNamespace === undefined ? {} : { watchNamespaces: opts.watchNamespace }),
        allowFileRepos: opts.allowFileRepos === true,
        sourceLimits: {
          maxBytes: parseByteSize(opts.maxSourceSize, '--max-source-size'),
          maxFileBytes: parseByteSize(opts.maxSourceFileSize, '--max-source-file-size'),
          maxFiles: parseByteSize(opts.maxSourceFiles, '--max-source-files'),
          maxMirrorBytes: parseByteSize(opts.maxMirrorSize, '--max-mirror-size'),
        },
        applicationNamespaces: applicationNamespaces(opts),
        ...(opts.notifications
          ? {
              notifications: {
                ...(opts.dashboardUrl === undefined ? {} : { dashboardUrl: opts.dashboardUrl }),
                allowHttp: opts.notifyAllowHttp === true,
              },
            }
          : {}),
        ...(port > 0
          ? { webhook: { port, host: opts.webhookHost, secrets: webhookSecrets(process.env) } }
          : {}),
      });
      const leadership = opts.leaderElect
        ? await acquireLeadership(
            {
              objects,
              namespace: opts.namespace,
              name: 'mooring-controller',
              identity: `${process.env.MOORING_POD_NAME ?? hostname()}-${randomBytes(3).toString('hex')}`,
              logger,
            },
            () => {
              // Another replica may act now: stop at once rather than risk two writers.
              process.exit(1);
            },
          )
        : undefined;
      metrics.setLeader(true);
      await controller.start();
      if (controller.webhookAddress !== undefined)
        logger.info({ address: controller.webhookAddress }, 'webhook receiver listening');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          logger.info('stopping: finishing syncs under way');
          void controller
            .stop()
            .then(() => leadership?.release())
            .then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      objects.client.close();
    });
}
