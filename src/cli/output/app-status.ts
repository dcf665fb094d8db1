/** The text `mooring status` and `mooring sync --wait` print, and the tables of `mooring history`. Pure. */
import type { ApplicationStatus } from '../../app/model.js';

/** What the status report reads of an Application (from the cluster or from the API). */
export interface StatusSubject {
  metadata: { name: string };
  status?: ApplicationStatus | undefined;
}

export function formatStatus(app: StatusSubject): string {
  const s = app.status ?? {};
  const lines = [
    `${app.metadata.name}: ${s.sync?.status ?? 'Unknown'}, ${s.health?.status ?? 'Unknown'}${s.sync?.revision === undefined ? '' : ` at ${s.sync.revision.slice(0, 12)}`}`,
    `  ${s.summary ?? 'not reconciled yet'}`,
  ];
  if (s.sync?.pinnedRevision !== undefined)
    lines.push(
      `  pinned to ${s.sync.pinnedRevision.slice(0, 12)}; newer commits are not applied (mooring unpin ${app.metadata.name})`,
    );
  const d = s.delivery;
  if (d?.phase !== undefined) {
    const bg = d.blueGreen;
    const where =
      bg === undefined
        ? `step ${(d.step ?? 0) + 1}, canary ${d.canaryWeight ?? 0}%`
        : `blue-green ${bg.stage}, active on ${bg.activeRevision?.slice(0, 12) ?? 'the old version'}, preview on ${bg.previewRevision?.slice(0, 12) ?? '-'}`;
    lines.push(
      `  rollout ${d.phase}${d.revision === undefined ? '' : ` of ${d.revision.slice(0, 12)}`}: ${where}, ${d.failedChecks ?? 0} failed checks`,
      `    ${d.message ?? ''}`,
    );
    for (const m of d.metrics ?? [])
      lines.push(
        `    ${m.name}: ${m.result}${m.value === undefined ? '' : ` ${m.value}`}${m.message === undefined ? '' : ` (${m.message})`}`,
      );
  }
  const rows = (s.resources ?? []).map((r): string[] => [
    r.kind,
    r.namespace === undefined || r.namespace === '' ? '-' : r.namespace,
    r.name,
    r.sync ?? 'Unknown',
    r.health ?? 'Unknown',
    r.message ?? '',
  ]);
  if (rows.length > 0)
    lines.push('', table([['KIND', 'NAMESPACE', 'NAME', 'SYNC', 'HEALTH', 'MESSAGE'], ...rows]).trimEnd());
  return lines.join('\n') + '\n';
}

/** Rows as aligned columns (the last one not padded). */
export function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
