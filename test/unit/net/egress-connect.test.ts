import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { Egress, egressFromFlags } from '../../../src/net/egress.js';
import { egressPolicy } from '../../../src/net/egress-policy.js';

let server: Server;
let port = 0;
const seen: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

async function refusal(promise: Promise<unknown>): Promise<MooringError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MooringError, `expected a MooringError, got ${String(error)}`);
    return error;
  }
  assert.fail('the request went through');
}

describe('Egress: connections are checked after resolution', () => {
  it('refuses a loopback address by default, naming the host, the address and the flag, before sending', async () => {
    const egress = Egress.publicOnly();
    const before = seen.length;
    const error = await refusal(egress.fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', body: 'x' }));
    assert.equal(error.code, 'UNSAFE_INPUT');
    assert.match(
      error.message,
      /refused to connect to 127\.0\.0\.1 at 127\.0\.0\.1: loopback, 127\.0\.0\.0\/8/,
    );
    assert.match(error.hint ?? '', /--egress-allow-cidr 127\.0\.0\.1\/32/);
    assert.equal(seen.length, before, 'nothing reached the server');
    egress.destroy();
  });

  it('refuses a name that resolves to a denied address (localhost, a rebinding DNS answer)', async () => {
    const egress = Egress.publicOnly();
    const error = await refusal(egress.fetch(`http://localhost:${port}/`));
    assert.match(error.message, /refused to connect to localhost at (127\.0\.0\.1|::1)/);
    const rebinding = new Egress(egressPolicy(), () =>
      Promise.resolve([{ address: '169.254.169.254', family: 4 }]),
    );
    const metadata = await refusal(rebinding.fetch('http://metadata.example.com/latest/meta-data/'));
    assert.match(
      metadata.message,
      /metadata\.example\.com at 169\.254\.169\.254: link-local \(cloud metadata\)/,
    );
    egress.destroy();
    rebinding.destroy();
  });

  it('connects only to the allowed addresses of a name that resolves to both kinds', async () => {
    const answers = [
      { address: '10.0.0.1', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const egress = new Egress(egressPolicy(['127.0.0.1/32']), () => Promise.resolve(answers));
    const looked = await new Promise<unknown>((resolve, reject) => {
      egress.lookup('registry.test', { all: true }, (error, addresses) => {
        if (error === null) resolve(addresses);
        else reject(error);
      });
    });
    assert.deepEqual(looked, [{ address: '127.0.0.1', family: 4 }]);
    const response = await egress.fetch(`http://registry.test:${port}/both`);
    assert.equal(response.status, 200);
    assert.equal(seen.at(-1)?.url, '/both');
    assert.equal(seen.at(-1)?.headers.host, `registry.test:${port}`);
    egress.destroy();
  });

  it('refuses IPv4-mapped loopback written as IPv6', async () => {
    const egress = Egress.publicOnly();
    const error = await refusal(egress.fetch(`http://[::ffff:127.0.0.1]:${port}/`));
    assert.match(error.message, /loopback, 127\.0\.0\.0\/8/);
    egress.destroy();
  });

  it('delivers with the range allowed: method, headers and body as fetch sends them', async () => {
    const egress = new Egress(egressPolicy(['127.0.0.1/32']));
    const response = await egress.fetch(`http://127.0.0.1:${port}/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: '{"a":"é"}',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { echo: '{"a":"é"}' });
    const last = seen.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last.headers['x-test'], 'yes');
    assert.equal(last.headers['content-length'], String(Buffer.byteLength('{"a":"é"}')));
    const empty = await egress.fetch(`http://127.0.0.1:${port}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), '');
    egress.destroy();
  });

  it('never follows a redirect; "manual" hands the 3xx back', async () => {
    const egress = new Egress(egressPolicy(['127.0.0.1/32']));
    const error = await refusal(egress.fetch(`http://127.0.0.1:${port}/redirect`, { redirect: 'follow' }));
    assert.match(error.message, /answered 302 \(a redirect\): redirects are not followed/);
    const manual = await egress.fetch(`http://127.0.0.1:${port}/redirect`, { redirect: 'manual' });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get('location'), 'http://169.254.169.254/latest/meta-data/');
    egress.destroy();
  });

  it('guards node:http agents the same way (registry client)', async () => {
    const egress = Egress.publicOnly();
    const agent = egress.httpAgent();
    const { request } = await import('node:http');
    const error = await new Promise<unknown>((resolve) => {
      const req = request(`http://127.0.0.1:${port}/v2/`, { agent }, () => {
        resolve(undefined);
      });
      req.on('error', resolve);
      req.end();
    });
    assert.ok(error instanceof MooringError);
    assert.match(error.message, /127\.0\.0\.1 at 127\.0\.0\.1/);
    agent.destroy();
    egress.destroy();
  });

  it('rejects with the abort reason when the signal fires', async () => {
    const egress = new Egress(egressPolicy(['127.0.0.1/32']));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(egress.fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal }), /stop/);
    egress.destroy();
  });
});

describe('egressFromFlags (--egress-allow-cidr)', () => {
  it('reads repeated and comma-separated ranges', () => {
    const egress = egressFromFlags(['10.0.0.0/8, 127.0.0.1/32', 'fd00::/8']);
    assert.deepEqual(
      egress.policy.allow.map((c) => c.text),
      ['10.0.0.0/8', '127.0.0.1/32', 'fd00::/8'],
    );
    assert.equal(egress.refusal('svc', '10.96.0.10'), undefined);
    assert.equal(egress.refusal('svc', 'fd00:ec2::254'), undefined);
    assert.match(egress.refusal('svc', '169.254.169.254')?.message ?? '', /link-local/);
    assert.equal(egressFromFlags(undefined).policy.allow.length, 0);
    egress.destroy();
  });

  it('refuses a range that is not one, naming the flag', () => {
    assert.throws(
      () => egressFromFlags(['10.0.0.0/8,10.0.0.0/33']),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_ARGUMENT' &&
        error.message.includes('--egress-allow-cidr: "10.0.0.0/33" is not an IPv4 or IPv6 range'),
    );
  });
});
