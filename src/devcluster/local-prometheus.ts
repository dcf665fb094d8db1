/**
 * A local Prometheus for the demo: Debian's `prometheus` package (/usr/bin/prometheus) on a free loopback
 * port, scraping the targets given every second, with its storage under a directory of the demo (emptied
 * first, kept one hour). Nothing is exposed beyond loopback.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { freePort } from './ports.js';

/** Where Debian's package `prometheus` installs the server (MOORING_PROMETHEUS overrides). */
export const DEFAULT_PROMETHEUS_BINARY = '/usr/bin/prometheus';

/** The Prometheus binary to use, or undefined when it is not installed. */
export function findPrometheusBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const binary = env.MOORING_PROMETHEUS ?? DEFAULT_PROMETHEUS_BINARY;
  return existsSync(binary) ? binary : undefined;
}

/** The configuration file (JSON is YAML: no quoting of the targets to get wrong). Pure. */
export function prometheusConfig(targets: readonly string[], scrapeIntervalSeconds: number): string {
  const interval = `${scrapeIntervalSeconds}s`;
  return JSON.stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets }] }],
  });
}

/** A Prometheus started by startLocalPrometheus. */
export interface LocalPrometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (`host:port`, path /metrics) and waits until it is ready. */
export async function startLocalPrometheus(options: {
  binary: string;
  dir: string;
  targets: readonly string[];
  /** Default 1 s, so an analysis of a few seconds has samples. */
  scrapeIntervalSeconds?: number;
}): Promise<LocalPrometheus> {
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const config = join(options.dir, 'prometheus.yml');
  await writeFile(config, prometheusConfig(options.targets, options.scrapeIntervalSeconds ?? 1), {
    mode: 0o600,
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && spawnError === undefined) {
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    for (let attempt = 0; ; attempt++) {
      if (spawnError !== undefined || child.exitCode !== null)
        throw new MooringError(
          'PROCESS_FAILED',
          `prometheus exited (${spawnError?.message ?? String(child.exitCode)}): ${output}`,
        );
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (attempt >= 600)
        throw new MooringError('PROCESS_FAILED', `prometheus did not get ready on ${url}: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
