/**
 * A node:test reporter that prints one closing line, `N passed, N failed, N skipped`, counting tests
 * (not suites). A suite-level failure with no failed test inside (a file that does not load, a failing
 * `before` hook) counts as one failure, so it can never read as green.
 */
interface TestEvent {
  type: string;
  data: { nesting: number; skip?: unknown; todo?: unknown; details?: { type?: string } };
}

export default async function* summaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failedTestsAtDepth = new Map<number, number>();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const isSuite = data.details?.type === 'suite';
    if (isSuite) {
      const failuresInside = failedTestsAtDepth.get(data.nesting + 1) ?? 0;
      failedTestsAtDepth.set(data.nesting + 1, 0);
      if (event.type === 'test:fail' && failuresInside === 0) failed += 1;
      failedTestsAtDepth.set(data.nesting, (failedTestsAtDepth.get(data.nesting) ?? 0) + failuresInside);
      continue;
    }
    if (data.skip !== undefined || data.todo !== undefined) skipped += 1;
    else if (event.type === 'test:pass') passed += 1;
    else {
      failed += 1;
      failedTestsAtDepth.set(data.nesting, (failedTestsAtDepth.get(data.nesting) ?? 0) + 1);
    }
  }
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
