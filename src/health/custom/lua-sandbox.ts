/**
 * A sandboxed Lua VM (Lua 5.4 compiled to WebAssembly by wasmoon) for Argo CD health scripts. The only
 * globals a script sees are a fresh table per call: the pure parts of the base library, copies of
 * string/table/math, os.time/os.date/os.clock, a few Lua 5.1 names Argo CD's gopher-lua has (unpack,
 * table.getn, math.pow), and `obj`. No io, os.execute, require, load, dofile, debug, pcall (so the
 * instruction limit cannot be caught) or coroutines (so no code escapes the hook). Each call has an
 * instruction budget and the VM a memory cap; state does not carry over because every call gets new tables.
 */
import { LuaFactory, type LuaEngine } from 'wasmoon';

import { MooringError, errorMessage } from '../../core/errors.js';

/** Limits of one script call; the defaults fit Argo CD's built-in scripts by a wide margin. */
export interface LuaLimits {
  /** Lua VM instructions per call (a count hook, so deterministic). */
  instructions: number;
  /** Bytes the whole VM may allocate. */
  memoryBytes: number;
}

export const DEFAULT_LUA_LIMITS: LuaLimits = { instructions: 5_000_000, memoryBytes: 32 * 1024 * 1024 };

/** Runs one script with `obj` bound; returns what the script returned, or throws with Lua's error message. */
export interface LuaSandbox {
  run(script: string, chunkName: string, obj: unknown): unknown;
  close(): void;
}

const PRELUDE = String.raw`
local _load, _pcall, _sethook, _type, _pairs, _getmetatable, _collect =
  load, pcall, debug.sethook, type, pairs, getmetatable, collectgarbage
local keep = {}
for _, name in _pairs({ "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen", "rawset",
    "select", "setmetatable", "tonumber", "tostring", "type", "_VERSION" }) do
  keep[name] = _G[name]
end
local function copy(lib, names)
  local out = {}
  for k, v in _pairs(lib) do
    if names == nil or names[k] then out[k] = v end
  end
  return out
end
local libs = { string = string, table = table, math = math, utf8 = utf8 }
local osSafe = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime }
local function freshEnv(obj)
  local env = {}
  for k, v in _pairs(keep) do env[k] = v end
  for name, lib in _pairs(libs) do env[name] = copy(lib) end
  env.os = copy(osSafe)
  env.getmetatable = function(value)
    if _type(value) == "string" then return nil end
    return _getmetatable(value)
  end
  -- Lua 5.1 names that Argo CD's gopher-lua offers and scripts written for it use.
  env.unpack = table.unpack
  env.table.getn = function(t) return #t end
  env.math.pow = function(x, y) return x ^ y end
  env.string.gfind = string.gmatch
  env._G = env
  env.obj = obj
  return env
end
function __mooring_run(source, chunkName, obj, instructions)
  local chunk, syntaxError = _load(source, "=" .. chunkName, "t", freshEnv(obj))
  if chunk == nil then return { ok = false, result = syntaxError } end
  _sethook(function() error("instruction limit exceeded (" .. instructions .. " Lua instructions)", 0) end, "", instructions)
  local ok, result = _pcall(chunk)
  _sethook()
  _collect("collect")
  return { ok = ok, result = result }
end
for _, name in _pairs({ "io", "os", "debug", "package", "require", "dofile", "loadfile", "load", "loadstring",
    "pcall", "xpcall", "coroutine", "collectgarbage", "print" }) do
  _G[name] = nil
end
string.dump = nil
`;

let factory: LuaFactory | undefined;

/** Starts a VM (the WebAssembly module loads once per process, about 40 ms per VM after that). */
export async function createLuaSandbox(limits: LuaLimits = DEFAULT_LUA_LIMITS): Promise<LuaSandbox> {
  factory ??= new LuaFactory();
  const engine: LuaEngine = await factory.createEngine({
    openStandardLibs: true,
    injectObjects: false,
    enableProxy: false,
    traceAllocations: true,
  });
  engine.doStringSync(PRELUDE);
  engine.global.setMemoryMax(limits.memoryBytes);
  const run = engine.global.get('__mooring_run') as (
    source: string,
    chunkName: string,
    obj: unknown,
    instructions: number,
  ) => unknown;
  return {
    run(script, chunkName, obj) {
      let returned: unknown;
      try {
        returned = run(script, chunkName, withoutNulls(obj), limits.instructions);
      } catch (error) {
        throw new MooringError('INVALID_ARGUMENT', `Lua script ${chunkName} failed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      // wasmoon hands back only the first value of a call, so __mooring_run returns one table.
      const { ok, result } = (returned ?? {}) as { ok?: unknown; result?: unknown };
      if (ok !== true)
        throw new MooringError('INVALID_ARGUMENT', `Lua script ${chunkName} failed: ${String(result)}`);
      return result;
    },
    close() {
      engine.global.close();
    },
  };
}

/** JSON nulls become absent fields, as gopher-lua turns them into nil (wasmoon cannot push null). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = withoutNulls(item);
  return out;
}
