import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { MooringClient, serverOrigin } from '../../api/client.js';
import { MooringError } from '../../core/errors.js';
import { clientOptionsOf, configPath, writeLogin } from '../server-config.js';
import type { StoredLogin } from '../server-config.js';

interface LoginOptions {
  server: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
}

async function tokenOf(opts: LoginOptions): Promise<string> {
  if ((opts.token === undefined) === (opts.tokenFile === undefined))
    throw new MooringError('INVALID_ARGUMENT', 'give exactly one of --token and --token-file', {
      hint: 'a ServiceAccount token: kubectl create token NAME -n NAMESPACE > token; mooring login --server URL --token-file token',
    });
  const token = (opts.token ?? (await readFile(opts.tokenFile as string, 'utf8'))).trim();
  if (token === '' || /\s/.test(token))
    throw new MooringError('INVALID_ARGUMENT', 'the token is empty or has spaces in it', {
      hint: 'the file holds the bearer token alone',
    });
  return token;
}

/** `mooring login --server URL`: stores the API server and a token for the commands' --server mode. */
export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description(
      'store an API server and a Kubernetes token for `--server` (status, history, sync, diff, ...)',
    )
    .requiredOption('--server <url>', 'the API of `mooring controller`, e.g. https://mooring.example.com')
    .option('--token <token>', 'a Kubernetes bearer token (visible in the process list: prefer --token-file)')
    .option('--token-file <file>', 'a file holding the token')
    .option('--ca-file <file>', "PEM of the CA that signed the server's certificate")
    .option('--insecure-skip-tls-verify', "do not check the server's certificate (tests only)")
    .addHelpText(
      'after',
      '\nThe token is checked against the server (TokenReview) and stored in $XDG_CONFIG_HOME/mooring/config.json\n(~/.config/mooring/config.json), readable by you only. It is never printed.\n\nExample:\n  kubectl create token alice -n team-a > token\n  mooring login --server https://mooring.example.com --token-file token\n  mooring status web -n team-a\n',
    )
    .action(async (opts: LoginOptions) => {
      const login: StoredLogin = {
        server: serverOrigin(opts.server),
        token: await tokenOf(opts),
        ...(opts.caFile === undefined ? {} : { caFile: opts.caFile }),
        ...(opts.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
      };
      // A token the server does not accept is refused here (401), not at the first command.
      await new MooringClient(await clientOptionsOf(login)).list({ limit: '1' });
      const path = configPath();
      await writeLogin(login, path);
      process.stdout.write(`logged in to ${login.server}; stored in ${path}\n`);
    });
}
