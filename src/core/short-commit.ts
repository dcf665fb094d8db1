/** The length of a commit id shown to people (status, Events, messages, logs). */
export const SHORT_COMMIT_LENGTH = 12;

/** A commit id as shown to people. Pure. */
export function shortCommit(sha: string): string {
  return sha.slice(0, SHORT_COMMIT_LENGTH);
}
