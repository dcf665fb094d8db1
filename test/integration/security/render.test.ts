/**
 * Security: renders are confined by construction (issue 7, classes 1, 2, 3 and the render half of 8).
 * Every exploit found, and variants of it, against the real render helper: nothing outside the checkout
 * is read (a canary's content never appears in an output or an error), nothing is written outside it,
 * no network request leaves a render, and every limit gives a clear error.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, lstat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { renderTools, requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { toolchainBinDir } from '../../../src/devcluster/toolchain.js';
import { render } from '../../../src/render/index.js';
import type { RenderInput, RenderLimits, RenderOptions } from '../../../src/render/types.js';
import { checkout } from '../render/checkout.js';

/** What checkout() puts in the canary file beside every checkout; no render may ever show it. */
const CANARY = 'do-not-read';
const PASSWD = 'root:x:0:0';

function input(
  root: string,
  path: string,
  options: RenderOptions,
  limits?: Partial<RenderLimits>,
): RenderInput {
  return {
    root,
    path,
    namespace: 'web',
    options,
    tools: renderTools(),
    ...(limits === undefined ? {} : { limits }),
  };
}

/** Renders and expects a MooringError; checks its code, that its text matches, and that no canary leaked. */
async function refused(
  renderInput: RenderInput,
  code: string,
  message: RegExp,
  subject?: RegExp,
): Promise<MooringError> {
  let caught: unknown;
  try {
    const result = await render(renderInput);
    assert.fail(`the render succeeded: ${JSON.stringify(result.objects).slice(0, 300)}`);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof MooringError, `not a MooringError: ${String(caught)}`);
  const text = `${caught.message}\n${caught.hint ?? ''}\n${caught.subject ?? ''}`;
  assert.ok(!text.includes(CANARY) && !text.includes(PASSWD), `a canary leaked into the error: ${text}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  if (subject !== undefined) assert.match(caught.subject ?? '', subject);
  return caught;
}

/** Renders and expects success without a canary in any object. */
async function renderedClean(renderInput: RenderInput): Promise<string> {
  const result = await render(renderInput);
  const text = JSON.stringify(result.objects);
  assert.ok(!text.includes(CANARY) && !text.includes(PASSWD), `a canary leaked into the output: ${text}`);
  return text;
}

/** Path, size, mode and content hash of every file under `dir` (symlinks not followed). */
async function snapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(folder, entry.name);
      const info = await lstat(path);
      if (entry.isDirectory()) {
        lines.push(`${path}/`);
        await walk(path);
      } else if (entry.isFile()) {
        const hash = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
        lines.push(`${path} ${info.size} ${info.mode.toString(8)} ${hash}`);
      } else lines.push(`${path} -> link`);
    }
  };
  await walk(dir);
  return lines;
}

/** Children of this process that run the render helper (none may outlive a render). */
async function helperChildren(): Promise<number[]> {
  const helper = requireRenderHelper();
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith(helper)) found.push(Number(entry));
  }
  return found;
}

const CHART = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';

async function chart(root: string, chartYaml: string, template: string): Promise<void> {
  await mkdir(join(root, 'app', 'templates'), { recursive: true });
  await writeFile(join(root, 'app', 'Chart.yaml'), chartYaml);
  await writeFile(join(root, 'app', 'templates', 'cm.yaml'), template);
}

/** A chart outside the checkout whose template would print the canary. */
async function outsideChart(outside: string, name: string): Promise<void> {
  await mkdir(join(outside, name, 'templates'), { recursive: true });
  await writeFile(join(outside, name, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  await writeFile(
    join(outside, name, 'templates', 'cm.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaked}\ndata: {token: ${CANARY}}\n`,
  );
}

describe('security: helm renders are confined to the checkout', () => {
  it('a dependency named with ".." and a file:// repository writes nothing anywhere (class 1)', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    const base = dirname(root);
    const toolchain = toolchainBinDir();
    const helperDir = dirname(requireRenderHelper());
    const before = [await snapshot(base), await snapshot(toolchain), await snapshot(helperDir)];
    for (const name of ['../../../outside/planted', '../../../../tmp/planted', '/tmp/planted-abs']) {
      await writeFile(
        join(root, 'web', 'Chart.yaml'),
        `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: ${JSON.stringify(name)}\n    version: 0.1.0\n    repository: file://../common\n`,
      );
      // The dependency name is only a name: the chart loaded from ../common is "common", so helm reports it missing.
      await refused(
        input(root, 'web', {}),
        'RENDER_FAILED',
        /missing in charts\/ directory/,
        /web\/Chart\.yaml/,
      );
    }
    await writeFile(join(root, 'web', 'Chart.yaml'), CHART);
    const after = [await snapshot(base), await snapshot(toolchain), await snapshot(helperDir)];
    // Only the Chart.yaml this test rewrote changed.
    const changed = after[0]?.filter((line) => !before[0]?.includes(line)) ?? [];
    assert.deepEqual(
      changed.map((line) => line.split(' ')[0]),
      [join(root, 'web', 'Chart.yaml')],
    );
    assert.deepEqual(after.slice(1), before.slice(1), 'the toolchain and the render helper are unchanged');
    assert.deepEqual(await readdir(outside), ['secret.yaml']);
  });

  it('refuses a file:// dependency outside the checkout, naming Chart.yaml', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await outsideChart(outside, 'evil');
    for (const repository of ['file://../../outside/evil', `file://${join(outside, 'evil')}`]) {
      await chart(
        root,
        `${CHART}dependencies:\n  - name: evil\n    version: 0.1.0\n    repository: ${repository}\n`,
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n',
      );
      await refused(
        input(root, 'app', {}),
        'UNSAFE_INPUT',
        /app\/Chart\.yaml: dependency "evil" .* (is outside the checkout|is an absolute path, outside the checkout)/,
        /app\/Chart\.yaml/,
      );
    }
  });

  it('refuses a file:// dependency that is a symlink to a chart outside', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await outsideChart(outside, 'evil');
    await symlink(join(outside, 'evil'), join(root, 'evil'));
    await chart(
      root,
      `${CHART}dependencies:\n  - name: evil\n    version: 0.1.0\n    repository: file://../evil\n`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n',
    );
    await refused(input(root, 'app', {}), 'UNSAFE_INPUT', /outside the checkout/, /app\/Chart\.yaml/);
  });

  it('refuses a vendored sub-chart under charts/ that is a symlink leading outside', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await outsideChart(outside, 'evil');
    await chart(root, CHART, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n');
    await mkdir(join(root, 'app', 'charts'));
    await symlink(join(outside, 'evil'), join(root, 'app', 'charts', 'evil'));
    await refused(input(root, 'app', {}), 'UNSAFE_INPUT', /"app\/charts\/evil" leads outside the checkout/);
  });

  it('refuses value files outside the checkout: "..", absolute, and through a symlink', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await writeFile(join(outside, 'values.yaml'), `color: ${CANARY}\n`);
    // Beside the chart, not in it: a chart folder holding an escaping symlink is refused as a whole.
    await symlink(join(outside, 'values.yaml'), join(root, 'linked-values.yaml'));
    await symlink(outside, join(root, 'linked-folder'));
    const cases: [string, RegExp][] = [
      ['../../outside/values.yaml', /"\.\.\/outside\/values\.yaml" leads outside the checkout/],
      [join(outside, 'values.yaml'), /is an absolute path/],
      ['../linked-values.yaml', /"linked-values\.yaml" leads outside the checkout/],
      ['../linked-folder/values.yaml', /"linked-folder\/values\.yaml" leads outside the checkout/],
    ];
    for (const [file, message] of cases) {
      await refused(input(root, 'web', { helm: { valueFiles: [file] } }), 'UNSAFE_INPUT', message);
    }
  });

  it('.Files.Get and .Files.Glob see only the chart: "../" and absolute names read nothing', async (t) => {
    const { root } = await checkout(t, 'helm');
    await chart(
      root,
      CHART,
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: files}',
        'data:',
        '  up: {{ .Files.Get "../../outside/secret.yaml" | quote }}',
        '  abs: {{ .Files.Get "/etc/passwd" | quote }}',
        '  glob: {{ .Files.Glob "../**" | len | quote }}',
        '  lookup: {{ lookup "v1" "Secret" "kube-system" "" | len | quote }}',
        '',
      ].join('\n'),
    );
    const text = await renderedClean(input(root, 'app', {}));
    assert.match(text, /"up":"","abs":"","glob":"0","lookup":"0"/);
  });
});

describe('security: jsonnet renders are confined to the checkout', () => {
  const cases: [string, string, RegExp][] = [
    [
      'importstr with \\u002f escapes (absolute)',
      'importstr "\\u002fetc\\u002fpasswd"',
      /"\/etc\/passwd" is an absolute/,
    ],
    [
      'a ".." chain written with escapes',
      'importstr "..\\u002f..\\u002foutside\\u002fsecret.yaml"',
      /"\.\.\/outside\/secret\.yaml" leads outside the checkout/,
    ],
    ['an absolute import', "import '/etc/passwd'", /"\/etc\/passwd" is an absolute/],
    ['importbin', "importbin '../../outside/secret.yaml'", /leads outside the checkout/],
    [
      'a verbatim string',
      "importstr @'../../outside/secret.yaml'",
      /"\.\.\/outside\/secret\.yaml" leads outside the checkout/,
    ],
    [
      'an import after a text block that hides it from a scanner',
      "local doc = |||\n  importstr 'x'\n|||;\n{ doc: doc, stolen: importstr '../../outside/secret.yaml' }",
      /"\.\.\/outside\/secret\.yaml" leads outside the checkout/,
    ],
  ];
  for (const [name, source, message] of cases) {
    it(`refuses ${name}, naming the importing file`, async (t) => {
      const { root } = await checkout(t, 'jsonnet');
      await writeFile(join(root, 'app', 'main.jsonnet'), `${source}\n`);
      await refused(input(root, 'app', {}), 'UNSAFE_INPUT', message, /app\/main\.jsonnet/);
    });
  }

  it('refuses an import through a symlinked folder and a library path outside', async (t) => {
    const { root, outside } = await checkout(t, 'jsonnet');
    await symlink(outside, join(root, 'app', 'linked'));
    await writeFile(join(root, 'app', 'main.jsonnet'), "importstr 'linked/secret.yaml'\n");
    await refused(input(root, 'app', {}), 'UNSAFE_INPUT', /"app\/linked\/secret\.yaml" leads outside/);
    await writeFile(join(root, 'app', 'main.jsonnet'), "importstr 'secret.yaml'\n");
    await refused(
      input(root, 'app', { jsonnet: { libPaths: ['../outside'] } }),
      'UNSAFE_INPUT',
      /"\.\.\/outside" leads outside the checkout/,
    );
  });

  it('has no native functions: std.native reaches nothing', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await writeFile(
      join(root, 'app', 'main.jsonnet'),
      "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: std.native('readFile')('/etc/passwd') } }\n",
    );
    await refused(input(root, 'app', {}), 'RENDER_FAILED', /jsonnet evaluation of app\/main\.jsonnet failed/);
  });

  it('stops a memory bomb with a clear limit error, and the helper process is gone', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await writeFile(
      join(root, 'app', 'main.jsonnet'),
      '{ n: std.length(std.flattenArrays([std.range(1, 100000) for i in std.range(1, 5000)])) }\n',
    );
    await refused(
      input(root, 'app', {}, { maxMemoryBytes: 128 * 1024 * 1024 }),
      'RENDER_FAILED',
      /memory limit of 128 MiB/,
    );
    assert.deepEqual(await helperChildren(), []);
  });

  it('stops a huge output at the output limit', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await writeFile(
      join(root, 'app', 'main.jsonnet'),
      "[{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' + i }, data: { x: std.repeat('x', 1000) } } for i in std.range(1, 1500)]\n",
    );
    await refused(
      input(root, 'app', {}, { maxOutputBytes: 1024 * 1024 }),
      'RENDER_FAILED',
      /produced \d+ bytes, more than the limit of 1048576 bytes/,
    );
  });
});

/** A local HTTP server that records every connection and request it gets (a TLS attempt is a connection). */
async function captureServer(
  t: TestContext,
): Promise<{ url: string; port: number; connections: () => number; requests: string[] }> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.end(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\ndata: {token: ${CANARY}}\n`);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${String(port)}`, port, connections: () => connections, requests };
}

describe('security: kustomize renders are confined to the checkout', () => {
  async function kustomization(root: string, text: string): Promise<void> {
    await writeFile(join(root, 'overlays', 'dev', 'kustomization.yaml'), text);
  }

  it('fetches no URL: http and https resources are refused and the server sees no connection', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    const server = await captureServer(t);
    // A live server proves the assertions below could fail: it answers a request made from here.
    assert.match(await (await fetch(`${server.url}/probe`)).text(), /fetched/);
    assert.deepEqual(server.requests, ['/probe']);
    const before = server.connections();
    const entries = [
      `${server.url}/cm.yaml`,
      `${server.url}/base?ref=main`,
      `https://127.0.0.1:${String(server.port)}/cm.yaml`,
      `https://localhost:${String(server.port)}/org/repo//base`,
    ];
    for (const entry of entries) {
      await kustomization(root, `resources:\n  - ../../base\n  - ${entry}\n`);
      await refused(
        input(root, 'overlays/dev', {}),
        'UNSAFE_INPUT',
        /refers to the remote "https?:\/\/(127\.0\.0\.1|localhost):\d+\/.*": remote bases are not allowed/,
        /overlays\/dev/,
      );
    }
    assert.equal(server.connections(), before, 'no render connected to the server');
    assert.deepEqual(server.requests, ['/probe']);
  });

  it('runs no git: scp-like and github.com remote bases are refused', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    for (const entry of ['github.com:org/repo//path', 'git@github.com:org/repo.git', 'github.com/org/repo']) {
      await kustomization(root, `resources: [../../base, '${entry}']\n`);
      await refused(
        input(root, 'overlays/dev', {}),
        'UNSAFE_INPUT',
        /remote bases are not allowed/,
        /overlays\/dev/,
      );
    }
  });

  it('a local folder named like a remote is never fetched', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await mkdir(join(root, 'overlays', 'dev', 'github.com', 'org', 'repo'), { recursive: true });
    await writeFile(
      join(root, 'overlays', 'dev', 'github.com', 'org', 'repo', 'kustomization.yaml'),
      'resources: [../../../../../base]\n',
    );
    await kustomization(root, 'resources: [github.com/org/repo]\n');
    // kustomize reads such a name as a git URL; with no git to run it is refused, never cloned.
    await refused(input(root, 'overlays/dev', {}), 'UNSAFE_INPUT', /remote bases are not allowed/);
  });

  it('whatever key spelling or YAML merge names a folder outside, it is not read', async (t) => {
    const { root, outside } = await checkout(t, 'kustomize');
    await writeFile(join(outside, 'kustomization.yaml'), 'resources: [secret.yaml]\n');
    for (const text of [
      'Resources: [../../../outside]\n',
      '<<: {resources: [../../../outside]}\n',
      'bases: [../../../outside]\n',
      'components: [../../../outside]\n',
    ]) {
      await kustomization(root, text);
      await refused(
        input(root, 'overlays/dev', {}),
        'UNSAFE_INPUT',
        /"\.\.\/outside" leads outside the checkout/,
      );
    }
    // Two spellings at once: kustomize takes one; the outside folder is still never read.
    await kustomization(root, 'resources: [../../base]\nRESOURCES: [../../../outside]\n');
    await renderedClean(input(root, 'overlays/dev', {})).catch((error: unknown) => {
      assert.ok(error instanceof MooringError);
      assert.ok(!error.message.includes(CANARY));
    });
  });

  it('refuses symlinks that lead outside: a file to /etc/passwd and a folder', async (t) => {
    const { root, outside } = await checkout(t, 'kustomize');
    await symlink('/etc/passwd', join(root, 'overlays', 'dev', 'passwd.yaml'));
    await symlink(outside, join(root, 'overlays', 'dev', 'linked'));
    await kustomization(root, 'resources: [passwd.yaml]\n');
    await refused(
      input(root, 'overlays/dev', {}),
      'UNSAFE_INPUT',
      /"overlays\/dev\/passwd\.yaml" leads outside the checkout \(through '\.\.' or a symlink\)/,
    );
    await kustomization(root, 'resources: [linked]\n');
    await refused(input(root, 'overlays/dev', {}), 'UNSAFE_INPUT', /"overlays\/dev\/linked" leads outside/);
  });

  it('refuses generator files outside: "..", absolute and through a symlink', async (t) => {
    const { root, outside } = await checkout(t, 'kustomize');
    await symlink(join(outside, 'secret.yaml'), join(root, 'overlays', 'dev', 'linked.yaml'));
    for (const file of ['../../../outside/secret.yaml', 'linked.yaml', join(outside, 'secret.yaml')]) {
      await kustomization(root, `configMapGenerator:\n  - name: stolen\n    files: ['${file}']\n`);
      await refused(input(root, 'overlays/dev', {}), 'UNSAFE_INPUT', /outside the checkout|absolute/);
    }
    await kustomization(
      root,
      `secretGenerator:\n  - name: stolen\n    envs: ['../../../outside/secret.yaml']\n`,
    );
    await refused(input(root, 'overlays/dev', {}), 'UNSAFE_INPUT', /leads outside the checkout/);
  });

  it('refuses helmCharts: kustomize inflates no chart', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await kustomization(root, 'helmCharts:\n  - name: web\n    repo: https://charts.example.com\n');
    await refused(
      input(root, 'overlays/dev', {}),
      'UNSAFE_INPUT',
      /inflates Helm charts \(helmCharts\)/,
      /overlays\/dev/,
    );
  });

  it('refuses allowRemoteBases as not supported yet', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await refused(
      input(root, 'overlays/dev', { kustomize: { allowRemoteBases: true } }),
      'INVALID_ARGUMENT',
      /allowRemoteBases is not supported yet/,
    );
  });

  it('stops at the files-read and bytes-read limits with a clear error', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await refused(
      input(root, 'overlays/dev', {}, { maxFiles: 2 }),
      'RENDER_FAILED',
      /more than the limit of 2 files/,
    );
    await writeFile(join(root, 'base', 'big.yaml'), `# ${'x'.repeat(4096)}\n`);
    await writeFile(join(root, 'base', 'kustomization.yaml'), 'resources: [deployment.yaml, big.yaml]\n');
    await refused(
      input(root, 'overlays/dev', {}, { maxReadBytes: 2048 }),
      'RENDER_FAILED',
      /more than the limit of 2048 bytes of files/,
    );
  });
});
