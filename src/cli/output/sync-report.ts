import { stringify } from 'yaml';

import type { ObjectOutcome } from '../../apply/types.js';
import { maskSecretsDeep } from '../../diff/mask.js';
import { unifiedDiff } from '../../diff/object-diff.js';
import { describeCounts } from '../../engine/summary.js';
import type { SyncResult } from '../../engine/types.js';

const ACTION_WORD: Record<ObjectOutcome['action'], string> = {
  created: 'create',
  configured: 'configure',
  unchanged: 'unchanged',
  recreated: 'recreate',
  pruned: 'prune',
  orphaned: 'leave',
  skipped: 'skip',
  failed: 'FAILED',
  'hook-succeeded': 'hook ok',
  'hook-failed': 'HOOK FAILED',
};

/** What the text report is made of: a sync result, or the API's live diff of one (same lines either way). */
export interface ReportView {
  appName: string;
  revision?: string;
  dryRun: boolean;
  outcomes: ObjectOutcome[];
  warnings: string[];
  /** Unified diffs of the objects that would change. */
  unified: string[];
  error?: SyncResult['error'];
  rejected?: SyncResult['rejected'];
  stats: SyncResult['stats'];
}

/** Outcomes worth a line: everything but unchanged objects (those are counted in the summary). */
function interesting(result: Pick<ReportView, 'outcomes'>): ObjectOutcome[] {
  return result.outcomes.filter((o) => o.action !== 'unchanged');
}

function driftNote(o: ObjectOutcome): string {
  if (o.drift === undefined) return '';
  const who = new Set(
    o.drift.flatMap((d) =>
      d.changedBy.map((c) => `${c.manager}${c.time === undefined ? '' : ` at ${c.time}`}`),
    ),
  );
  const fields = o.drift
    .map((d) => d.path)
    .slice(0, 4)
    .join(', ');
  return who.size > 0 ? `drift in ${fields} (changed by ${[...who].join(', ')})` : `changes ${fields}`;
}

function viewOf(result: SyncResult, verb: 'apply' | 'diff'): ReportView {
  const unified =
    verb === 'diff'
      ? result.validated.flatMap((v) =>
          v.diff?.action === 'change' && v.dryRun !== undefined
            ? [
                unifiedDiff(
                  `${v.planned.ref.kind}/${v.planned.ref.namespace}/${v.planned.ref.name}`,
                  v.live,
                  v.dryRun,
                ),
              ]
            : [],
        )
      : [];
  return {
    appName: result.appName,
    ...(result.revision === undefined ? {} : { revision: result.revision.sha }),
    dryRun: result.dryRun,
    outcomes: result.outcomes,
    warnings: result.warnings,
    unified,
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(result.rejected === undefined ? {} : { rejected: result.rejected }),
    stats: result.stats,
  };
}

/** The human report of a sync or diff: one line per object that changes, then a summary. */
export function formatText(result: SyncResult, verb: 'apply' | 'diff'): string {
  return formatView(viewOf(result, verb), verb);
}

/** The same report from its parts (e.g. the API's live diff, `mooring diff APP --server`). */
export function formatView(result: ReportView, verb: 'apply' | 'diff'): string {
  const rows = interesting(result).map((o) => [
    ACTION_WORD[o.action],
    o.subject,
    o.phase === 'Sync' ? `wave ${o.wave}` : o.phase,
    [o.message, driftNote(o)].filter((m) => m !== undefined && m !== '').join('; '),
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 0));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  for (const text of result.unified) lines.push('', text);
  lines.push('', summaryLine(result, verb));
  if (result.error !== undefined) {
    lines.push(`error (${result.error.step}): ${result.error.message}`);
    for (const r of result.rejected ?? []) lines.push(`  rejected ${r.subject ?? ''}: ${r.message}`);
    if (result.error.hint !== undefined) lines.push(`hint: ${result.error.hint}`);
  }
  return lines.join('\n') + '\n';
}

function summaryLine(result: ReportView, verb: 'apply' | 'diff'): string {
  const revision = result.revision === undefined ? '' : ` at ${result.revision.slice(0, 12)}`;
  const seconds = (result.stats.durationMs / 1000).toFixed(1);
  const requests = Object.values(result.stats.requests).reduce((a, b) => a + b, 0);
  const what = verb === 'diff' || result.dryRun ? 'would' : 'did';
  const hookWrites = result.stats.hookWrites ?? 0;
  const hookNote = hookWrites > 0 ? `, ${hookWrites} of them by hooks` : '';
  return `${result.appName}${revision}: ${what}: ${describeCounts(result.outcomes)} (${seconds} s, ${requests} API requests, ${result.stats.writes} writes${hookNote})`;
}

/** Machine-readable report: outcomes, diffs by field, stats, planned objects with Secret values hidden. */
export function formatJson(result: SyncResult): string {
  const { validated, ...rest } = result;
  const diffs = validated
    .filter((v) => v.diff?.action === 'change')
    .map((v) => ({ id: v.planned.id, changes: v.diff?.changes ?? [], drift: v.diff?.drift ?? [] }));
  return JSON.stringify(maskSecretsDeep({ ...rest, diffs }), null, 2) + '\n';
}

/** A pull-request comment: summary table and collapsible diffs. */
export function formatMarkdown(result: SyncResult): string {
  const rows = interesting(result).map(
    (o) =>
      `| ${ACTION_WORD[o.action]} | \`${o.subject}\` | ${(o.message ?? driftNote(o)).replace(/\|/g, '\\|')} |`,
  );
  const parts = [`### Mooring diff: \`${result.appName}\``, '', `**${describeCounts(result.outcomes)}**`, ''];
  if (rows.length > 0) parts.push('| action | object | note |', '|---|---|---|', ...rows, '');
  for (const v of result.validated) {
    if (v.diff?.action !== 'change' || v.dryRun === undefined) continue;
    const subject = `${v.planned.ref.kind}/${v.planned.ref.namespace}/${v.planned.ref.name}`;
    parts.push(
      `<details><summary>${subject}</summary>`,
      '',
      '```diff',
      unifiedDiff(subject, v.live, v.dryRun).trimEnd(),
      '```',
      '</details>',
      '',
    );
  }
  if (result.error !== undefined)
    parts.push(`> **Error (${result.error.step}):** ${result.error.message}`, '');
  return parts.join('\n');
}

/** Rendered objects as a multi-document YAML stream, Secret values hidden. */
export function formatYamlStream(objects: unknown[]): string {
  return objects.map((o) => `---\n${stringify(maskSecretsDeep(o))}`).join('');
}

/** Rendered objects as a JSON list, Secret values hidden. */
export function formatJsonObjects(objects: unknown[]): string {
  return JSON.stringify(maskSecretsDeep(objects), null, 2) + '\n';
}
