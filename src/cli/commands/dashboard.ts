/**
 * `mooring dashboard`: prints a URL of the controller's dashboard that logs in with a short-lived token of
 * a ServiceAccount (the TokenRequest API, as `kubectl create token` does), and with `--open` hands it to
 * xdg-open. The token travels only in the URL's fragment (browsers never send it to a server; the page
 * moves it to the tab's sessionStorage) and is never written to disk.
 */
import { execFile } from 'node:child_process';

import type { Command } from 'commander';

import { serverOrigin } from '../../api/client.js';
import { MooringError } from '../../core/errors.js';
import { DEMO_NAMESPACE } from '../../demo/apps.js';
import { DEMO_VIEWER } from '../../demo/dashboard.js';
import { connect } from '../../kube/connect.js';
import { KubeApiError } from '../../kube/errors.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { parseDuration } from '../duration.js';
import { readLogin } from '../server-config.js';
import { addClusterOptions } from './engine-options.js';

/** The demo's operator account, which `mooring demo` creates. */
export const DEFAULT_SERVICE_ACCOUNT = `${DEMO_NAMESPACE}/${DEMO_VIEWER}`;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** "NAMESPACE/NAME" (or NAME in `defaultNamespace`), both DNS labels. */
export function parseServiceAccount(
  ref: string,
  defaultNamespace: string,
): { namespace: string; name: string } {
  const parts = ref.split('/');
  const namespace = parts.length === 1 ? defaultNamespace : parts[0];
  const name = parts.at(-1);
  if (
    parts.length > 2 ||
    namespace === undefined ||
    name === undefined ||
    !NAME.test(namespace) ||
    !NAME.test(name)
  )
    throw new MooringError(
      'INVALID_ARGUMENT',
      `--service-account must be NAMESPACE/NAME, got "${ref.slice(0, 80)}"`,
      { hint: `e.g. --service-account ${DEFAULT_SERVICE_ACCOUNT}` },
    );
  return { namespace, name };
}

/** The login URL: the server's origin with the token (a JWT: what the page accepts) in the fragment. */
export function dashboardLoginURL(server: string, token: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(token))
    throw new MooringError('API_ERROR', 'the token is not a JWT the dashboard accepts', {
      hint: 'TokenRequest answers a JWT; log in by pasting the token instead',
    });
  return `${serverOrigin(server)}/#token=${token}`;
}

/** A token of `namespace/name` valid `seconds` (the API server's minimum is 600), never stored. */
export async function serviceAccountToken(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  seconds: number,
): Promise<string> {
  const subject = `ServiceAccount/${namespace}/${name}`;
  let answer: { status?: { token?: string } };
  try {
    answer = await objects.client.request<{ status?: { token?: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: Math.max(600, Math.round(seconds)) },
      },
      verb: 'create',
      subject,
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound)
      throw new MooringError('NOT_FOUND', `${subject} does not exist`, {
        cause: error,
        subject,
        hint: 'run `mooring demo` (it creates the default account), or name one with --service-account NAMESPACE/NAME',
      });
    throw error;
  }
  const token = answer.status?.token;
  if (token === undefined || token === '')
    throw new MooringError('API_ERROR', `the API server returned no token for ${subject}`, { subject });
  return token;
}

interface DashboardOptions {
  server?: string;
  serviceAccount: string;
  duration: string;
  open?: boolean;
  kubeconfig?: string;
  context?: string;
}

export function registerDashboardCommand(program: Command): void {
  addClusterOptions(program.command('dashboard'))
    .description('print a URL of the dashboard that logs in with a short-lived ServiceAccount token')
    .option(
      '--server <url>',
      'the HTTP address of `mooring controller` (default: the one of `mooring login`)',
    )
    .option('--service-account <namespace/name>', 'whose token the URL carries', DEFAULT_SERVICE_ACCOUNT)
    .option('--duration <duration>', 'how long the token lasts (at least 10m)', '1h')
    .option('--open', 'also open it with xdg-open (the URL is then briefly in its process arguments)')
    .action(async (opts: DashboardOptions) => {
      const server = opts.server ?? (await readLogin())?.server;
      if (server === undefined)
        throw new MooringError('INVALID_ARGUMENT', 'no --server and no stored login', {
          hint: 'give the address of `mooring controller --http-port`, e.g. --server http://127.0.0.1:8080',
        });
      const origin = serverOrigin(server);
      const account = parseServiceAccount(opts.serviceAccount, DEMO_NAMESPACE);
      const seconds = parseDuration(opts.duration) / 1000;
      const objects = connect({ kubeconfig: opts.kubeconfig, context: opts.context });
      let token: string;
      try {
        token = await serviceAccountToken(objects, account.namespace, account.name, seconds);
      } finally {
        objects.client.close();
      }
      const url = dashboardLoginURL(origin, token);
      process.stdout.write(`${url}\n`);
      if (opts.open === true)
        execFile('xdg-open', [url], (error) => {
          if (error !== null)
            process.stderr.write(
              `could not open a browser (${error.message.split('\n')[0] ?? ''}); open the URL above\n`,
            );
        });
    });
}
