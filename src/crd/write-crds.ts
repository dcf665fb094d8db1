/**
 * Writes deploy/crds/*.yaml from the zod schemas: `npm run build && node dist/src/crd/write-crds.js`.
 * A unit test fails when the committed files differ from what this writes, so run it after any schema change.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../core/package-root.js';
import { crdFiles, renderCrdYaml } from './generate.js';

/** Where the generated CRDs are committed. */
export function crdDirectory(): string {
  return join(packageRoot(), 'deploy', 'crds');
}

for (const { file, crd } of crdFiles()) {
  const target = join(crdDirectory(), file);
  writeFileSync(target, renderCrdYaml(crd));
  console.log(`wrote ${target}`);
}
