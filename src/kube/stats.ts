/**
 * Kinds of API request, for accounting. `dryRun` writes change nothing; `review` (TokenReview,
 * SubjectAccessReview: questions the API asks the cluster) stores nothing either.
 */
export type RequestVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'apply'
  | 'update'
  | 'patch'
  | 'delete'
  | 'discovery'
  | 'dryRun'
  | 'review';

/** Counts every API request a client made; benchmarks and tests read it. */
export class RequestStats {
  private readonly counts = new Map<RequestVerb, number>();

  record(verb: RequestVerb): void {
    this.counts.set(verb, (this.counts.get(verb) ?? 0) + 1);
  }

  count(verb: RequestVerb): number {
    return this.counts.get(verb) ?? 0;
  }

  /** Requests that changed something in the cluster. */
  get writes(): number {
    return (
      this.count('create') +
      this.count('apply') +
      this.count('update') +
      this.count('patch') +
      this.count('delete')
    );
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }

  reset(): void {
    this.counts.clear();
  }
}
