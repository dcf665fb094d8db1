import type { Command } from 'commander';

import type { ApplicationManifest as Application } from '../../app/model.js';
import { applicationRef, MOORING_API_VERSION, RECORD_APP_LABEL, shortCommit } from '../../app/model.js';
import {
  deliveryRequestPatch,
  rollbackRequestPatch,
  syncRequestPatch,
  unpinRequestPatch,
} from '../../app/protocol.js';
import { MooringError } from '../../core/errors.js';
import { newestFirst } from '../../crd/syncrecord.js';
import { pollUntil } from '../../core/wait.js';
import { connect } from '../../kube/connect.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { parseDuration } from '../duration.js';
import { addClusterOptions } from './engine-options.js';
import { formatStatus, table } from '../output/app-status.js';
import { apiClientFor } from '../server-config.js';
import { apiHistory, apiRollback, apiSimpleAction, apiStatus, apiSync } from './app-api.js';

interface AppCliOptions {
  /** `--server URL`, or `--server` alone for the stored login (see server-config.ts). */
  server?: string | boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  wait?: boolean;
  timeout: string;
  output: string;
}

const ref = applicationRef;

async function getApp(objects: ObjectsApi, namespace: string, name: string): Promise<Application> {
  const app = (await objects.get(MOORING_API_VERSION, ref(namespace, name))) as Application | undefined;
  if (app === undefined) {
    throw new MooringError('NOT_FOUND', `Application ${namespace}/${name} not found`, {
      hint: `list them: kubectl get applications -n ${namespace}`,
    });
  }
  return app;
}

async function withObjects<T>(opts: AppCliOptions, work: (objects: ObjectsApi) => Promise<T>): Promise<T> {
  const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
  try {
    return await work(objects);
  } finally {
    objects.client.close();
  }
}

function appCommand(program: Command, name: string, description: string): Command {
  return addClusterOptions(program.command(`${name} <app>`))
    .description(description)
    .option('-n, --namespace <namespace>', 'namespace of the Application', 'mooring-system')
    .option('-o, --output <format>', 'text or json', 'text')
    .option(
      '--server [url]',
      'use the HTTP API (mooring login) instead of the cluster; alone: the stored login (default when logged in and no --kubeconfig/--context)',
    );
}

/** `mooring sync|status|history|suspend|resume APP`: talk to Application objects; no extra server needed. */
export function registerAppCommands(program: Command): void {
  appCommand(program, 'sync', 'ask the controller to sync an Application now')
    .option('--wait', 'wait until that sync has finished and print its result')
    .option('--timeout <duration>', 'how long to wait', '5m')
    .action(async (name: string, opts: AppCliOptions) => {
      const api = await apiClientFor(opts);
      if (api !== undefined) return apiSync(api, opts.namespace, name, opts);
      return withObjects(opts, async (objects) => {
        const now = new Date();
        const requestedAt = now.toISOString();
        await getApp(objects, opts.namespace, name);
        await objects.mergePatch(MOORING_API_VERSION, ref(opts.namespace, name), syncRequestPatch(now));
        process.stderr.write(`sync of ${name} requested\n`);
        if (opts.wait !== true) return;
        const app = await pollUntil(
          async (note) => {
            const current = await getApp(objects, opts.namespace, name);
            note(current.status?.summary ?? 'no status yet');
            return (current.status?.lastSync?.startedAt ?? '') >= requestedAt ? current : undefined;
          },
          { timeoutMs: parseDuration(opts.timeout), intervalMs: 300, what: `the sync of ${name}` },
        );
        process.stdout.write(formatStatus(app));
        if (app.status?.sync?.status !== 'Synced') process.exitCode = 1;
      });
    });

  appCommand(
    program,
    'status',
    'show an Application: sync, health, revision, and why it is not synced',
  ).action(async (name: string, opts: AppCliOptions) => {
    const api = await apiClientFor(opts);
    if (api !== undefined) return apiStatus(api, opts.namespace, name, opts.output);
    return withObjects(opts, async (objects) => {
      const app = await getApp(objects, opts.namespace, name);
      process.stdout.write(
        opts.output === 'json' ? JSON.stringify(app.status ?? {}, null, 2) + '\n' : formatStatus(app),
      );
    });
  });

  appCommand(program, 'history', 'list the syncs of an Application (SyncRecords), newest first').action(
    async (name: string, opts: AppCliOptions) => {
      const api = await apiClientFor(opts);
      if (api !== undefined) return apiHistory(api, opts.namespace, name, opts.output);
      return withObjects(opts, async (objects) => {
        const records = newestFirst(
          await objects.list(MOORING_API_VERSION, 'SyncRecord', {
            namespace: opts.namespace,
            labelSelector: `${RECORD_APP_LABEL}=${name}`,
          }),
        );
        if (opts.output === 'json') {
          process.stdout.write(
            JSON.stringify(
              records.map((r) => ({ name: r.metadata.name, ...(r.spec as object) })),
              null,
              2,
            ) + '\n',
          );
          return;
        }
        const rows = records.map((r) => {
          const spec = r.spec as {
            startedAt?: string;
            trigger?: string;
            revision?: string;
            result?: string;
            message?: string;
          };
          return [
            spec.startedAt ?? '',
            spec.trigger ?? '',
            (spec.revision ?? '').slice(0, 12),
            spec.result ?? '',
            (spec.message ?? '').slice(0, 80),
          ];
        });
        process.stdout.write(table([['STARTED', 'TRIGGER', 'REVISION', 'RESULT', 'MESSAGE'], ...rows]));
      });
    },
  );

  appCommand(
    program,
    'rollback',
    'roll an Application back the GitOps way: a revert commit, or a visible pin',
  )
    .option(
      '--to <revision>',
      'commit to return to (default: the last successful revision before the current one)',
    )
    .addHelpText(
      'after',
      '\nWhere the controller may push, it commits a revert of the app folder to the tracked branch, so Git stays the\ntruth. Otherwise it pins the app to that revision ("newer commits are not applied") until `mooring unpin APP`.\nThe rolled-back revision is never re-applied automatically.\n',
    )
    .action(async (name: string, opts: AppCliOptions & { to?: string }) => {
      const target = opts.to ?? 'previous';
      if (opts.to !== undefined && !/^[0-9a-f]{7,40}$/i.test(opts.to)) {
        throw new MooringError('INVALID_ARGUMENT', `--to must be a commit id, got "${opts.to}"`, {
          hint: `mooring history ${name} lists revisions`,
        });
      }
      const api = await apiClientFor(opts);
      if (api !== undefined) return apiRollback(api, opts.namespace, name, target);
      return withObjects(opts, async (objects) => {
        const app = await getApp(objects, opts.namespace, name);
        await objects.mergePatch(
          MOORING_API_VERSION,
          ref(opts.namespace, name),
          rollbackRequestPatch(target, new Date()),
        );
        process.stdout.write(
          `rollback of ${name} (now at ${app.status?.sync?.revision === undefined ? 'unknown' : shortCommit(app.status.sync.revision)}) to ${target} requested; follow it with: mooring status ${name}\n`,
        );
      });
    });

  appCommand(
    program,
    'unpin',
    'follow the tracked branch again after a rollback pinned the Application',
  ).action(async (name: string, opts: AppCliOptions) => {
    const api = await apiClientFor(opts);
    if (api !== undefined) return apiSimpleAction(api, opts.namespace, name, 'unpin');
    return withObjects(opts, async (objects) => {
      await getApp(objects, opts.namespace, name);
      await objects.mergePatch(MOORING_API_VERSION, ref(opts.namespace, name), unpinRequestPatch(new Date()));
      process.stdout.write(`unpin of ${name} requested\n`);
    });
  });

  for (const [verb, summary] of [
    [
      'promote',
      'promote the rollout in progress now (spec.delivery), skipping the remaining steps and gates',
    ],
    [
      'abort',
      'abort the rollout in progress (spec.delivery): traffic back on stable, the revert written to Git',
    ],
  ] as const) {
    appCommand(program, verb, summary).action((name: string, opts: AppCliOptions) =>
      withObjects(opts, async (objects) => {
        const app = await getApp(objects, opts.namespace, name);
        const phase = app.status?.delivery?.phase;
        if (phase !== 'Progressing' && phase !== 'Waiting')
          throw new MooringError('INVALID_ARGUMENT', `${name} has no rollout in progress`, {
            hint: `mooring status ${name} shows the last one${phase === undefined ? '' : ` (${phase})`}`,
          });
        await objects.mergePatch(
          MOORING_API_VERSION,
          ref(opts.namespace, name),
          deliveryRequestPatch(verb, new Date()),
        );
        process.stdout.write(
          `${verb} of ${name}'s rollout requested; follow it with: mooring status ${name}\n`,
        );
      }),
    );
  }

  for (const [verb, suspend] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
    appCommand(
      program,
      verb,
      suspend
        ? 'stop syncing an Application (drift is no longer corrected)'
        : 'start syncing a suspended Application again',
    ).action(async (name: string, opts: AppCliOptions) => {
      const api = await apiClientFor(opts);
      if (api !== undefined) return apiSimpleAction(api, opts.namespace, name, verb);
      return withObjects(opts, async (objects) => {
        await getApp(objects, opts.namespace, name);
        await objects.mergePatch(MOORING_API_VERSION, ref(opts.namespace, name), { spec: { suspend } });
        process.stdout.write(`${name} ${suspend ? 'suspended' : 'resumed'}\n`);
      });
    });
  }
}
