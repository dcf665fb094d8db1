/**
 * The cost of running user tag patterns in a time-bounded `vm` context (src/image/policy/bounded-regex.ts)
 * against plain RegExp in the controller's own realm, on 10,000 realistic tags: a Flux-style filter with
 * captures (matchTags) and the default exclusion pattern (testTags). Alternating rounds in one process; the
 * figures are medians of per-round times and their ratio. Also: how long a catastrophic pattern holds the
 * event loop before it is stopped.
 *
 *   npm run build && node dist/bench/regex-bounded.js
 */
import { matchTags, matchBudgetMs, testTags } from '../src/image/policy/bounded-regex.js';
import { stats } from './stats.js';

const TAG_COUNT = 10_000;
const ROUNDS = 41;

function tagsOf(count: number): string[] {
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const sha = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
    switch (i % 4) {
      case 0:
        tags.push(`main-${1_700_000_000 + i}-${sha}`);
        break;
      case 1:
        tags.push(`${Math.floor(i / 100)}.${i % 100}.${i % 7}`);
        break;
      case 2:
        tags.push(`sha256-${sha}${sha}${sha}${sha}.sig`);
        break;
      default:
        tags.push(`pr-${i}-${sha}`);
    }
  }
  return tags;
}

function plainMatch(pattern: string, tags: readonly string[]): number {
  const re = new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'u');
  let kept = 0;
  for (const tag of tags) {
    const m = re.exec(tag);
    if (m !== null && (m.groups?.ts ?? m[1]) !== undefined) kept++;
  }
  return kept;
}

function plainTest(pattern: string, tags: readonly string[]): number {
  const re = new RegExp(pattern, 'u');
  let kept = 0;
  for (const tag of tags) if (re.test(tag)) kept++;
  return kept;
}

function time(run: () => number): { ms: number; result: number } {
  const start = process.hrtime.bigint();
  const result = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

function compare(
  name: string,
  plain: () => number,
  bounded: () => number,
): { name: string; plain: number; bounded: number } {
  const plainMs: number[] = [];
  const boundedMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = time(plain);
    const b = time(bounded);
    if (a.result !== b.result) throw new Error(`${name}: plain kept ${a.result}, bounded ${b.result}`);
    plainMs.push(a.ms);
    boundedMs.push(b.ms);
  }
  return { name, plain: stats(plainMs).p50, bounded: stats(boundedMs).p50 };
}

function main(): void {
  const tags = tagsOf(TAG_COUNT);
  const filter = '^main-(?P<ts>[0-9]+)-[a-f0-9]+$';
  const exclusion = '^.*\\.sig$';
  // The first call makes the context: measured apart, as it happens once per process.
  const first = time(() => testTags(exclusion, 'bench', tags.slice(0, 1)).length);
  const rows = [
    compare(
      'filter with captures (matchTags)',
      () => plainMatch(filter, tags),
      () => matchTags(filter, 'bench', tags).filter((m) => m?.groups?.ts !== undefined).length,
    ),
    compare(
      'exclusion test (testTags)',
      () => plainTest(exclusion, tags),
      () => testTags(exclusion, 'bench', tags).filter(Boolean).length,
    ),
  ];
  const evil = [`${'a'.repeat(40)}!`];
  const stopped = time(() => {
    try {
      return testTags('^(a+)+$', 'bench', evil).length;
    } catch {
      return -1;
    }
  });
  console.log(`# bench/regex-bounded: ${TAG_COUNT} tags, median of ${ROUNDS} alternating rounds\n`);
  console.log('| pattern | plain RegExp | bounded (vm + timeout) | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.name} | ${row.plain.toFixed(2)} ms | ${row.bounded.toFixed(2)} ms | ${(row.bounded / row.plain).toFixed(2)}× |`,
    );
  console.log(`\nfirst call (context made): ${first.ms.toFixed(1)} ms`);
  console.log(
    `^(a+)+$ on ${evil[0]?.length ?? 0} chars: stopped (${stopped.result === -1 ? 'error' : 'no error!'}) after ${stopped.ms.toFixed(0)} ms (budget ${matchBudgetMs(1)} ms); plain RegExp would run for hours`,
  );
}

main();
