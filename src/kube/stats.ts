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
  /** Answered requests by `verb code` (code: the HTTP status, or 'error' when no answer came). */
  private readonly answers = new Map<string, number>();

  record(verb: RequestVerb): void {
    this.counts.set(verb, (this.counts.get(verb) ?? 0) + 1);
  }

  /** Counts the answer to a request of `verb`: its HTTP status, or 0 when none came (refused, reset, timeout). */
  answered(verb: RequestVerb, status: number): void {
    const key = `${verb} ${status === 0 ? 'error' : String(status)}`;
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }

  /** Answered requests by verb and status code (metrics read these; nothing counts twice). */
  byCode(): { verb: string; code: string; count: number }[] {
    return [...this.answers.entries()].sort().map(([key, count]) => {
      const [verb = '', code = ''] = key.split(' ');
      return { verb, code, count };
    });
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
    this.answers.clear();
  }
}
