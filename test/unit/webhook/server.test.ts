import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { Logger } from '../../../src/core/logger.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../../src/controller/webhook/server.js';
import { hmacSha256Hex, signBody } from '../../../src/controller/webhook/signature.js';
import type { PushEvent, WebhookSecrets } from '../../../src/controller/webhook/types.js';
import { rawPayload } from './fixtures.js';

const secrets: WebhookSecrets = {
  github: 'gh-secret-1',
  gitlab: 'gl-token-2',
  gitea: 'gitea-secret-3',
  bitbucket: 'bb-secret-4',
  generic: 'ci-secret-5',
};

interface Harness {
  app: FastifyInstance;
  pushes: PushEvent[];
  logLines: string[];
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

function harness(
  options: { secrets?: WebhookSecrets; bodyLimitBytes?: number; fail?: boolean } = {},
): Harness {
  const pushes: PushEvent[] = [];
  const logLines: string[] = [];
  const record = (obj: object, msg?: string): void => {
    logLines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const app = buildWebhookServer({
    secrets: options.secrets ?? secrets,
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
    logger,
    onPush: async (event) => {
      pushes.push(event);
      if (options.fail === true) throw new Error('queue closed');
      return event.branch === 'main' ? ['mooring-system/web', 'mooring-system/api'] : [];
    },
  });
  open.push(app);
  return { app, pushes, logLines };
}

function githubHeaders(body: string, event = 'push', secret = 'gh-secret-1'): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': signBody(secret, body),
  };
}

describe('buildWebhookServer', () => {
  it('accepts a signed GitHub push and hands the event to onPush', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('github-push');
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { refreshed: ['mooring-system/web', 'mooring-system/api'] });
    const [event, ...others] = pushes;
    assert.ok(event);
    assert.equal(others.length, 0);
    assert.equal(event.branch, 'main');
    assert.equal(event.after, '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c');
    assert.deepEqual(event.changedPaths, [
      'apps/api/configmap.yaml',
      'apps/api/old-secret.yaml',
      'apps/web/deployment.yaml',
    ]);
  });

  it('accepts a form-encoded GitHub push, verifying the signature over the form body', async () => {
    const { app, pushes } = harness();
    const body = new URLSearchParams({ payload: rawPayload('github-push') }).toString();
    const headers = { ...githubHeaders(body), 'content-type': 'application/x-www-form-urlencoded' };
    const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
    assert.equal(response.statusCode, 202);
    assert.equal(pushes[0]?.branch, 'main');
  });

  it('answers a signed GitHub ping with pong and refreshes nothing', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('github-ping');
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body, 'ping'),
      payload: body,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'pong');
    assert.equal(pushes.length, 0);
  });

  it('answers 202 without refreshing for events that are not pushes', async () => {
    const { app, pushes } = harness();
    const body = '{"action":"opened","repository":{"clone_url":"https://github.com/Acme/config.git"}}';
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body, 'pull_request'),
      payload: body,
    });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json<{ refreshed: string[] }>().refreshed, []);
    assert.equal(pushes.length, 0);
  });

  const refusals: [string, (body: string) => Record<string, string>, WebhookSecrets?][] = [
    ['a wrong signature', (body) => githubHeaders(body, 'push', 'not-the-secret')],
    [
      'a missing signature',
      (body) => {
        const { 'x-hub-signature-256': _dropped, ...rest } = githubHeaders(body);
        return rest;
      },
    ],
    [
      'the legacy SHA-1 header only',
      (body) => ({ ...githubHeaders(body), 'x-hub-signature-256': '', 'x-hub-signature': 'sha1=00' }),
    ],
    ['a provider without a configured secret', (body) => githubHeaders(body), { gitlab: 'gl-token-2' }],
    ['an empty configured secret', (body) => githubHeaders(body, 'push', ''), { github: '' }],
    ['no provider headers at all', () => ({ 'content-type': 'application/json' })],
  ];
  for (const [what, headers, configured] of refusals)
    it(`refuses ${what} with 401 and does not call onPush`, async () => {
      const { app, pushes, logLines } = harness(configured === undefined ? {} : { secrets: configured });
      const body = rawPayload('github-push');
      const response = await app.inject({
        method: 'POST',
        url: WEBHOOK_PATH,
        headers: headers(body),
        payload: body,
      });
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), { error: 'signature verification failed' });
      assert.equal(pushes.length, 0);
      assert.ok(logLines.some((line) => line.includes('webhook refused')));
    });

  it('says in the log, not the response, that a provider has no secret', async () => {
    const { app, logLines } = harness({ secrets: {} });
    const body = rawPayload('github-push');
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 401);
    assert.doesNotMatch(response.body, /secret is configured|github/);
    assert.ok(logLines.some((line) => line.includes('no github webhook secret is configured')));
  });

  it('refuses a body over the limit with 413 before calling onPush', async () => {
    const { app, pushes } = harness({ bodyLimitBytes: 1024 });
    const body = rawPayload('github-push');
    assert.ok(body.length > 1024);
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 413);
    assert.deepEqual(response.json(), { error: 'payload too large' });
    assert.equal(pushes.length, 0);
  });

  it('accepts JSON with a charset parameter and refuses other content types with 415', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('github-push');
    const withCharset = { ...githubHeaders(body), 'content-type': 'application/json; charset=utf-8' };
    const accepted = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: withCharset,
      payload: body,
    });
    assert.equal(accepted.statusCode, 202);
    const asText = { ...githubHeaders(body), 'content-type': 'text/plain' };
    const refused = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers: asText, payload: body });
    assert.equal(refused.statusCode, 415);
    assert.equal(pushes.length, 1);
  });

  it('refuses a signed but unreadable payload with 400 and a short reason', async () => {
    const { app, pushes } = harness();
    const body = '{"ref":"refs/heads/main"}';
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.json<{ error: string }>().error, /invalid github payload: repository/);
    assert.equal(pushes.length, 0);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const { app } = harness();
    const body = 'not json';
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 400);
  });

  it('accepts a GitLab push whose token equals the secret, and refuses a wrong token', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('gitlab-push');
    const headers = {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': 'gl-token-2',
    };
    const accepted = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
    assert.equal(accepted.statusCode, 202);
    assert.equal(pushes[0]?.provider, 'gitlab');
    const refused = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: { ...headers, 'x-gitlab-token': 'gl-token-' },
      payload: body,
    });
    assert.equal(refused.statusCode, 401);
    assert.equal(pushes.length, 1);
  });

  it('accepts a Forgejo push signed with bare hex', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('gitea-push');
    const signature = hmacSha256Hex('gitea-secret-3', body);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-gitea-event': 'push',
      'x-forgejo-event': 'push',
      'x-gitea-signature': signature,
      'x-forgejo-signature': signature,
    };
    const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
    assert.equal(response.statusCode, 202);
    assert.equal(pushes[0]?.provider, 'gitea');
  });

  it('calls onPush once per ref of a Bitbucket push and answers with every refreshed key once', async () => {
    const { app, pushes } = harness();
    const body = rawPayload('bitbucket-push');
    const headers = {
      'content-type': 'application/json',
      'x-event-key': 'repo:push',
      'x-hub-signature': signBody('bb-secret-4', body),
    };
    const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { refreshed: ['mooring-system/web', 'mooring-system/api'] });
    assert.deepEqual(
      pushes.map((event) => event.branch ?? event.tag),
      ['main', 'v2.0.1', 'feature/old'],
    );
  });

  it('accepts a generic push signed in X-Mooring-Signature', async () => {
    const { app, pushes } = harness();
    const body = JSON.stringify({
      repoURL: 'https://git.example.com/org/config.git',
      branch: 'main',
      paths: ['a/b'],
    });
    const headers = {
      'content-type': 'application/json',
      'x-mooring-signature': signBody('ci-secret-5', body),
    };
    const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(pushes, [
      {
        provider: 'generic',
        repoURLs: ['https://git.example.com/org/config.git'],
        branch: 'main',
        changedPaths: ['a/b'],
      },
    ]);
  });

  it('answers 500 when onPush fails, without leaking the cause', async () => {
    const { app, logLines } = harness({ fail: true });
    const body = rawPayload('github-push');
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body),
      payload: body,
    });
    assert.equal(response.statusCode, 500);
    assert.doesNotMatch(response.body, /queue closed/);
    assert.ok(logLines.some((line) => line.includes('queue closed')));
  });

  it('never logs the secret or the payload', async () => {
    const { app, logLines } = harness();
    const body = rawPayload('github-push');
    await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers: githubHeaders(body), payload: body });
    await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: githubHeaders(body, 'push', 'bad'),
      payload: body,
    });
    const log = logLines.join('\n');
    assert.ok(log.length > 0);
    assert.doesNotMatch(log, /gh-secret-1|bump replicas|ada@example\.com/);
  });

  it('answers GET /healthz with 200', async () => {
    const { app } = harness();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
  });
});
