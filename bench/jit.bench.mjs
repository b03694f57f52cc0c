// Penjing-jit against ONNX Runtime running a graph exported from torch, and against Penjing
// eager, on identical random Gemma 3 270M-shaped f32 weights (262,144-row vocabulary):
// prefill 128 and 512 tokens (all logits, last token only) and decode per token at prefixes 16
// and 1,000; the ratio Penjing-jit/ORT per row (target ≤ 1.0), jit compile time, and each
// engine's peak RSS. Then Gemma 3 1B-shaped bf16 weights (2 GB) loaded lazily: 64-token
// prefill and 8 generated tokens under jit, times and peak RSS (target ≤ 8 GB).
//
// Each engine runs in its own child process (bench/jit/engine.mjs), so peak RSS is per engine;
// the engines take turns on every row (one runs while the others wait), so all see the same
// machine load; the fastest of the rounds is reported. ORT and jit use the same thread count
// (all cores) with graph optimisations on; tfjs-wasm runs one thread (its limit in Node).
// Prints figures; asserts nothing. Missing pieces (the torch export, @penjing/jit) are
// reported with the command that provides them, and their rows are skipped.
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRandomCheckpoint } from '../scripts/random-gemma-checkpoint.mjs';
import { ortReference } from './jit/ort-reference.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const THREADS = availableParallelism();
const GB = 2 ** 30;

const PREFILL_ROWS = [
  { label: 'prefill 128, all logits', T: 128, lastOnly: false, rounds: 4 },
  { label: 'prefill 128, last only', T: 128, lastOnly: true, rounds: 4 },
  { label: 'prefill 512, all logits', T: 512, lastOnly: false, rounds: 3 },
  { label: 'prefill 512, last only', T: 512, lastOnly: true, rounds: 3 },
];
const DECODE_ROWS = [
  { label: 'decode per token, prefix 16', P: 16 },
  { label: 'decode per token, prefix 1000', P: 1000 },
];
/** Decode steps per measurement; the first two of each are warm-up. */
const DECODE_STEPS = 8;
/** Timed decode rounds per row (after one that compiles), engines taking turns. */
const DECODE_ROUNDS = 2;

/**
 * glibc settings for the engine processes: freed memory stays in the process (no mmap for
 * big blocks, no trimming). Every engine's output crosses into JavaScript as a fresh buffer
 * (onnxruntime-node 1.30 copies each output; a 512-token prefill's logits are 512 MB), and on
 * a virtual machine whose host reclaims freed guest memory (this Firecracker VM's balloon),
 * faulting fresh pages in costs ~10 µs a page at random: the same call then takes 1.5 s or
 * 2.8 s, whichever engine runs it. Reused memory is already backed, so the rows compare the
 * engines, not the host's paging. `BENCH_MALLOC=system` runs with glibc's defaults instead.
 * The 1B row, whose target is peak memory, always runs with the defaults: kept memory adds
 * to RSS (8.9 GB there instead of 7.8).
 */
const KEEP_FREED_MEMORY = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296';
function engineEnv() {
  if (process.env.BENCH_MALLOC === 'system') return process.env;
  return { ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, KEEP_FREED_MEMORY].filter(Boolean).join(':') };
}

/** A child process running one engine; `ask` sends a task and resolves with its reply. */
function startEngine(name, settings, { keepFreedMemory = true } = {}) {
  const env = keepFreedMemory ? engineEnv() : process.env;
  const child = fork(join(here, 'jit/engine.mjs'), [name, JSON.stringify(settings)], { serialization: 'advanced', stdio: 'inherit', env });
  const replies = [];
  let waiting;
  child.on('message', (m) => (waiting ? (waiting(m), (waiting = undefined)) : replies.push(m)));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const next = () => new Promise((resolve) => {
    if (replies.length) resolve(replies.shift());
    else {
      waiting = resolve;
      exited.then((code) => waiting === resolve && resolve({ error: `engine process exited (code ${code})` }));
    }
  });
  return {
    name,
    ready: next(),
    ask(task) {
      if (!child.connected) return Promise.resolve({ error: 'engine process is gone' });
      child.send(task);
      return next();
    },
    async finish() {
      const r = await this.ask({ task: 'finish' });
      if (r.error) child.kill();
      await exited;
      return r;
    },
  };
}

const fmtMs = (x) => (x === undefined ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const fmtRatio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
const pad = (s, n) => String(s).padEnd(n);

/** max |a − b| / max |b| over one row of logits. */
function relativeError(a, b) {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function startAll(checkpoint, onnx) {
  const wanted = [['eager', { checkpoint }], ['jit', { checkpoint, threads: THREADS }]];
  if (onnx) wanted.push(['ort', { onnx, threads: THREADS }]);
  const running = [];
  for (const [name, settings] of wanted) {
    // One at a time, so load times are not inflated by each other.
    const e = startEngine(name, settings);
    const r = await e.ready;
    if (r.error) console.log(`${name}: failed to start: ${r.error}`);
    else if (r.skipped) console.log(`${name} rows skipped: ${r.skipped}${name === 'jit' ? ' (build packages/jit, e.g. `npm run build`, then rerun)' : ''}`);
    else {
      console.log(`${name}: loaded in ${fmtMs(r.loadMs)} (RSS so far ${(r.rss / GB).toFixed(2)} GB)`);
      running.push(e);
    }
  }
  return running;
}

/** Runs `task` on every engine for `rounds` rounds, rotating who goes first; returns the replies per engine. */
async function interleaved(engines, task, rounds) {
  const out = new Map(engines.map((e) => [e.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < engines.length; i++) {
      const e = engines[(i + r) % engines.length];
      const reply = await e.ask({ ...task, wantLogits: r === 0 && task.wantLogits });
      if (reply.error) console.log(`  ${e.name}: ${task.label}: ${reply.error}`);
      out.get(e.name).push(reply);
    }
  }
  return out;
}

async function run270m() {
  const checkpoint = await ensureRandomCheckpoint({ shape: '270m', dtype: 'f32', log: (m) => console.log(m) });
  const ref = ortReference(checkpoint);
  console.log(`weights: ${checkpoint} (random, f32); threads: ORT and jit ${THREADS}, tfjs-wasm 1`);
  if (!ref.dir) {
    console.log('ORT rows skipped: the torch export of these weights is missing. Make it with:');
    for (const line of ref.howTo) console.log(`  ${line}`);
  } else {
    console.log(`reference: onnxruntime-node on ${ref.dir} (exported by torch ${ref.torch})`);
  }
  const engines = await startAll(checkpoint, ref.dir && { dir: ref.dir, config: ref.config });
  const rows = [];
  const sessionsShown = new Set();
  try {
    for (const row of PREFILL_ROWS) {
      const task = { task: 'prefill', label: row.label, T: row.T, lastOnly: row.lastOnly, wantLogits: row.T === 128 && row.lastOnly };
      // Round 0 is warm-up (and jit's compilation of this shape); the rest are timed.
      const replies = await interleaved(engines, task, row.rounds + 1);
      const best = (n) => {
        const timed = (replies.get(n) ?? []).slice(1).filter((r) => !r.error);
        return timed.length ? Math.min(...timed.map((r) => r.ms)) : undefined;
      };
      const first = (n) => replies.get(n)?.[0];
      rows.push({
        label: row.label, eager: best('eager'), jit: best('jit'), ort: best('ort'),
        jitFirst: first('jit')?.ms, jitCompile: first('jit')?.compileMs,
      });
      const session = first('ort')?.sessionMs;
      if (session !== undefined && !sessionsShown.has(session)) {
        sessionsShown.add(session);
        console.log(`  ORT session for ${row.lastOnly ? 'prefill_last' : 'prefill'}.onnx created in ${fmtMs(session)}`);
      }
      if (task.wantLogits) {
        const eagerLogits = first('eager')?.logits;
        for (const n of ['jit', 'ort']) {
          const l = first(n)?.logits;
          if (eagerLogits && l) console.log(`  last-token logits, ${n} vs eager: max |Δ| / max |eager| = ${relativeError(l, eagerLogits).toExponential(2)}`);
        }
      }
    }
    // Prefill graphs are freed before the decode rows, by ORT and jit alike, so peak memory is
    // the larger of the two phases for both.
    for (const e of engines.filter((x) => x.name === 'ort' || x.name === 'jit')) await e.ask({ task: 'release', names: ['prefill', 'prefill_last'] });
    for (const row of DECODE_ROWS) {
      // Round 0 compiles jit's graphs; the fastest step of the timed rounds is reported.
      const replies = await interleaved(engines, { task: 'decode', label: row.label, P: row.P, steps: DECODE_STEPS }, 1 + DECODE_ROUNDS);
      const best = (n) => {
        const steps = (replies.get(n) ?? []).slice(1).filter((r) => !r.error && r.times.length > 2).flatMap((r) => r.times.slice(2));
        return steps.length ? Math.min(...steps) : undefined;
      };
      rows.push({ label: row.label, eager: best('eager'), jit: best('jit'), ort: best('ort'), jitFirst: replies.get('jit')?.[0]?.totalMs });
      const session = replies.get('ort')?.[0]?.sessionMs;
      if (session !== undefined && !sessionsShown.has(session)) {
        sessionsShown.add(session);
        console.log(`  ORT session for decode.onnx created in ${fmtMs(session)}`);
      }
    }
  } finally {
    const peaks = {};
    for (const e of engines) peaks[e.name] = await e.finish();
    printTable(rows, peaks);
  }
}

function printTable(rows, peaks) {
  const W = [32, 11, 11, 11, 10, 10, 24];
  console.log('\n' + ['work', 'eager', 'jit', 'ORT-torch', 'jit/ORT', 'eager/ORT', 'jit first call (compile)'].map((h, i) => pad(h, W[i])).join(''));
  for (const r of rows) {
    const first = r.jitFirst === undefined ? '—' : `${fmtMs(r.jitFirst)}${r.jitCompile ? ` (${fmtMs(r.jitCompile)})` : ''}`;
    console.log([r.label, fmtMs(r.eager), fmtMs(r.jit), fmtMs(r.ort), fmtRatio(r.jit, r.ort), fmtRatio(r.eager, r.ort), first].map((c, i) => pad(c, W[i])).join(''));
  }
  console.log('target: jit/ORT ≤ 1.00 on every row');
  const gb = (b) => (b ? `${(b / GB).toFixed(2)} GB` : '?');
  console.log(`peak RSS per engine process: ${Object.entries(peaks).map(([n, p]) => `${n} ${gb(p.peakRss)}`).join(', ')}`);
  if (Object.values(peaks).some((p) => p.peakPss)) {
    // RSS counts jit's memory-mapped weights file once per compiled graph; PSS counts it once.
    console.log(`largest PSS after a task (shared pages counted once): ${Object.entries(peaks).map(([n, p]) => `${n} ${gb(p.peakPss)}`).join(', ')}`);
  }
}

async function run1b() {
  const checkpoint = await ensureRandomCheckpoint({ shape: '1b', dtype: 'bf16', log: (m) => console.log(m) });
  console.log(`\nGemma 3 1B-shaped, ${checkpoint} (random, bf16, lazy weights): 64-token prefill + 8 generated tokens under jit`);
  const e = startEngine('jit-1b', { checkpoint, threads: THREADS }, { keepFreedMemory: false });
  const ready = await e.ready;
  if (ready.error) return console.log(`  failed: ${ready.error}`);
  console.log(`  lazy load: ${fmtMs(ready.loadMs)}, RSS ${(ready.rss / GB).toFixed(2)} GB`);
  if (ready.skipped) return console.log(`  jit rows skipped: ${ready.skipped} (build packages/jit, then rerun)`);
  let peak;
  try {
    for (const run of ['first run (compiles)', 'second run']) {
      const r = await e.ask({ task: 'generate', promptLength: 64, newTokens: 8 });
      if (r.error) {
        console.log(`  ${run}: ${r.error}`);
        break;
      }
      const perToken = r.steps.length ? Math.min(...r.steps) : undefined;
      console.log(`  ${run}: total ${fmtMs(r.totalMs)}, prefill ${fmtMs(r.prefillMs)}, decode ${fmtMs(perToken)}/token, ${r.tokens} tokens`);
    }
  } finally {
    peak = await e.finish();
  }
  console.log(`  peak RSS: ${peak.peakRss ? (peak.peakRss / GB).toFixed(2) : '?'} GB (target ≤ 8 GB)${peak.peakPss ? `; largest PSS after a run ${(peak.peakPss / GB).toFixed(2)} GB` : ''}`);
}

const load = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${THREADS} cores`;

export default async function bench() {
  console.log(`start: ${load()} (figures are only comparable on a quiet machine)`);
  console.log(process.env.BENCH_MALLOC === 'system'
    ? 'engine processes: glibc malloc defaults (BENCH_MALLOC=system)'
    : `270M engine processes: GLIBC_TUNABLES=${KEEP_FREED_MEMORY} (freed memory reused; BENCH_MALLOC=system for glibc's defaults); 1B row: defaults`);
  await run270m();
  await run1b();
  console.log(`end: ${load()}`);
}
