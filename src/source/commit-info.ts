/**
 * What Mooring records about a commit (author, date, message) and the tree hashes that key renders.
 */
import { shortCommit } from '../core/short-commit.js';
import { runGit } from './git-run.js';
import { sourceFailed } from './source-errors.js';
import type { CommitInfo } from './types.js';

/** `git log` format: fields separated by NUL, which no field can contain. */
const COMMIT_FORMAT = '%H%x00%an%x00%ae%x00%aI%x00%s%x00%B';

/** Parses the output of `git log -1 --format=COMMIT_FORMAT`. Pure. */
export function parseCommitInfo(output: string): CommitInfo {
  const [sha = '', authorName = '', authorEmail = '', authorDate = '', subject = '', ...body] =
    output.split('\0');
  return {
    sha,
    authorName,
    authorEmail,
    authorDate,
    subject,
    message: body.join('\0').replace(/\s+$/, ''),
  };
}

/** Author, date and message of `commit` (a full id present in the mirror). */
export async function readCommitInfo(mirrorDir: string, commit: string): Promise<CommitInfo> {
  const output = await runGit(
    ['log', '-1', '--no-show-signature', `--format=${COMMIT_FORMAT}`, '--end-of-options', commit, '--'],
    { cwd: mirrorDir },
  );
  return parseCommitInfo(output);
}

const BATCH_FORMAT = '%(objectname) %(objecttype)';

/** Tree hashes of a commit: of the whole repository and of the application's path. */
export interface TreeHashes {
  rootTreeHash: string;
  pathTreeHash: string;
}

/** One line of `git cat-file --batch-check=BATCH_FORMAT`: "<id> <type>", or "<name> missing". Pure. */
export function parseBatchCheckLine(line: string): { id: string; type: string } | undefined {
  const match = /^([0-9a-f]{40,64}) ([a-z]+)$/.exec(line);
  return match === null ? undefined : { id: match[1] ?? '', type: match[2] ?? '' };
}

/**
 * The tree hashes of `commit` and of `path` in it. Names go through stdin, not argv, so a path can
 * never be read as an option. A missing path, or one that is a file, is SOURCE_FAILED.
 */
export async function readTreeHashes(
  mirrorDir: string,
  commit: string,
  path: string,
  url: string,
): Promise<TreeHashes> {
  const output = await runGit(['cat-file', `--batch-check=${BATCH_FORMAT}`], {
    cwd: mirrorDir,
    stdin: `${commit}^{tree}\n${commit}:${path}\n`,
  });
  const [rootLine = '', pathLine = ''] = output.split('\n');
  const root = parseBatchCheckLine(rootLine);
  if (root?.type !== 'tree') throw new Error(`git cat-file found no tree for commit ${commit}: ${rootLine}`);
  if (path === '') return { rootTreeHash: root.id, pathTreeHash: root.id };
  const entry = parseBatchCheckLine(pathLine);
  const short = shortCommit(commit);
  if (entry === undefined)
    throw sourceFailed(
      `path ${path} not found at commit ${short} of ${url}`,
      'check the path of the application (it is relative to the repository root) and that it was pushed on this ref',
      undefined,
      url,
    );
  if (entry.type !== 'tree')
    throw sourceFailed(
      `path ${path} at commit ${short} of ${url} is not a folder (it is a ${entry.type === 'blob' ? 'file or symlink' : entry.type})`,
      'point the path at the folder that holds the application',
      undefined,
      url,
    );
  return { rootTreeHash: root.id, pathTreeHash: entry.id };
}
