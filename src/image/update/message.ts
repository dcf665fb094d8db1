/**
 * The commit message of an image update: the spec's template with the changes filled in, and the trailer
 * (`[skip ci]` by default) as its last line, so CI does not build the automation's own commits. Pure.
 */
import type { FieldChange } from './edit.js';

/** A changed field and the file it is in. */
export interface FileChange extends FieldChange {
  path: string;
}

/**
 * Fills `template`: {{automation}} (namespace/name), {{count}} (fields changed), {{images}} (one line per
 * image change, `- before → after (policy)`), {{changes}} (one line per field, with file and line).
 */
export function commitMessage(
  template: string,
  trailer: string,
  automation: string,
  changes: readonly FileChange[],
): string {
  const images = [...new Set(changes.map((c) => `- ${c.before} → ${c.after} (${c.policy})`))].join('\n');
  const lines = changes
    .map((c) => `- ${c.path}:${c.line} ${c.field}: ${c.before} → ${c.after} (${c.policy})`)
    .join('\n');
  const values: Record<string, string> = {
    automation,
    count: String(changes.length),
    images,
    changes: lines,
  };
  const body = template.replace(
    /\{\{\s*(automation|count|images|changes)\s*\}\}/g,
    (_m, key: string) => values[key] ?? '',
  );
  const text = body.trimEnd();
  return trailer.trim() === '' ? `${text}\n` : `${text}\n\n${trailer.trim()}\n`;
}
