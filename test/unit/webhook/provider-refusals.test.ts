/**
 * Every provider's check refuses what a forger can send: a wrong secret, a real signature of another
 * body, a missing signature, and a well-formed but made-up signature (any 64 hex digits, any header
 * present). Each case would pass against a check that only looks at the header's shape.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { buildWebhookServer, WEBHOOK_PATH } from '../../../src/controller/webhook/server.js';
import { hmacSha256Hex, signBody } from '../../../src/controller/webhook/signature.js';
import type { PushEvent, WebhookSecrets } from '../../../src/controller/webhook/types.js';
import { rawPayload } from './fixtures.js';

const secrets: Required<WebhookSecrets> = {
  github: 'gh-secret-1',
  gitlab: 'gl-token-2',
  gitea: 'gitea-secret-3',
  bitbucket: 'bb-secret-4',
  generic: 'ci-secret-5',
};

const GENERIC_BODY = JSON.stringify({ repoURL: 'https://git.example.com/org/config.git', branch: 'main' });
const randomHex = (): string => randomBytes(32).toString('hex');

/** How a provider signs: the headers of a delivery of `body` signed with `secret`. */
interface ProviderCase {
  name: string;
  body: string;
  /** Headers announcing the provider, without any signature. */
  base: Record<string, string>;
  sign(secret: string, body: string): Record<string, string>;
  /** Headers a forger without the secret could make up. */
  forgeries: [string, Record<string, string>][];
}

const cases: ProviderCase[] = [
  {
    name: 'GitHub',
    body: rawPayload('github-push'),
    base: { 'x-github-event': 'push' },
    sign: (secret, body) => ({ 'x-hub-signature-256': signBody(secret, body) }),
    forgeries: [
      ['a made-up sha256= value', { 'x-hub-signature-256': `sha256=${randomHex()}` }],
      ['the legacy SHA-1 header', { 'x-hub-signature': `sha1=${randomHex().slice(0, 40)}` }],
    ],
  },
  {
    name: 'GitLab',
    body: rawPayload('gitlab-push'),
    base: { 'x-gitlab-event': 'Push Hook' },
    sign: (secret) => ({ 'x-gitlab-token': secret }),
    forgeries: [
      ['an empty token', { 'x-gitlab-token': '' }],
      ['the token with a suffix', { 'x-gitlab-token': `${secrets.gitlab}x` }],
      ['a prefix of the token', { 'x-gitlab-token': secrets.gitlab.slice(0, 4) }],
    ],
  },
  {
    name: 'Gitea',
    body: rawPayload('gitea-push'),
    base: { 'x-gitea-event': 'push', 'x-github-event': 'push' },
    sign: (secret, body) => ({ 'x-gitea-signature': hmacSha256Hex(secret, body) }),
    forgeries: [
      ['any 64 hex digits', { 'x-gitea-signature': randomHex() }],
      ['64 zeros', { 'x-gitea-signature': '0'.repeat(64) }],
      ['a made-up GitHub-style header', { 'x-hub-signature-256': `sha256=${randomHex()}` }],
      [
        'a good GitHub-style header beside a made-up bare one',
        { 'x-gitea-signature': randomHex(), 'x-hub-signature-256': signBody(secrets.gitea, 'other') },
      ],
    ],
  },
  {
    name: 'Forgejo',
    body: rawPayload('gitea-push'),
    base: { 'x-forgejo-event': 'push', 'x-gitea-event': 'push', 'x-github-event': 'push' },
    sign: (secret, body) => ({ 'x-forgejo-signature': hmacSha256Hex(secret, body) }),
    forgeries: [
      ['any 64 hex digits', { 'x-forgejo-signature': randomHex() }],
      [
        'a made-up Forgejo header beside a made-up Gitea one',
        { 'x-forgejo-signature': randomHex(), 'x-gitea-signature': randomHex() },
      ],
    ],
  },
  {
    name: 'Bitbucket',
    body: rawPayload('bitbucket-push'),
    base: { 'x-event-key': 'repo:push' },
    sign: (secret, body) => ({ 'x-hub-signature': signBody(secret, body) }),
    forgeries: [
      ['any present signature header', { 'x-hub-signature': 'x' }],
      ['a made-up sha256= value', { 'x-hub-signature': `sha256=${randomHex()}` }],
      ['an empty header', { 'x-hub-signature': '' }],
    ],
  },
  {
    name: 'generic',
    body: GENERIC_BODY,
    base: {},
    sign: (secret, body) => ({ 'x-mooring-signature': signBody(secret, body) }),
    forgeries: [
      ['a made-up sha256= value', { 'x-mooring-signature': `sha256=${randomHex()}` }],
      ['bare hex', { 'x-mooring-signature': hmacSha256Hex(secrets.generic, GENERIC_BODY) }],
    ],
  },
];

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

function server(): { app: FastifyInstance; pushes: PushEvent[] } {
  const pushes: PushEvent[] = [];
  const app = buildWebhookServer({
    secrets,
    onPush: (event) => {
      pushes.push(event);
      return Promise.resolve(['ns/app']);
    },
  });
  open.push(app);
  return { app, pushes };
}

async function post(app: FastifyInstance, body: string, headers: Record<string, string>): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
  return response.statusCode;
}

/** The secret the server holds for a provider (Forgejo shares Gitea's). */
function secretOf(provider: ProviderCase): string {
  return provider.name === 'Forgejo'
    ? secrets.gitea
    : secrets[provider.name.toLowerCase() as keyof WebhookSecrets];
}

for (const provider of cases) {
  describe(`${provider.name} webhook signatures`, () => {
    it('accepts a delivery signed with the configured secret', async () => {
      const { app, pushes } = server();
      const status = await post(app, provider.body, {
        ...provider.base,
        ...provider.sign(secretOf(provider), provider.body),
      });
      assert.equal(status, 202);
      assert.ok(pushes.length > 0, 'onPush was called');
    });

    const refusals: [string, Record<string, string>][] = [
      ['signed with another secret', provider.sign('not-the-secret', provider.body)],
      // A GitLab token does not cover the body, so only HMAC providers have this case.
      ...(provider.name === 'GitLab'
        ? []
        : [
            ['a real signature of another body', provider.sign(secretOf(provider), `${provider.body} `)] as [
              string,
              Record<string, string>,
            ],
          ]),
      ['no signature', {}],
      ...provider.forgeries,
    ];
    for (const [what, headers] of refusals)
      it(`refuses ${what} with 401 and refreshes nothing`, async () => {
        const { app, pushes } = server();
        const status = await post(app, provider.body, { ...provider.base, ...headers });
        assert.equal(status, 401);
        assert.equal(pushes.length, 0);
      });
  });
}
