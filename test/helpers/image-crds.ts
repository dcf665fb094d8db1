/** Installs the image automation CRDs (ImageRepository, ImagePolicy) on the test cluster. */
import { join } from 'node:path';

import { packageRoot } from '../../src/core/package-root.js';
import { kubectlOk } from '../integration/crd/kubectl.js';

let installed: Promise<void> | undefined;

/** Applies the two image CRDs once per process (idempotent; they stay installed, other tests use them). */
export function installImageCrds(): Promise<void> {
  installed ??= (async () => {
    const crdDir = join(packageRoot(), 'deploy', 'crds');
    await kubectlOk([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=mooring-install',
      '-f',
      join(crdDir, 'imagerepositories.yaml'),
      '-f',
      join(crdDir, 'imagepolicies.yaml'),
    ]);
    await kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/imagerepositories.mooring.dev',
      'crd/imagepolicies.mooring.dev',
    ]);
  })();
  return installed;
}
