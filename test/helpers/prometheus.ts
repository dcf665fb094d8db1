/**
 * A real Prometheus for tests (Debian's `prometheus` package, /usr/bin/prometheus): started on a free port
 * with a temporary config and storage directory, scraping the targets given, queried through its HTTP API,
 * stopped and removed when the test ends. Used by the metrics tests; rollout analysis (issue 13) reuses it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { pollUntil } from '../../src/core/wait.js';
import { freePort } from '../../src/devcluster/ports.js';

/** One series of an instant query's answer. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusOptions {
  /** `host:port` of each endpoint to scrape (job `mooring`, path `metricsPath`). */
  targets: string[];
  /** Default '/metrics'. */
  metricsPath?: string;
  /** Default 1 s: tests wait for a scrape, not for minutes. */
  scrapeIntervalSeconds?: number;
  /** Default $MOORING_PROMETHEUS or 'prometheus' on PATH. */
  binary?: string;
}

export interface PrometheusServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** An instant query (GET /api/v1/query); rejects on an error answer. */
  query(promql: string): Promise<PromSample[]>;
  /** Polls `promql` until `check` accepts the samples; a timeout names `what` and the last answer. */
  waitFor(
    what: string,
    promql: string,
    check: (samples: PromSample[]) => boolean,
    timeoutMs?: number,
  ): Promise<PromSample[]>;
  /** The scrape targets as Prometheus sees them (health, last error). */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  stop(): Promise<void>;
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

/** Starts Prometheus scraping `options.targets`; stopped when `t` ends. */
export async function startPrometheus(t: TestContext, options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'mooring-prometheus-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  // JSON is YAML: no quoting of the targets to get wrong.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: 'mooring',
        metrics_path: options.metricsPath ?? '/metrics',
        static_configs: [{ targets: options.targets }],
      },
    ],
  };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const child = spawn(
    options.binary ?? process.env.MOORING_PROMETHEUS ?? 'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr.on('data', (chunk: Buffer) => {
    log.push(chunk.toString('utf8'));
    if (log.length > 50) log.shift();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
    child.once('error', (error) => {
      log.push(error.message);
      resolve(-1);
    });
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      await stopWithin(child, exited, 10_000);
    }
    await rm(dir, { recursive: true, force: true });
  };
  t.after(stop);

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined)
      throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };

  await pollUntil(
    async (note) => {
      if (!running) throw new Error(`prometheus exited:\n${log.join('')}`);
      try {
        const ready = await fetch(`${url}/-/ready`);
        return ready.ok ? true : undefined;
      } catch (error) {
        note((error as Error).message);
        return undefined;
      }
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'Prometheus ready' },
  );

  const server: PrometheusServer = {
    url,
    async query(promql) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(promql)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async waitFor(what, promql, check, timeoutMs = 30_000) {
      let last: PromSample[] = [];
      try {
        return await pollUntil(
          async () => {
            last = await server.query(promql);
            return check(last) ? last : undefined;
          },
          { timeoutMs, intervalMs: 250, what },
        );
      } catch (error) {
        const targets = await server.targets().catch(() => []);
        throw new Error(
          `${(error as Error).message}\nquery: ${promql}\nlast answer: ${JSON.stringify(last)}\ntargets: ${JSON.stringify(targets)}\nprometheus log:\n${log.join('')}`,
        );
      }
    },
    async targets() {
      const data = await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>(
        '/api/v1/targets',
      );
      return data.activeTargets.map(({ scrapeUrl, health, lastError }) => ({ scrapeUrl, health, lastError }));
    },
    stop,
  };
  return server;
}

/** Waits for the process to exit; SIGKILL if it has not after `ms`. */
async function stopWithin(child: ChildProcess, exited: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, ms);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
