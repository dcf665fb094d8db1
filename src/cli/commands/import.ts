import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';
import { stringify } from 'yaml';

import { MOORING_NAMESPACE } from '../../install/install.js';
import {
  DEFAULT_IMPORT_OPTIONS,
  formatNotes,
  importArgoCD,
  importFlux,
  type ImportOptions,
  type ImportResult,
} from '../../import/index.js';

interface ImportCliOptions {
  namespace: string;
  serviceAccount: string;
}

type Converter = (files: { name: string; text: string }[], options: ImportOptions) => ImportResult;

/** `mooring import argocd|flux FILE…`: Mooring Projects and Applications on stdout, the report on stderr. */
export function registerImportCommands(program: Command): void {
  const command = program
    .command('import')
    .description("turn Argo CD or Flux manifests into Mooring's Projects and Applications");
  add(command, 'argocd', 'Argo CD Application and AppProject manifests', importArgoCD);
  add(command, 'flux', 'Flux GitRepository, Kustomization and HelmRelease manifests', importFlux);
}

function add(parent: Command, name: string, what: string, convert: Converter): void {
  parent
    .command(name)
    .description(`convert ${what}; YAML on stdout, what has no equivalent on stderr`)
    .argument('<files...>', 'YAML files (kubectl get -o yaml output works too)')
    .option('-n, --namespace <ns>', 'the Mooring controller namespace the objects go to', MOORING_NAMESPACE)
    .option(
      '--service-account <name>',
      'ServiceAccount of Project destinations when the peer names none',
      DEFAULT_IMPORT_OPTIONS.serviceAccountName,
    )
    .addHelpText(
      'after',
      `\nExit code: 0, or 1 when an object could not be converted (see the report).\n\nExample:\n  mooring import ${name} ${name === 'flux' ? 'flux-system/*.yaml' : 'apps.yaml projects.yaml'} > mooring.yaml\n`,
    )
    .action(async (files: string[], opts: ImportCliOptions) => {
      const inputs = await Promise.all(
        files.map(async (file) => ({ name: file, text: await readFile(file, 'utf8') })),
      );
      const result = convert(inputs, { namespace: opts.namespace, serviceAccountName: opts.serviceAccount });
      process.stdout.write(result.objects.map((obj) => stringify(obj)).join('---\n'));
      process.stderr.write(formatNotes(result.notes));
      process.exitCode = result.notes.some((note) => note.severity === 'skipped') ? 1 : 0;
    });
}
