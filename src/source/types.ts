/** Contracts of the Git source stage. Implementation: src/source/*. */
import type { VerifiedSignature, VerifySpec } from './verify-parse.js';

/** Which revision to follow. `semver` is a range over tags (e.g. ">=1.2.0 <2", "~1.4", "*"). */
export type RefSpec = { branch: string } | { tag: string } | { semver: string } | { commit: string };

/** Credentials for a private repository. Never logged, never in argv, never in a URL shown to anyone. */
export type GitCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'ssh'; privateKey: string; knownHosts: string };

export interface SourceSpec {
  /** https://, http:// (tests), ssh:// or scp-like git@host:path, or file:// */
  repoURL: string;
  ref: RefSpec;
  /** The application's folder inside the repository ('' or '.' for the root). */
  path: string;
  credentials?: GitCredentials;
  /** Refuse the revision unless it is signed by one of these keys (src/source/verify.ts). */
  verify?: VerifySpec;
}

export interface CommitInfo {
  sha: string;
  authorName: string;
  authorEmail: string;
  /** ISO 8601 */
  authorDate: string;
  /** First line of the commit message. */
  subject: string;
  message: string;
}

/** A source resolved to one commit in the mirror, within the size limits, not yet exported. */
export interface ResolvedSource {
  /** The repo URL with any user info removed (safe to show). */
  displayURL: string;
  /** Human name of what was resolved, e.g. "main", "v1.4.2", or the commit itself. */
  resolvedRef: string;
  commit: CommitInfo;
  /** The application's path, normalised, relative to the root ('' for the root). */
  path: string;
  /** Git tree hash of `path` at the commit: unchanged content => unchanged hash. */
  pathTreeHash: string;
  /** Git tree hash of the whole repository at the commit. */
  rootTreeHash: string;
  /** Who signed the commit and/or tag, when `verify` was asked for. */
  signatures?: VerifiedSignature[];
  /** The mirror holding the commit (what exportSource reads). */
  mirrorDir: string;
}

/** An export of the whole tree of a resolved commit, private to whoever asked for it. */
export interface ExportedTree {
  /** Absolute directory holding the exported tree at `commit` (the confinement root for rendering). */
  root: string;
  /** Absolute directory of the application: root joined with path. */
  appDir: string;
  /** Deletes the export; call it once the render is done. */
  release(): Promise<void>;
}

/** The result of fetching a source: a read-only export of the whole tree at one commit. */
export type FetchedSource = ResolvedSource & ExportedTree;

/** Size limits of one export (see src/source/limits.ts for the defaults). */
export interface SourceLimits {
  /** All files together, in bytes. */
  maxBytes: number;
  /** One file, in bytes. */
  maxFileBytes: number;
  /** Number of files. */
  maxFiles: number;
  /** The repository's mirror (all branches and tags, packed), in bytes. */
  maxMirrorBytes: number;
}

export interface FetchOptions {
  /** Abort git after this long (default 60 s). */
  timeoutMs?: number;
  /** Skip the network fetch if the mirror already has what the ref needs (a commit already present). */
  preferCache?: boolean;
  /** Export size limits; defaults in DEFAULT_SOURCE_LIMITS. */
  limits?: Partial<SourceLimits>;
  /**
   * Since when the answer must be fresh (monotonicNow() of the trigger): a fetch of the same repository,
   * ref and credential that started after it may answer; default: only one that starts after this call.
   */
  freshSince?: number;
  /** Told how long each git fetch from the remote took, and whether it worked (metrics inject one). */
  onFetch?: FetchObserver;
}

/** Observes git fetches: `seconds` of one fetch from the remote into the mirror. Must not throw. */
export type FetchObserver = (fetch: { seconds: number; ok: boolean }) => void;

/** The parts of the CLI's `REPO_URL[@REF][//PATH]` argument; `ref` is still to be classified. */
export interface SourceArgument {
  repoURL: string;
  /** As typed, without classification; undefined => the remote's default branch. */
  ref?: string;
  /** Normalised ('' for the root). */
  path: string;
}

/** Options of calls that only talk to the remote (e.g. finding its default branch). */
export interface RemoteOptions {
  credentials?: GitCredentials;
  /** Abort git after this long (default 60 s). */
  timeoutMs?: number;
}
