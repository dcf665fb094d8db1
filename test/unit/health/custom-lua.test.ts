/** Argo CD's own health.lua scripts and their expected answers, run in Mooring's sandboxed Lua VM. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';

import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import {
  assessHealthWith,
  createLuaSandbox,
  explainHealth,
  loadCustomHealthChecks,
  type CustomHealthChecks,
  type LuaSandbox,
} from '../../../src/health/custom/index.js';

const luaRoot = join(packageRoot(), 'test', 'fixtures', 'health-lua');

interface ArgoCase {
  healthStatus: { status: string; message?: string };
  inputPath: string;
}

/** Every `<group>/<Kind>` folder holding a health.lua. */
function argoScripts(): { group: string; kind: string; dir: string }[] {
  return readdirSync(luaRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((g) =>
      readdirSync(join(luaRoot, g.name)).map((kind) => ({
        group: g.name,
        kind,
        dir: join(luaRoot, g.name, kind),
      })),
    );
}

describe("Argo CD's built-in health.lua scripts", () => {
  const scripts = argoScripts();
  let checks: CustomHealthChecks;
  before(async () => {
    checks = await loadCustomHealthChecks({
      lua: [
        {
          origin: 'argocd-cm',
          scripts: scripts.map((s) => ({
            groupKind: `${s.group}_${s.kind}`,
            script: readFileSync(join(s.dir, 'health.lua'), 'utf8'),
          })),
        },
      ],
    });
  });
  after(() => checks.sandbox?.close());

  it('has fixtures to run', () => {
    assert.ok(scripts.length >= 2);
  });
  for (const script of scripts) {
    const { tests } = parse(readFileSync(join(script.dir, 'health_test.yaml'), 'utf8')) as {
      tests: ArgoCase[];
    };
    for (const testCase of tests) {
      it(`${script.group}/${script.kind} ${testCase.inputPath} is ${testCase.healthStatus.status}`, () => {
        const obj = parse(readFileSync(join(script.dir, testCase.inputPath), 'utf8')) as KubeObject;
        const verdict = explainHealth(checks, obj);
        assert.deepEqual(verdict.result, {
          status: testCase.healthStatus.status,
          message: testCase.healthStatus.message ?? '',
        });
        assert.equal(
          verdict.decidedBy,
          `Lua check resource.customizations.health.${script.group}_${script.kind} from argocd-cm`,
        );
      });
    }
  }
});

describe('the Lua sandbox', () => {
  let sandbox: LuaSandbox;
  before(async () => {
    sandbox = await createLuaSandbox({ instructions: 200_000, memoryBytes: 16 * 1024 * 1024 });
  });
  after(() => {
    sandbox.close();
  });
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };

  it('offers no io, os.execute, require, load, dofile, debug, pcall or coroutines', () => {
    const seen = sandbox.run(
      `return { io = type(io), execute = type(os.execute), require = type(require), load = type(load),
        loadstring = type(loadstring), dofile = type(dofile), debug = type(debug), pcall = type(pcall),
        coroutine = type(coroutine), package = type(package), getenv = type(os.getenv) }`,
      'probe',
      obj,
    );
    assert.deepEqual(seen, {
      io: 'nil',
      execute: 'nil',
      require: 'nil',
      load: 'nil',
      loadstring: 'nil',
      dofile: 'nil',
      debug: 'nil',
      pcall: 'nil',
      coroutine: 'nil',
      package: 'nil',
      getenv: 'nil',
    });
  });

  it('stops a script that runs forever at the instruction limit', () => {
    assert.throws(() => sandbox.run('while true do end', 'loop', obj), /instruction limit exceeded/);
    // The VM is still usable afterwards.
    assert.equal(sandbox.run('return obj.metadata.name', 'after-loop', obj), 'x');
  });

  it('stops a script that allocates without bound at the memory limit', () => {
    // One C call, a handful of instructions: only the memory cap can stop it.
    assert.throws(
      () => sandbox.run('return #string.rep("x", 64 * 1024 * 1024)', 'hog', obj),
      /not enough memory/,
    );
    assert.equal(sandbox.run('return obj.kind', 'after-hog', obj), 'ConfigMap');
  });

  it('keeps no state from one call to the next', () => {
    sandbox.run('leaked = "yes"; string.upper = nil; table.insert = nil', 'polluter', obj);
    assert.deepEqual(
      sandbox.run(
        'return { leaked = type(leaked), upper = string.upper("a"), insert = type(table.insert) }',
        'next',
        obj,
      ),
      { leaked: 'nil', upper: 'A', insert: 'function' },
    );
  });

  it("cannot change the string library behind the next call's back through the string metatable", () => {
    sandbox.run('local mt = getmetatable("") if mt then mt.__index.upper = nil end', 'mt', obj);
    assert.equal(sandbox.run('return ("a"):upper()', 'method', obj), 'A');
  });

  it("offers the Lua 5.1 names Argo CD's scripts use (unpack, table.getn)", () => {
    assert.equal(
      sandbox.run('local a, b = unpack({1, 2}) return a + b + table.getn({1, 2, 3})', 'compat', obj),
      6,
    );
  });

  it('reports a syntax error with the script name', () => {
    assert.throws(() => sandbox.run('hs = {', 'broken.lua', obj), /broken\.lua/);
  });

  it('sees JSON null fields as nil', () => {
    const withNull = { ...obj, metadata: { name: 'x', annotations: null } };
    assert.equal(sandbox.run('return tostring(obj.metadata.annotations == nil)', 'null', withNull), 'true');
  });
});

describe('Lua check results', () => {
  let checks: CustomHealthChecks;
  before(async () => {
    checks = await loadCustomHealthChecks({
      lua: [
        {
          origin: 'test',
          scripts: [
            {
              groupKind: 'example.com_Widget',
              script: 'return { status = obj.spec.want, message = "said so" }',
            },
            { groupKind: 'example.com_Pass', script: 'return nil' },
            {
              groupKind: '*.crossplane.io_*',
              script: 'return { status = "Degraded", message = "wildcard" }',
            },
            { groupKind: 'example.com_Broken', script: 'error("boom")' },
          ],
        },
      ],
    });
  });
  after(() => checks.sandbox?.close());
  const widget = (want: string): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec: { want },
  });

  it('takes hs.status and hs.message', () => {
    assert.deepEqual(assessHealthWith(checks, widget('Suspended')), {
      status: 'Suspended',
      message: 'said so',
    });
  });
  it('turns a status outside the contract into Unknown', () => {
    assert.equal(assessHealthWith(checks, widget('Fine')).status, 'Unknown');
  });
  it('lets the built-in rules decide when the script returns nil', () => {
    const verdict = explainHealth(checks, {
      apiVersion: 'example.com/v1',
      kind: 'Pass',
      metadata: { name: 'p' },
    });
    assert.match(verdict.decidedBy, /^built-in rules/);
  });
  it('matches group and kind wildcards', () => {
    const bucket = { apiVersion: 's3.aws.crossplane.io/v1beta1', kind: 'Bucket', metadata: { name: 'b' } };
    assert.deepEqual(assessHealthWith(checks, bucket), { status: 'Degraded', message: 'wildcard' });
  });
  it('reports a script error as Unknown with the error', () => {
    const result = assessHealthWith(checks, {
      apiVersion: 'example.com/v1',
      kind: 'Broken',
      metadata: { name: 'b' },
    });
    assert.equal(result.status, 'Unknown');
    assert.match(result.message, /boom/);
  });
});
