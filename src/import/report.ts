/** The import report people read: grouped by peer object, worst first. Pure. */
import type { ImportNote } from './types.js';

const ORDER: readonly ImportNote['severity'][] = ['skipped', 'manual', 'dropped', 'changed'];

/** One block per peer object: `Kind/ns/name` then `  severity  field: message` lines. */
export function formatNotes(notes: readonly ImportNote[]): string {
  const bySubject = new Map<string, ImportNote[]>();
  for (const note of notes) bySubject.set(note.subject, [...(bySubject.get(note.subject) ?? []), note]);
  const blocks = [...bySubject.entries()].map(([subject, list]) => {
    const lines = [...list]
      .sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity))
      .map(
        (note) => `  ${note.severity.padEnd(7)} ${note.field === '' ? '' : `${note.field}: `}${note.message}`,
      );
    return [subject, ...lines].join('\n');
  });
  return blocks.length === 0 ? 'everything was carried over\n' : `${blocks.join('\n')}\n`;
}
