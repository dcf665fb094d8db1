/**
 * Test harness for the sync engine against the real local cluster: a throw-away checkout to write manifests
 * into, a fresh engine client per test (so its request counts are the test's own), a second client for
 * assertions (so looking never counts as the engine's work), and helpers to read what is in the cluster.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { findToolchain } from '../../../src/devcluster/toolchain.js';
import type { Toolchain } from '../../../src/devcluster/toolchain.js';
import { syncApplication } from '../../../src/engine/sync.js';
import type { SyncRequest, SyncResult } from '../../../src/engine/types.js';
import { KubeClient } from '../../../src/kube/client.js';
import { Discovery } from '../../../src/kube/discovery.js';
import { ObjectsApi } from '../../../src/kube/objects-api.js';
import { inventoryConfigMapName } from '../../../src/apply/inventory-store.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { configMap, deployment, job, yamlStream } from '../../helpers/manifests.js';

export { configMap, deployment, job, yamlStream };
export type { DeploymentShape } from '../../helpers/manifests.js';

const run = promisify(execFile);

/** The app folder inside the checkout that every test syncs (unless it names another). */
export const APP_PATH = 'app';

export function toolchain(): Toolchain {
  const found = findToolchain();
  if (!('toolchain' in found))
    throw new Error(`toolchain incomplete, missing ${found.missing.join(', ')}: run npm run toolchain`);
  return found.toolchain;
}

function freshObjectsApi(t: TestContext): ObjectsApi {
  const client = new KubeClient(testCluster().kc);
  t.after(() => {
    client.close();
  });
  return new ObjectsApi(client, new Discovery(client));
}

export interface EngineHarness {
  appName: string;
  namespace: string;
  /** The checkout root; manifests go under `app/`. */
  root: string;
  /** The engine's client: its stats count only the engine's requests in this test. */
  engine: ObjectsApi;
  /** A separate client for assertions. */
  observer: ObjectsApi;
  /** Writes a file under the app folder (objects are written as a YAML stream). */
  write(path: string, content: string | KubeObject | KubeObject[]): Promise<void>;
  remove(path: string): Promise<void>;
  /** Copies test/fixtures/engine/<name> into the checkout root (sync it with `source: h.source(path)`). */
  copyFixture(name: string): Promise<void>;
  /** The checkout root with another app path. */
  source(path: string): { root: string; path: string };
  /** One sync of the app with test defaults (no prune, no wait, 20 s timeouts), overridable. */
  sync(overrides?: Partial<SyncRequest>): Promise<SyncResult>;
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Ids in the app's inventory ConfigMap; undefined when there is none. */
  inventoryIds(): Promise<string[] | undefined>;
  /** Runs the toolchain's kubectl against the test cluster. */
  kubectl(args: string[]): Promise<string>;
}

/** A namespace, a checkout and two clients for one test; everything is removed when the test ends. */
export async function engineHarness(t: TestContext, appName: string): Promise<EngineHarness> {
  const namespace = await testNamespace(t);
  const root = await mkdtemp(join(tmpdir(), 'mooring-engine-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, APP_PATH));
  const engine = freshObjectsApi(t);
  const observer = freshObjectsApi(t);
  const tools = toolchain();
  const harness: EngineHarness = {
    appName,
    namespace,
    root,
    engine,
    observer,
    async write(path, content) {
      const full = join(root, APP_PATH, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(
        full,
        typeof content === 'string' ? content : yamlStream(Array.isArray(content) ? content : [content]),
      );
    },
    async remove(path) {
      await rm(join(root, APP_PATH, path), { recursive: true, force: true });
    },
    async copyFixture(name) {
      await cp(join(packageRoot(), 'test', 'fixtures', 'engine', name), root, { recursive: true });
    },
    source(path) {
      return { root, path };
    },
    sync(overrides = {}) {
      const request: SyncRequest = {
        appName,
        source: { root, path: APP_PATH },
        renderOptions: {},
        namespace,
        createNamespace: false,
        prune: false,
        pruneThreshold: 0.5,
        allowMassPrune: false,
        dryRun: false,
        wait: false,
        timeoutMs: 20_000,
        concurrency: 8,
        ...overrides,
      };
      return syncApplication({ objects: engine, tools: { renderHelper: requireRenderHelper() } }, request);
    },
    get(apiVersion, kind, name, ns = namespace) {
      const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
      return observer.get(apiVersion, { group, kind, namespace: ns, name });
    },
    async inventoryIds() {
      const cm = await harness.get('v1', 'ConfigMap', inventoryConfigMapName(appName));
      const text = (cm?.data as Record<string, string> | undefined)?.['inventory.json'];
      if (text === undefined) return undefined;
      return (JSON.parse(text) as { entries: { id: string }[] }).entries.map((e) => e.id);
    },
    async kubectl(args) {
      const { stdout } = await run(tools.kubectl, ['--kubeconfig', testCluster().kubeconfigPath, ...args], {
        timeout: 30_000,
      });
      return stdout;
    },
  };
  return harness;
}

/** The inventory id of a namespaced object (`namespace_name_group_kind`). */
export function idOf(namespace: string, name: string, group: string, kind: string): string {
  return `${namespace}_${name}_${group}_${kind}`;
}

/** Fails with the engine's own words when a sync that should succeed did not. */
export function assertSucceeded(result: SyncResult): void {
  if (result.error !== undefined) {
    throw new Error(
      `sync failed at ${result.error.step}: ${result.error.message}${result.error.hint === undefined ? '' : ` (hint: ${result.error.hint})`}`,
    );
  }
}

/** Actions by subject, e.g. { 'ConfigMap/ns/a': 'created' } (last outcome wins). */
export function actionsOf(result: SyncResult): Record<string, string> {
  return Object.fromEntries(result.outcomes.map((o) => [o.subject, o.action]));
}
