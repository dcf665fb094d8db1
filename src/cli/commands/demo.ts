import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';

import { MooringError } from '../../core/errors.js';
import { nextSteps } from '../../demo/next-steps.js';
import { startDemo } from '../../demo/run.js';
import { runCanaryStep } from '../../demo/canary-step.js';
import { demoLayout } from '../../demo/layout.js';
import { clusterLayout, mooringHome } from '../../devcluster/layout.js';
import { connect } from '../../kube/connect.js';
import { kubectlOnPath } from '../../demo/steps.js';
import { parseDuration } from '../duration.js';

interface DemoCliOptions {
  name: string;
  once?: boolean;
  reset?: boolean;
  timeout: string;
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** `mooring demo`: the whole of Mooring on a local cluster, with example apps in a local Git server. */
export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description(
      'start a local cluster, a Git server with example apps and the controller, and keep the apps synced until Ctrl-C',
    )
    .option('--name <name>', 'local cluster to start or reuse', 'demo')
    .option('--once', 'exit 0 once every app is Synced and Healthy (stops the controller; the cluster stays)')
    .option('--reset', 'start the demo Git repository again from examples/, dropping commits pushed to it')
    .option('--timeout <duration>', 'how long to wait for the apps to be Synced and Healthy', '3m')
    .addHelpText(
      'after',
      `
Everything lives under $MOORING_HOME (default ~/.mooring): the cluster in clusters/<name>/, the Git
repository, credentials and controller log in demo/. Stop the cluster: mooring dev cluster down --name demo`,
    )
    .action(async (opts: DemoCliOptions) => {
      const session = await startDemo({
        clusterName: opts.name,
        reset: opts.reset === true,
        timeoutMs: parseDuration(opts.timeout),
        print,
      });
      const keepsRunning = opts.once !== true;
      print('');
      process.stdout.write(
        nextSteps({
          clusterName: session.clusterName,
          kubeconfig: session.kubeconfig,
          workingDir: session.layout.workingDir,
          cli: `node ${resolve(process.argv[1] ?? 'dist/src/cli/main.js')}`,
          ...(kubectlOnPath() ? {} : { toolchainBin: session.toolchainBin }),
          hasRollback: program.commands.some((c) => c.name() === 'rollback'),
          repoURL: session.repoURL,
          credentialsFile: session.layout.credentialsFile,
          controllerLog: session.layout.controllerLog,
          keepsRunning,
          ...(keepsRunning ? { dashboardURL: session.dashboard.loginURL } : {}),
          canaryStep: keepsRunning && session.canary !== undefined,
        }),
      );
      if (keepsRunning) {
        print('');
        session.follow();
        await new Promise<void>((done) => {
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
        print('\nstopping the controller and the Git server (the cluster keeps running)');
      }
      await session.stop();
    });

  demo
    .command('canary')
    .description(
      'with `mooring demo` running: push a bad version of canary-web, watch its canary abort and the revert commit land in Git, then a good version promoted',
    )
    .option('--timeout <duration>', 'how long to wait for each rollout', '3m')
    .addHelpText(
      'after',
      "\nThe demo cluster is `mooring demo`'s --name (default demo): mooring demo canary --name NAME",
    )
    .action(async (opts: { timeout: string }) => {
      // --name is the demo command's own option (commander gives it to the parent wherever it is written).
      const name = demo.opts<DemoCliOptions>().name;
      const home = mooringHome();
      const { kubeconfig } = clusterLayout(name, home);
      if (!existsSync(kubeconfig))
        throw new MooringError(
          'PREREQUISITE_MISSING',
          `no demo cluster "${name}" (${kubeconfig} is missing)`,
          {
            hint: 'run `mooring demo` in another terminal first and leave it running',
          },
        );
      const objects = connect({ kubeconfig });
      try {
        await runCanaryStep({
          objects,
          layout: demoLayout(name, home),
          print,
          timeoutMs: parseDuration(opts.timeout),
        });
      } finally {
        objects.client.close();
      }
    });
}
