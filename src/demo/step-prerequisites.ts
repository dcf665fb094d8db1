/**
 * What an optional demo step (image automation, progressive delivery) needs before it starts: the system
 * program it runs (Debian's docker-registry, prometheus) and its example app in the demo repository (a
 * repository kept from an older run may lack it). Either missing: one line says why and the step is skipped;
 * the rest of the demo goes on.
 */
import { git } from '../devgit/git-cli.js';
import type { DemoLayout } from './layout.js';
import type { Print } from './steps.js';
import { INDENT } from './steps.js';

export interface StepPrerequisites {
  /** The program's path, or undefined when it is not installed. */
  binary: string | undefined;
  /** The line printed when it is not installed (what to install). */
  missing: string;
  /** The example app's folder in the demo repository, and a file of it that must be there. */
  appPath: string;
  manifest: string;
}

/** The program's path when the step can run; undefined (after printing why) when it is skipped. */
export async function stepPrerequisites(
  layout: DemoLayout,
  needs: StepPrerequisites,
  print: Print,
): Promise<string | undefined> {
  if (needs.binary === undefined) {
    print(`${INDENT}${needs.missing}`);
    return undefined;
  }
  const present = await git(layout.bareDir, ['cat-file', '-e', `main:${needs.manifest}`]).then(
    () => true,
    () => false,
  );
  if (!present) {
    print(
      `${INDENT}skipped: the demo repository kept from an older run has no ${needs.appPath}/ (run the demo with --reset)`,
    );
    return undefined;
  }
  return needs.binary;
}
