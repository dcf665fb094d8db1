#!/usr/bin/env node
import { Command, CommanderError } from 'commander';

import { errorMessage, MooringError } from '../core/errors.js';
import { registerDevClusterCommands } from './commands/dev-cluster.js';
import { registerSyncCommands } from './commands/sync-commands.js';
import { registerAppCommands } from './commands/app-commands.js';
import { registerControllerCommand } from './commands/controller-command.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerHealthCommand } from './commands/health.js';
import { registerImportCommands } from './commands/import.js';
import { registerInstallCommands } from './commands/install.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerLoginCommand } from './commands/login.js';
import { registerDashboardCommand } from './commands/dashboard.js';

const program = new Command()
  .name('mooring')
  .description(
    'GitOps continuous delivery for Kubernetes: Git holds the desired state, Mooring keeps clusters equal to it.',
  )
  .showHelpAfterError()
  .exitOverride();

registerSyncCommands(program);
registerControllerCommand(program);
registerAppCommands(program);
registerDevClusterCommands(program);
registerDemoCommand(program);
registerInstallCommands(program);
registerHealthCommand(program);
registerImportCommands(program);
registerClusterCommands(program);
registerLoginCommand(program);
registerDashboardCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    if (error instanceof MooringError && error.hint !== undefined)
      process.stderr.write(`hint: ${error.hint}\n`);
    process.exitCode = 2;
  }
}
