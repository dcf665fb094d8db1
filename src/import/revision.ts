/** Peer revisions (Argo CD's targetRevision) as Mooring's spec.source.ref. Pure. */

/** The ref for a targetRevision, and a note when it had to be guessed. */
export function refOfTargetRevision(revision: unknown): { ref: Record<string, string>; note?: string } {
  const value = typeof revision === 'string' ? revision.trim() : '';
  if (value === '' || value === 'HEAD')
    return {
      ref: { branch: 'main' },
      note: "HEAD follows the repository's default branch; Mooring names a branch: main is assumed, change it if the default branch is another",
    };
  if (/^[0-9a-f]{40}$/i.test(value)) return { ref: { commit: value } };
  const branchRef = /^refs\/heads\/(.+)$/.exec(value);
  if (branchRef?.[1] !== undefined) return { ref: { branch: branchRef[1] } };
  const tagRef = /^refs\/tags\/(.+)$/.exec(value);
  if (tagRef?.[1] !== undefined) return { ref: { tag: tagRef[1] } };
  if (/[*^~<>=|x]|^\d+\.\d+$|\s/.test(value) && /\d/.test(value) && !/^[a-z-/]+$/i.test(value))
    return { ref: { semver: value } };
  if (/^v?\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(value)) return { ref: { tag: value } };
  return {
    ref: { branch: value },
    note: `"${value}" is read as a branch; if it is a tag, write ref.tag instead`,
  };
}
