/**
 * What the egress confinement costs a request: Node's built-in fetch vs `Egress.fetch` (guarded node:http
 * agent, policy checked at lookup and on connect) against one loopback HTTP server, alternating in one
 * process, keep-alive on both. `node dist/bench/egress-fetch.js [requests]` prints p50/p95 per client and the
 * ratio of the medians.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Egress } from '../src/net/egress.js';
import { egressPolicy } from '../src/net/egress-policy.js';
import { stats } from './stats.js';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? '2000');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/api/v1/query?query=up`;
  const egress = new Egress(egressPolicy(['127.0.0.1/32']));
  const clients = {
    'global fetch': (u: string) => fetch(u, { redirect: 'error' }),
    'Egress.fetch': (u: string) => egress.fetch(u, { redirect: 'error' }),
  };
  const samples: Record<string, number[]> = { 'global fetch': [], 'Egress.fetch': [] };
  for (let i = 0; i < rounds + 100; i += 1) {
    for (const [name, client] of Object.entries(clients)) {
      const started = process.hrtime.bigint();
      const response = await client(url);
      await response.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (i >= 100) samples[name]?.push(ms); // the first 100 warm up both
    }
  }
  const global = stats(samples['global fetch'] ?? []);
  const guarded = stats(samples['Egress.fetch'] ?? []);
  console.log(`requests per client: ${String(rounds)} (loopback, keep-alive, alternating)`);
  console.log(`global fetch  p50 ${global.p50.toFixed(3)} ms  p95 ${global.p95.toFixed(3)} ms`);
  console.log(`Egress.fetch  p50 ${guarded.p50.toFixed(3)} ms  p95 ${guarded.p95.toFixed(3)} ms`);
  console.log(`ratio of medians (Egress / global): ${(guarded.p50 / global.p50).toFixed(2)}`);
  egress.destroy();
  server.closeAllConnections();
  server.close();
}

await main();
