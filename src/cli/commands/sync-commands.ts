import type { Command } from 'commander';

import { apiClientFor } from '../server-config.js';
import { apiDiff } from './app-api.js';

import { syncApplication } from '../../engine/sync.js';
import { loadChecksFromFiles } from './health.js';
import type { SyncResult } from '../../engine/types.js';
import { connect } from '../../kube/connect.js';
import { render } from '../../render/index.js';
import {
  formatJson,
  formatJsonObjects,
  formatMarkdown,
  formatText,
  formatYamlStream,
} from '../output/sync-report.js';
import { withSource } from '../resolve-source.js';
import { verifySpecFromOptions } from '../verify-keys.js';
import type { EngineCliOptions } from './engine-options.js';
import {
  addClusterOptions,
  addSourceOptions,
  appNameFor,
  parseServiceAccountArg,
  renderOptionsFrom,
  renderTools,
  syncRequestFrom,
} from './engine-options.js';

interface ApiDiffOptions {
  server?: string | boolean;
  from?: string;
  to?: string;
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `mooring render|diff|apply SOURCE`: the sync engine without a controller (push mode, CI, laptops). */
export function registerSyncCommands(program: Command): void {
  addSourceOptions(program.command('render'))
    .description('print the manifests a source renders to (no cluster needed; Secret values are hidden)')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .addHelpText(
      'after',
      '\nExamples:\n  mooring render ./apps/web\n  mooring render https://git.example.com/org/config.git@main//apps/web -o json\n',
    )
    .action(async (sourceArg: string, opts: EngineCliOptions) => {
      const result = await withSource(sourceArg, progress, await verifySpecFromOptions(opts), (source) =>
        render({
          root: source.root,
          path: source.path,
          namespace: opts.namespace,
          options: renderOptionsFrom(opts, appNameFor(opts, source)),
          tools: renderTools(),
        }),
      );
      for (const warning of result.warnings) progress(`warning: ${warning}`);
      const objects = result.objects.map((r) => r.object);
      process.stdout.write(opts.output === 'json' ? formatJsonObjects(objects) : formatYamlStream(objects));
    });

  addClusterOptions(addSourceOptions(program.command('diff')))
    .description(
      'show what apply would change in the cluster (read-only); exit 0 no changes, 1 changes, 2 error',
    )
    .option('-o, --output <format>', 'text, json or markdown (for a pull-request comment)', 'text')
    .option('--timeout <duration>', 'time limit for waits', '5m')
    .option('--concurrency <n>', 'parallel API requests', '16')
    .option('--prune-threshold <fraction>', 'refuse to prune more than this fraction of the app', '0.5')
    .option('--allow-mass-prune', 'allow pruning more than --prune-threshold')
    .option('--as <namespace/name>', 'dry-run as this ServiceAccount (impersonation): its RBAC decides')
    .option(
      '--include-hooks',
      'also report hooks (they run on every sync and are not part of the steady state, so not counted by default)',
    )
    .option(
      '--server [url]',
      'SOURCE is an Application: ask the HTTP API (mooring login; alone: the stored login) for its diff against the cluster',
    )
    .option('--from <entry>', 'with --server: diff the desired state between two history entries or commits')
    .option('--to <entry>', 'with --from: the other side (default: the current revision)')
    .addHelpText(
      'after',
      '\nExamples:\n  mooring diff ./overlays/prod --app shop -n shop\n  mooring diff https://git.example.com/org/config.git@v1.4.0//apps/web -o markdown > comment.md\n  mooring diff web -n team-a --server                       # the Application web, through the API\n  mooring diff web -n team-a --server --from web-20261201-ab12 --to web-20261202-cd34\n',
    )
    .action(async (sourceArg: string, opts: EngineCliOptions & ApiDiffOptions, command: Command) => {
      if (opts.server !== undefined) {
        const api = await apiClientFor(opts);
        // The app's namespace: -n when given, else the controller's default namespace.
        const namespace =
          command.getOptionValueSource('namespace') === 'default' ? 'mooring-system' : opts.namespace;
        if (api !== undefined)
          return apiDiff(api, namespace, sourceArg, {
            output: opts.output,
            ...(opts.from === undefined ? {} : { from: opts.from }),
            ...(opts.to === undefined ? {} : { to: opts.to }),
          });
      }
      const result = await runEngine(sourceArg, opts, 'diff');
      const out =
        opts.output === 'json'
          ? formatJson(result)
          : opts.output === 'markdown'
            ? formatMarkdown(result)
            : formatText(result, 'diff');
      process.stdout.write(out);
      const changes = result.outcomes.some(
        (o) => o.action !== 'unchanged' && o.action !== 'orphaned' && o.action !== 'skipped',
      );
      process.exitCode = result.error !== undefined ? 2 : changes ? 1 : 0;
    });

  addClusterOptions(addSourceOptions(program.command('apply')))
    .description('apply a source to the cluster with server-side apply (push mode, e.g. from CI)')
    .option('--prune', 'delete objects this app applied before and that are no longer in the source')
    .option('--dry-run', 'validate everything on the server and report, write nothing')
    .option('--wait', 'wait until every object is healthy')
    .option('--timeout <duration>', 'time limit for each wait (waves, hooks, --wait)', '5m')
    .option('--create-namespace', 'create --namespace if it does not exist')
    .option('--prune-threshold <fraction>', 'refuse to prune more than this fraction of the app', '0.5')
    .option('--allow-mass-prune', 'allow pruning more than --prune-threshold')
    .option('--concurrency <n>', 'parallel API requests', '16')
    .option('-o, --output <format>', 'text or json', 'text')
    .option(
      '--as <namespace/name>',
      'write as this ServiceAccount (impersonation): its RBAC decides what may be applied or pruned',
    )
    .option(
      '--health-checks <file>',
      'custom health checks for the waits: a ConfigMap (healthCheckExprs, resource.customizations.health.*) or a Flux Kustomization; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addHelpText(
      'after',
      '\nExamples:\n  mooring apply ./apps/web -n web --create-namespace --prune --wait\n  MOORING_GIT_PASSWORD=$TOKEN mooring apply https://git.example.com/org/config.git@main//apps/web --prune\n\nExit status: 0 applied, 2 failed (the report says which step, which object and why).\n',
    )
    .action(async (sourceArg: string, opts: EngineCliOptions) => {
      const result = await runEngine(sourceArg, opts, 'apply');
      process.stdout.write(opts.output === 'json' ? formatJson(result) : formatText(result, 'apply'));
      process.exitCode = result.error === undefined ? 0 : 2;
    });
}

/** Fetches the source and runs the engine against the kubeconfig's cluster. */
async function runEngine(
  sourceArg: string,
  opts: EngineCliOptions,
  mode: 'diff' | 'apply',
): Promise<SyncResult> {
  const account = opts.as === undefined ? undefined : parseServiceAccountArg(opts.as);
  const healthChecks = await loadChecksFromFiles(opts.healthChecks ?? []);
  const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
  try {
    return await withSource(sourceArg, progress, await verifySpecFromOptions(opts), (source) =>
      syncApplication(
        {
          objects: account === undefined ? objects : objects.actingAs(account),
          tools: renderTools(),
          progress,
          healthChecks,
        },
        syncRequestFrom(opts, source, mode),
      ),
    );
  } finally {
    objects.client.close();
    healthChecks.sandbox?.close();
  }
}
