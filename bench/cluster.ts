import { clusterDown, clusterUp } from '../src/devcluster/cluster.js';

/** The cluster a benchmark runs on: MOORING_BENCH_KUBECONFIG, or one started for this run. */
export interface BenchCluster {
  kubeconfig: string;
  /** True when the benchmark started it (and `stop` stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

export async function benchCluster(prefix: string): Promise<BenchCluster> {
  const given = process.env.MOORING_BENCH_KUBECONFIG;
  if (given !== undefined) return { kubeconfig: given, owned: false, stop: () => Promise.resolve() };
  const name = `${prefix}-${process.pid}`;
  const state = await clusterUp({
    name,
    progress: (line) => {
      console.error(`[cluster] ${line}`);
    },
  });
  return {
    kubeconfig: state.kubeconfig,
    owned: true,
    stop: async () => {
      await clusterDown(name);
    },
  };
}
