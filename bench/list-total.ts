/**
 * What the list's `total` and the projects/clusters counts cost at 10,000 Applications: the index alone, in
 * process (the HTTP path is bench/api-list.ts). For each query, the whole `list()` (page + total, as the API
 * answers) and `total()` alone; then one `tally()` per page of the Clusters/Projects routes. p50/p95 of 300
 * runs each, in ms. Run: npm run build && node dist/bench/list-total.js
 */
import { ApplicationIndex } from '../src/api/index/app-index.js';
import type { ListParams } from '../src/api/index/query.js';
import { parseListQuery } from '../src/api/index/query.js';
import { parseApplication } from '../src/app/model.js';
import { stats } from './stats.js';

const APPS = 10_000;
const RUNS = 300;
const HEALTHS = ['Healthy', 'Healthy', 'Healthy', 'Progressing', 'Degraded', 'Missing'];

function fleet(): ApplicationIndex {
  const index = new ApplicationIndex();
  for (let i = 0; i < APPS; i++) {
    const namespace = `team-${i % 20}`;
    index.onApplication(
      'ADDED',
      parseApplication({
        apiVersion: 'mooring.dev/v1alpha1',
        kind: 'Application',
        metadata: { name: `app-${i}`, namespace, labels: { tier: i % 2 === 0 ? 'front' : 'back' } },
        spec: {
          project: `project-${i % 10}`,
          source: {
            repoURL: 'https://git.example.com/org/config.git',
            ref: { branch: 'main' },
            path: `a/${i}`,
          },
          destination: { namespace, cluster: i % 3 === 0 ? 'in-cluster' : `edge-${i % 3}` },
        },
        status: {
          sync: { status: i % 7 === 0 ? 'OutOfSync' : 'Synced' },
          health: { status: HEALTHS[i % HEALTHS.length] },
        },
      }),
    );
  }
  index.markSynced();
  return index;
}

function time(run: () => void): { p50: number; p95: number } {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const { p50, p95 } = stats(samples);
  return { p50, p95 };
}

const index = fleet();
const half = new Set(Array.from({ length: 10 }, (_, i) => `team-${i * 2}`));
const cases: [string, ListParams, ReadonlySet<string> | 'all'][] = [
  ['no filter, cluster-wide reader', {}, 'all'],
  ['no filter, reader in 10 of 20 namespaces', {}, half],
  ['health=Degraded', { health: 'Degraded' }, 'all'],
  ['text search "app-99"', { text: 'app-99' }, 'all'],
  ['project=project-3, reader in 10 of 20', { project: 'project-3' }, half],
  ['a filter matching nothing', { cluster: 'nowhere' }, 'all'],
];
const fmt = (s: { p50: number; p95: number }) => `${s.p50.toFixed(2)} / ${s.p95.toFixed(2)}`;
console.log(
  `| query (${APPS} apps, first page of 100) | list() with total p50 / p95 ms | total() alone p50 / p95 ms |`,
);
console.log('|---|---|---|');
for (const [name, params, visible] of cases) {
  const query = parseListQuery(params);
  const whole = time(() => index.list(query, params, visible));
  const totalOnly = time(() => index.total(query, visible));
  console.log(`| ${name} | ${fmt(whole)} | ${fmt(totalOnly)} |`);
}
console.log(
  `| tally by project (Projects page), all | ${fmt(time(() => index.tally('project', 'all')))} | |`,
);
console.log(
  `| tally by cluster (Clusters page), 10 of 20 | ${fmt(time(() => index.tally('cluster', half)))} | |`,
);
