/** Small pieces shared by the pages: status badges (colour and words, never colour alone), times. */

const TONES: Record<string, string> = {
  Synced: 'ok',
  Healthy: 'ok',
  Succeeded: 'ok',
  OutOfSync: 'warn',
  Progressing: 'info',
  Suspended: 'muted',
  Degraded: 'bad',
  Failed: 'bad',
  Rejected: 'bad',
  Missing: 'bad',
  Unknown: 'muted',
};

export function toneOf(value: string): string {
  return TONES[value] ?? 'muted';
}

export function Badge(props: { value: string; tone?: string }) {
  return <span className={`badge ${props.tone ?? toneOf(props.value)}`}>{props.value}</span>;
}

export function shortRevision(revision: string | undefined): string {
  return revision === undefined ? '—' : revision.slice(0, 8);
}

/** "5 min ago" from an ISO time (absent: a dash). */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return '—';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return `${Math.max(0, seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}
