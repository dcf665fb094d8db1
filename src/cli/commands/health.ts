import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { isSettled } from '../../health/index.js';
import {
  checksFromManifests,
  explainManifests,
  loadCustomHealthChecks,
  NO_CUSTOM_CHECKS,
  type CustomHealthChecks,
  type ObjectVerdict,
} from '../../health/custom/index.js';

interface HealthCliOptions {
  checks?: string[];
  output: string;
}

/** `mooring health OBJECT.yaml`: what Mooring thinks of saved objects, and which rule or check decided. */
export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description('print the health of saved objects and which rule or custom check decided it')
    .argument('<files...>', 'YAML of objects, e.g. kubectl get -o yaml output (a List is read item by item)')
    .option(
      '--checks <file>',
      'custom checks: a ConfigMap (healthCheckExprs, resource.customizations.health.*) or a Flux Kustomization; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      '\nExit code: 0 when every object is Healthy or Suspended, 1 otherwise.\n\nExample:\n  kubectl get certificate web -o yaml > web.yaml\n  mooring health web.yaml --checks argocd-cm.yaml\n',
    )
    .action(async (files: string[], opts: HealthCliOptions) => {
      const checks = await loadChecksFromFiles(opts.checks ?? []);
      try {
        const verdicts: ObjectVerdict[] = [];
        for (const file of files)
          verdicts.push(...explainManifests(await readFile(file, 'utf8'), file, checks));
        process.stdout.write(
          opts.output === 'json' ? `${JSON.stringify(verdicts, null, 2)}\n` : formatVerdicts(verdicts),
        );
        process.exitCode = verdicts.every((v) => isSettled(v.result.status)) ? 0 : 1;
      } finally {
        checks.sandbox?.close();
      }
    });
}

/** Custom checks from files of ConfigMaps and Flux Kustomizations (none: the built-in rules alone). */
export async function loadChecksFromFiles(files: readonly string[]): Promise<CustomHealthChecks> {
  const sources = await Promise.all(
    files.map(async (file) => checksFromManifests(await readFile(file, 'utf8'), file)),
  );
  if (sources.length === 0) return NO_CUSTOM_CHECKS;
  return loadCustomHealthChecks({
    cel: sources.flatMap((s) => s.cel ?? []),
    lua: sources.flatMap((s) => s.lua ?? []),
  });
}

function formatVerdicts(verdicts: readonly ObjectVerdict[]): string {
  return verdicts
    .map(({ subject, result, decidedBy }) => {
      const head = `${subject}: ${result.status}${result.message === '' ? '' : ` - ${result.message}`}`;
      return `${head}\n  decided by ${decidedBy}\n`;
    })
    .join('');
}
