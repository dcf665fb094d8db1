import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { NotificationSink } from '../../../src/crd/notification-policy.js';
import { MooringError } from '../../../src/core/errors.js';
import type { NotificationEvent } from '../../../src/notify/decide.js';
import { buildMessage } from '../../../src/notify/message.js';
import type { NotificationMessage } from '../../../src/notify/message.js';
import { repositoryPathOf } from '../../../src/notify/sinks/commit-status.js';
import { giteaSink } from '../../../src/notify/sinks/gitea.js';
import { githubSink } from '../../../src/notify/sinks/github.js';
import { gitlabSink } from '../../../src/notify/sinks/gitlab.js';
import type { PostedMessage, SinkContext } from '../../../src/notify/sinks/index.js';
import { slackSink } from '../../../src/notify/sinks/slack.js';
import { teamsSink } from '../../../src/notify/sinks/teams.js';
import { webhookSink } from '../../../src/notify/sinks/webhook.js';
import { loopbackEgress } from '../../helpers/egress.js';
import { failed, observation, SHA_A } from './fixtures.js';
import type { Receiver } from './receiver.js';
import { startReceiver } from './receiver.js';

const http = { allowHttp: true, timeoutMs: 5000, fetch: loopbackEgress().fetch };

function message(event: NotificationEvent['event'] = 'sync-failed', apps = ['web']): NotificationMessage {
  const events = apps.map((name): NotificationEvent => {
    const o = event === 'sync-failed' ? failed({}, name) : observation({}, name);
    return { event, app: o.app, revision: SHA_A, at: '2026-12-01T00:00:00Z', observation: o };
  });
  return buildMessage({ policy: 'apps/team', events, suppressed: 0, dashboardUrl: 'https://dash.example' });
}

function context(
  config: Partial<NotificationSink> & Pick<NotificationSink, 'type'>,
  secret: Record<string, string>,
  previous: (app: string, revision: string) => PostedMessage | undefined = () => undefined,
): SinkContext {
  return { config: { name: 'to-test', secretRef: { name: 's' }, ...config }, secret, http, previous };
}

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

describe('notification sinks against a local receiver', () => {
  let receiver: Receiver;
  let slackTs = 0;
  before(async () => {
    receiver = await startReceiver((request) => {
      if (request.path.startsWith('/api/chat.')) {
        slackTs += 1;
        const body = json(request.body);
        return {
          status: 200,
          body: JSON.stringify({
            ok: true,
            channel: body.channel,
            ts: body.ts ?? `1700000000.00000${String(slackTs)}`,
          }),
        };
      }
      if (request.path.startsWith('/teams')) return { status: 202, body: '' };
      if (request.path.startsWith('/broken')) return { status: 503, body: 'down' };
      return { status: 201, body: '{}' };
    });
  });
  after(async () => {
    await receiver.close();
  });
  const last = (): { method: string; path: string; headers: Record<string, unknown>; body: string } => {
    const r = receiver.requests.at(-1);
    assert.ok(r !== undefined, 'a request arrived');
    return r;
  };

  it('webhook: JSON body signed with X-Mooring-Signature: sha256=HMAC over the raw body', async () => {
    await webhookSink(
      message(),
      context({ type: 'webhook' }, { url: `${receiver.url}/hook`, secret: 's3cret' }),
    );
    const r = last();
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/hook');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-mooring-event'], 'sync-failed');
    const expected = `sha256=${createHmac('sha256', 's3cret').update(r.body).digest('hex')}`;
    assert.equal(r.headers['x-mooring-signature'], expected);
    const body = json(r.body);
    assert.equal(body.event, 'sync-failed');
    assert.equal(body.revision, SHA_A);
    assert.deepEqual(body.commit, { author: 'Ada <ada@example.com>', message: 'bump web to 1.26' });
    assert.equal((body.apps as { link: string }[])[0]?.link, 'https://dash.example/applications/apps/web');
  });

  it('slack incoming webhook: {text, blocks} with a header and a section per app', async () => {
    await slackSink(
      message('sync-failed', ['web', 'api']),
      context({ type: 'slack' }, { url: `${receiver.url}/services/T0/B0/x` }),
    );
    const r = last();
    assert.equal(r.path, '/services/T0/B0/x');
    assert.equal(r.headers['content-type'], 'application/json');
    const body = json(r.body) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    assert.match(body.text, /2 apps: sync failed/);
    assert.equal(body.blocks[0]?.type, 'header');
    const sections = body.blocks.filter((b) => b.type === 'section');
    assert.equal(sections.length, 2);
    assert.equal(sections[0]?.text?.type, 'mrkdwn');
    assert.match(
      sections.at(0)?.text?.text ?? '',
      /<https:\/\/dash\.example\/applications\/apps\/web\|apps\/web>/,
    );
    assert.match(sections.at(0)?.text?.text ?? '', /spec\.replicas: Invalid value/);
  });

  it('slack bot: chat.postMessage with a Bearer token, then chat.update of the same ts for the same sync', async () => {
    const secret = { token: 'xoxb-test', channel: 'C123' };
    const posted = await slackSink(
      message(),
      context({ type: 'slack', apiURL: `${receiver.url}/api` }, secret),
    );
    let r = last();
    assert.equal(r.path, '/api/chat.postMessage');
    assert.equal(r.headers.authorization, 'Bearer xoxb-test');
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(json(r.body).channel, 'C123');
    const first = posted.posted?.[0];
    assert.ok(first !== undefined);
    assert.deepEqual([first.app, first.revision], ['apps/web', SHA_A]);
    await slackSink(
      message('recovered'),
      context({ type: 'slack', apiURL: `${receiver.url}/api` }, secret, (app, revision) =>
        app === first.app && revision === first.revision ? first.message : undefined,
      ),
    );
    r = last();
    assert.equal(r.path, '/api/chat.update');
    const body = json(r.body);
    assert.deepEqual([body.channel, body.ts], ['C123', first.message.ts]);
  });

  it('slack bot: {ok: false} is a failure', async () => {
    const refusing = await startReceiver(() => ({
      status: 200,
      body: '{"ok":false,"error":"channel_not_found"}',
    }));
    try {
      await assert.rejects(
        slackSink(message(), context({ type: 'slack', apiURL: refusing.url }, { token: 'x', channel: 'C' })),
        /channel_not_found/,
      );
    } finally {
      await refusing.close();
    }
  });

  it('teams: a message with one Adaptive Card attachment', async () => {
    await teamsSink(message(), context({ type: 'teams' }, { url: `${receiver.url}/teams/workflows/x` }));
    const r = last();
    const body = json(r.body) as {
      type: string;
      attachments: {
        contentType: string;
        contentUrl: null;
        content: {
          type: string;
          version: string;
          body: { text: string }[];
          actions: { type: string; url: string }[];
        };
      }[];
    };
    assert.equal(body.type, 'message');
    assert.equal(body.attachments.length, 1);
    const attachment = body.attachments[0];
    assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(attachment.contentUrl, null);
    assert.equal(attachment.content.type, 'AdaptiveCard');
    assert.equal(attachment.content.version, '1.4');
    assert.match(attachment.content.body[0]?.text ?? '', /web: sync failed/);
    assert.deepEqual(attachment.content.actions[0], {
      type: 'Action.OpenUrl',
      title: 'Open web',
      url: 'https://dash.example/applications/apps/web',
    });
  });

  it('github: POST /repos/{owner}/{repo}/statuses/{sha}, context mooring/<app>, Bearer token', async () => {
    await githubSink(message(), context({ type: 'github', apiURL: receiver.url }, { token: 'ghp_x' }));
    const r = last();
    assert.equal(r.path, `/repos/acme/deploy/statuses/${SHA_A}`);
    assert.equal(r.headers.authorization, 'Bearer ghp_x');
    assert.equal(r.headers.accept, 'application/vnd.github+json');
    assert.equal(r.headers['x-github-api-version'], '2022-11-28');
    const body = json(r.body);
    assert.deepEqual(
      [body.state, body.context, body.target_url],
      ['failure', 'mooring/web', 'https://dash.example/applications/apps/web'],
    );
    assert.ok((body.description as string).length <= 140);
  });

  it('gitlab: POST /projects/:id/statuses/:sha with PRIVATE-TOKEN, the path URL-encoded', async () => {
    await gitlabSink(
      message('sync-succeeded'),
      context({ type: 'gitlab', apiURL: receiver.url, repository: 'group/sub/deploy' }, { token: 'glpat' }),
    );
    const r = last();
    assert.equal(r.path, `/projects/group%2Fsub%2Fdeploy/statuses/${SHA_A}`);
    assert.equal(r.headers['private-token'], 'glpat');
    const body = json(r.body);
    assert.deepEqual([body.state, body.name], ['success', 'mooring/web']);
  });

  it('gitea/forgejo: POST /repos/{owner}/{repo}/statuses/{sha} with Authorization: token', async () => {
    await giteaSink(message(), context({ type: 'gitea', apiURL: `${receiver.url}/api/v1` }, { token: 'gt' }));
    const r = last();
    assert.equal(r.path, `/api/v1/repos/acme/deploy/statuses/${SHA_A}`);
    assert.equal(r.headers.authorization, 'token gt');
    const body = json(r.body);
    assert.deepEqual([body.state, body.context], ['failure', 'mooring/web']);
  });

  it('sets no commit status for drift (it is not about a commit)', async () => {
    const before = receiver.requests.length;
    await githubSink(
      message('drift-corrected'),
      context({ type: 'github', apiURL: receiver.url }, { token: 'x' }),
    );
    assert.equal(receiver.requests.length, before);
  });

  it('refuses http:// unless allowed, URLs with credentials, and says which key is missing', async () => {
    const strict = {
      ...context({ type: 'webhook' }, { url: `${receiver.url}/hook` }),
      http: { ...http, allowHttp: false, timeoutMs: 1000 },
    };
    await assert.rejects(
      webhookSink(message(), strict),
      (e: unknown) => e instanceof MooringError && e.code === 'UNSAFE_INPUT',
    );
    await assert.rejects(
      webhookSink(message(), context({ type: 'webhook' }, { url: 'https://user:pw@example.com/h' })),
      (e: unknown) => e instanceof MooringError && e.code === 'UNSAFE_INPUT' && !e.message.includes('pw'),
    );
    await assert.rejects(webhookSink(message(), context({ type: 'webhook' }, {})), /has no key url/);
  });

  it('a 5xx answer is a transient failure, a 4xx a terminal one', async () => {
    await assert.rejects(
      webhookSink(message(), context({ type: 'webhook' }, { url: `${receiver.url}/broken` })),
      (e: unknown) => e instanceof MooringError && e.retry === 'transient' && e.message.includes('503'),
    );
  });

  it('reads owner/repo from https, ssh and scp-like repository URLs', () => {
    assert.equal(repositoryPathOf('https://github.com/acme/deploy.git'), 'acme/deploy');
    assert.equal(repositoryPathOf('ssh://git@gitlab.com/group/sub/deploy.git'), 'group/sub/deploy');
    assert.equal(repositoryPathOf('git@github.com:acme/deploy.git'), 'acme/deploy');
    assert.equal(repositoryPathOf('file:///tmp/repo'), 'tmp/repo');
  });
});
