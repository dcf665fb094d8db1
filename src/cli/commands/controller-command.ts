import { homedir } from 'node:os';
import { join } from 'node:path';

import type { Command } from 'commander';
import { pino } from 'pino';

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import { ApplicationIndex } from '../../api/index/app-index.js';
import type { OidcOptions } from '../../api/auth/oidc.js';
import { buildHttpServer } from '../../api/serve.js';
import { controllerRoutes } from '../../api/controller-routes.js';
import { dashboardPlugin } from '../../api/dashboard.js';
import { Controller } from '../../controller/controller.js';
import { errorMessage, MooringError } from '../../core/errors.js';
import { kubeEventSink } from '../../image/events.js';
import { ImageScanController } from '../../image/scan-controller.js';
import { registryWebhookPlugin } from '../../image/webhook.js';
import { acquireLeadership } from '../../controller/leader.js';
import { appsOf, ImageAutomationLoop } from '../../image/update/loop.js';
import { connect } from '../../kube/connect.js';
import { Metrics } from '../../metrics/metrics.js';
import { metricsRoutes } from '../../metrics/http.js';
import { egressFromFlags } from '../../net/egress.js';
import { parseByteSize } from '../byte-size.js';
import { parseDuration } from '../duration.js';
import { addClusterOptions, renderTools } from './engine-options.js';

interface ControllerCliOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  concurrency: string;
  httpPort?: string;
  httpHost?: string;
  webhookPort?: string;
  webhookHost?: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcUsernameClaim: string;
  oidcGroupsClaim: string;
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
  egressAllowCidr?: string[];
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

/** The OIDC login of the API, when --oidc-issuer is given (with --oidc-client-id). */
function oidcOptions(opts: ControllerCliOptions): OidcOptions | undefined {
  if (opts.oidcIssuer === undefined) return undefined;
  if (opts.oidcClientId === undefined)
    throw new MooringError('INVALID_ARGUMENT', '--oidc-issuer needs --oidc-client-id', {
      hint: 'pass the client id your ID tokens are issued for (their "aud")',
    });
  return {
    issuer: opts.oidcIssuer,
    clientId: opts.oidcClientId,
    usernameClaim: opts.oidcUsernameClaim,
    groupsClaim: opts.oidcGroupsClaim,
  };
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
    .option(
      '--http-port <port>',
      'port of the HTTP server: API (/api/v1), webhook receiver, /healthz, /readyz (0: off; default 8080)',
    )
    .option('--http-host <host>', 'address the HTTP server listens on (default 0.0.0.0)')
    .option('--webhook-port <port>', 'alias of --http-port')
    .option('--webhook-host <host>', 'alias of --http-host')
    .option('--oidc-issuer <url>', 'accept OIDC ID tokens of this issuer on the API (https)')
    .option('--oidc-client-id <id>', 'the audience OIDC ID tokens must carry (with --oidc-issuer)')
    .option('--oidc-username-claim <claim>', 'OIDC claim mapped to the Kubernetes user oidc:<value>', 'sub')
    .option('--oidc-groups-claim <claim>', 'OIDC claim mapped to the groups oidc:<group>', 'groups')
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
    .option(
      '--egress-allow-cidr <ranges>',
      'let notifications, delivery analysis, registries and pull-request APIs reach these address ranges (comma-separated, repeatable; e.g. 10.0.0.0/8,fd00::/8). Default: public addresses only',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addHelpText(
      'after',
      '\nOne HTTP port serves the API (/api/v1, Kubernetes bearer tokens, authorised by RBAC; /api/openapi.json),\nthe Git webhook receiver (POST /api/webhook), Prometheus metrics (GET /metrics), /healthz and /readyz.\nImage automation (ImageRepository, ImagePolicy, ImageUpdateAutomation) runs beside the Applications\nwhen its CRDs are installed.\n\nWebhook secrets come from the environment: MOORING_WEBHOOK_SECRET (all providers) or\nMOORING_WEBHOOK_GITHUB_SECRET, _GITLAB_, _GITEA_, _BITBUCKET_, _GENERIC_.\nRegistry notifications (POST /api/webhook/registry): MOORING_REGISTRY_WEBHOOK_SECRET, sent as\n"Authorization: Bearer <secret>" or in the header MOORING_REGISTRY_WEBHOOK_HEADER names.\n\nOutbound requests to URLs that Application and policy authors write (notification sinks, delivery\nPrometheus and webhooks, registries, pull-request APIs) connect only to public addresses: loopback,\nprivate (RFC 1918, fd00::/8), link-local (169.254.169.254 cloud metadata), CGNAT and the like are refused\nafter DNS resolution, and redirects are not followed. Allow internal receivers with --egress-allow-cidr.\nGit fetches use the git binary and are not covered (sourceRepos in Projects confine them).\n\nExample:\n  mooring controller --kubeconfig ~/.mooring/clusters/dev/kubeconfig -n mooring-system\n',
    )
    .action(async (opts: ControllerCliOptions) => {
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      // Checked before anything else, so a bad range is the first error.
      const egress = egressFromFlags(opts.egressAllowCidr);
      const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
      const port = Number.parseInt(opts.httpPort ?? opts.webhookPort ?? '8080', 10);
      const oidc = oidcOptions(opts);
      const index = new ApplicationIndex();
      // One registry for the process, served at /metrics on the controller's HTTP port.
      const metrics = new Metrics();
      // Image automation runs beside the Application controller when its CRDs are installed.
      const imageScan = new ImageScanController({
        objects,
        logger,
        namespaces: applicationNamespaces(opts),
        sink: kubeEventSink(objects, logger, metrics.image.scanSink()),
        egress,
      });
      const registryWebhook = registryWebhookPlugin({
        secret: process.env.MOORING_REGISTRY_WEBHOOK_SECRET,
        header: process.env.MOORING_REGISTRY_WEBHOOK_HEADER,
        logger,
        onPush: (pushes) => imageScan.scanPushes(pushes),
      });
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
        applicationListener: (type, app) => {
          index.onApplication(type, app);
        },
        egress,
      });
      const detail = controllerRoutes({
        controller,
        index,
        objects,
        namespaces: applicationNamespaces(opts),
        logger,
      });
      // Listening before leadership: /healthz answers at once; /readyz only once this replica leads and listed.
      const http =
        port > 0
          ? await buildHttpServer({
              objects,
              index,
              logger,
              clusters: controller.clusters,
              namespace: opts.namespace,
              ...(oidc === undefined ? {} : { oidc }),
              ready: () => controller.synced,
              routes: detail.routes,
              openApiPaths: detail.openApiPaths,
              webhook: {
                secrets: webhookSecrets(process.env),
                logger,
                onPush: (event) => Promise.resolve(controller.refreshForPush(event)),
                onDelivery: ({ provider, result }) => {
                  metrics.webhookDeliveries.inc({ provider, result });
                },
              },
              plugins: [metricsRoutes(metrics.registry), registryWebhook, dashboardPlugin()],
            })
          : undefined;
      if (http !== undefined) {
        const address = await http.listen({ port, host: opts.httpHost ?? opts.webhookHost ?? '0.0.0.0' });
        logger.info({ address }, 'HTTP server listening (API, webhooks, health)');
      }
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
      await Promise.all([controller.start(), detail.start()]);
      index.markSynced();
      await imageScan.start();
      const imageAutomation = new ImageAutomationLoop({
        objects,
        logger,
        namespaces: applicationNamespaces(opts),
        applications: () => controller.applications(),
        allowFileRepos: opts.allowFileRepos === true,
        egress,
        onRun: (automation, outcome) => {
          metrics.image.updated(automation, outcome);
        },
        onDeleted: (key) => {
          metrics.image.forgetAutomation(key);
        },
        // image-updated / image-held notifications (the NotificationPolicies the controller watches).
        ...(controller.notifier === undefined ? {} : { onReport: controller.notifier.imageSink() }),
        // An automation's push refreshes the apps of that branch at once (no wait for their poll).
        onPushed: (repoURL, branch) => {
          for (const key of appsOf(controller.applications(), repoURL, branch))
            controller.trigger(key, 'webhook');
        },
      });
      await imageAutomation.start();
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          logger.info('stopping: finishing syncs under way');
          imageScan.stop();
          void imageAutomation
            .stop()
            .then(() => controller.stop())
            .then(() => {
              detail.stop();
              return http?.close();
            })
            .then(() => leadership?.release())
            .then(resolve, (error: unknown) => {
              // Not an unhandled rejection: say what failed, and exit (a half-stopped server would linger).
              logger.error({ err: errorMessage(error) }, 'stopping failed');
              process.exit(1);
            });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      objects.client.close();
    });
}
