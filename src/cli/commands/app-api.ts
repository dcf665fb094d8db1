/**
 * `mooring status|history|sync|rollback|unpin|suspend|resume|diff APP` through the HTTP API (`--server`, or a
 * stored `mooring login`): the same output as the commands that talk to the cluster, the API's RBAC checks
 * instead of the kubeconfig's.
 */
import type { ActionName, MooringClient } from '../../api/client.js';
import { shortCommit } from '../../app/model.js';
import { pollUntil } from '../../core/wait.js';
import { parseDuration } from '../duration.js';
import { formatStatus, table } from '../output/app-status.js';
import { formatView } from '../output/sync-report.js';

export async function apiStatus(
  api: MooringClient,
  namespace: string,
  name: string,
  output: string,
): Promise<void> {
  const app = await api.application(namespace, name);
  process.stdout.write(
    output === 'json' ? JSON.stringify(app.status ?? {}, null, 2) + '\n' : formatStatus(app),
  );
}

export async function apiHistory(
  api: MooringClient,
  namespace: string,
  name: string,
  output: string,
): Promise<void> {
  const { items } = await api.history(namespace, name);
  if (output === 'json') {
    process.stdout.write(JSON.stringify(items, null, 2) + '\n');
    return;
  }
  const rows = items.map((e) => [
    e.startedAt ?? '',
    e.trigger ?? '',
    (e.revision ?? '').slice(0, 12),
    e.result ?? '',
    (e.message ?? '').slice(0, 80),
  ]);
  process.stdout.write(table([['STARTED', 'TRIGGER', 'REVISION', 'RESULT', 'MESSAGE'], ...rows]));
}

export async function apiSync(
  api: MooringClient,
  namespace: string,
  name: string,
  opts: { wait?: boolean; timeout: string },
): Promise<void> {
  const requestedAt = new Date().toISOString();
  await api.action(namespace, name, 'sync');
  process.stderr.write(`sync of ${name} requested\n`);
  if (opts.wait !== true) return;
  const app = await pollUntil(
    async (note) => {
      const current = await api.application(namespace, name);
      note(current.status?.summary ?? 'no status yet');
      return (current.status?.lastSync?.startedAt ?? '') >= requestedAt ? current : undefined;
    },
    { timeoutMs: parseDuration(opts.timeout), intervalMs: 300, what: `the sync of ${name}` },
  );
  process.stdout.write(formatStatus(app));
  if (app.status?.sync?.status !== 'Synced') process.exitCode = 1;
}

export async function apiRollback(
  api: MooringClient,
  namespace: string,
  name: string,
  target: string,
): Promise<void> {
  const app = await api.application(namespace, name);
  await api.action(namespace, name, 'rollback', { to: target });
  const now = app.status?.sync?.revision;
  process.stdout.write(
    `rollback of ${name} (now at ${now === undefined ? 'unknown' : shortCommit(now)}) to ${target} requested; follow it with: mooring status ${name}\n`,
  );
}

/** unpin, suspend, resume: one action, one line. */
export async function apiSimpleAction(
  api: MooringClient,
  namespace: string,
  name: string,
  action: Extract<ActionName, 'unpin' | 'suspend' | 'resume'>,
): Promise<void> {
  await api.action(namespace, name, action);
  process.stdout.write(
    action === 'unpin'
      ? `unpin of ${name} requested\n`
      : `${name} ${action === 'suspend' ? 'suspended' : 'resumed'}\n`,
  );
}

/** `mooring diff APP --server`: the live diff (exit 1 when something would change), or between two revisions. */
export async function apiDiff(
  api: MooringClient,
  namespace: string,
  name: string,
  opts: { output: string; from?: string; to?: string },
): Promise<void> {
  if (opts.from !== undefined) {
    const diff = await api.diffRevisions(namespace, name, opts.from, opts.to);
    if (opts.output === 'json') process.stdout.write(JSON.stringify(diff, null, 2) + '\n');
    else {
      const lines = diff.objects.map((o) => `${o.action.padEnd(8)} ${o.subject}`);
      for (const o of diff.objects) if (o.unified !== '') lines.push('', o.unified.trimEnd());
      const c = diff.counts;
      lines.push(
        '',
        `${name}: ${shortCommit(diff.from.revision)} → ${shortCommit(diff.to.revision)}: ${c.added} added, ${c.removed} removed, ${c.changed} changed, ${c.unchanged} unchanged`,
      );
      process.stdout.write(lines.join('\n') + '\n');
    }
    process.exitCode = diff.objects.length > 0 ? 1 : 0;
    return;
  }
  const diff = await api.diff(namespace, name);
  if (opts.output === 'json') process.stdout.write(JSON.stringify(diff, null, 2) + '\n');
  else
    process.stdout.write(
      formatView(
        {
          appName: diff.app,
          ...(diff.revision === undefined ? {} : { revision: diff.revision.sha }),
          dryRun: true,
          outcomes: diff.outcomes,
          warnings: diff.warnings,
          unified: diff.diffs.map((d) => d.unified),
          ...(diff.error === undefined ? {} : { error: diff.error }),
          ...(diff.rejected === undefined ? {} : { rejected: diff.rejected }),
          stats: diff.stats,
        },
        'diff',
      ),
    );
  const changes = diff.outcomes.some(
    (o) => o.action !== 'unchanged' && o.action !== 'orphaned' && o.action !== 'skipped',
  );
  process.exitCode = diff.error !== undefined ? 2 : changes ? 1 : 0;
}
