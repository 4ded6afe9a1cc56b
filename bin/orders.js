#!/usr/bin/env node
// The `orders` command. Three choices made here:
//
// 1. The Node that runs it. The project needs Node 24 (zstd in node:zlib). A production host brings
//    its own (`npm ci --omit=dev`, a node:24 image); a development install pins it through the `node`
//    npm package (a development dependency), since a shell's `node` may be older (the machine's
//    Node 20, which npm itself runs on). Then this script runs itself again on the pinned Node,
//    once, passing signals on.
// 2. Compiled or source. The quick verbs (batches, replay, backfill, dlq, report, help) run from
//    dist/ (src/ compiled by `npm run build`, which `npm ci` runs) when it is newer than every
//    file in src/: no TypeScript compiler in the loop. The long-running verbs (start, worker,
//    bridge, dashboard, simulate) and `stack` run from src/ through tsx: they open files next to
//    their own source (the workflow code for the worker's bundle, the simulator's worker thread,
//    the dashboard's page), and their start-up is seconds of connecting anyway.
// 3. The worker's and the bridge's V8 flags. The worker's heap cap (WORKER_HEAP_MB) and both
//    processes' young generation (V8_SEMI_SPACE_MB, src/workers/heap-cap.ts) can only be set when
//    a process starts, so `orders worker` and `orders bridge` run themselves once more with them, like (1).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const REQUIRED_NODE_MAJOR = 24;
const PINNED_NODE = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');
const QUICK_VERBS = new Set(['batches', 'replay', 'backfill', 'dlq', 'report', 'help']);

const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_NODE_MAJOR) {
  if (!existsSync(PINNED_NODE)) {
    console.error(`orders: needs Node ${REQUIRED_NODE_MAJOR} (this is ${process.version}): run it on Node ${REQUIRED_NODE_MAJOR}, or run \`npm ci\` in ${ROOT} with the development dependencies to install the pinned one`);
    process.exit(1);
  }
  await runOnNode(PINNED_NODE, []);
} else {
  const entry = await entryPoint();
  // 3. V8 flags (WORKER_HEAP_MB, V8_SEMI_SPACE_MB) and glibc's MALLOC_ARENA_MAX are fixed at start: run again with them.
  const start = await startSettingsOfVerb();
  if (start.flags.length > 0 || Object.keys(start.env).length > 0) await runOnNode(process.execPath, start.flags, start.env);
  else await import(pathToFileURL(entry).href);
}

function verb() {
  return process.argv.slice(2).find((arg) => !arg.startsWith('-'));
}

/** The flags and environment src/workers/heap-cap.ts asks for this verb (none when already given, or for a quick verb). Runs after entryPoint() registered tsx. */
async function startSettingsOfVerb() {
  if (verb() !== 'worker' && verb() !== 'bridge') return { flags: [], env: {} };
  const { startSettingsFor } = await import(pathToFileURL(path.join(ROOT, 'src', 'workers', 'heap-cap.ts')).href);
  return startSettingsFor(verb(), process.env, process.execArgv);
}

async function entryPoint() {
  const compiled = path.join(ROOT, 'dist', 'cli', 'main.js');
  if ((verb() === undefined || QUICK_VERBS.has(verb())) && isFresh(compiled)) return compiled;
  // Imported only here: the compiled path never loads the TypeScript loader.
  const { register } = await import('tsx/esm/api');
  register();
  return path.join(ROOT, 'src', 'cli', 'main.ts');
}

/** dist/ is usable when it was built after the last change to any file in src/. */
function isFresh(compiled) {
  if (!existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newer(full) : statSync(full).mtimeMs > built;
    });
  return !newer(path.join(ROOT, 'src'));
}

/**
 * Runs this same script on `node` with `flags` added and exits as it does. The child shares the
 * terminal's process group, so Ctrl-C reaches it directly: here SIGINT is only waited out, never
 * passed on (that would be a second signal, which the child takes as "exit at once"). SIGTERM,
 * sent to this pid only, is passed on.
 */
function runOnNode(node, flags, env = {}) {
  const child = spawn(node, [...process.execArgv, ...flags, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...env } });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise(() => {
    child.once('exit', (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
}
