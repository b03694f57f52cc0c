// One engine of the jit bench in its own process, so its peak RSS is its own: Penjing eager
// (tfjs-wasm), Penjing-jit, ONNX Runtime running the torch export, or the 1B lazy-weights row.
// The parent (bench/jit.bench.mjs) sends tasks one at a time, taking turns between engines;
// each reply carries times measured here. Started as
//   node bench/jit/engine.mjs <eager|jit|ort|jit-1b> '<json settings>'
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const [engineName, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson);
const THREADS = settings.threads ?? availableParallelism();

/** Deterministic token ids in [3, vocab): no pad (0), eos (1) or bos (2) in the middle of a prompt. */
function promptIds(n, seed, vocab) {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31), 3 + (s % (vocab - 3))));
}

const reply = (m) => new Promise((resolve) => process.send(m, resolve));
const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

/**
 * Proportional set size (Linux): resident memory with pages shared between mappings counted
 * once. RSS counts a file mapped by several ONNX Runtime sessions (jit's weights file) once
 * per session; PSS counts it once. Sampled after every task (the largest is reported), so
 * peaks inside a task are missed; undefined where /proc is absent.
 */
let maxPss;
function samplePss() {
  try {
    const kb = Number(/^Pss:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1]);
    if (Number.isFinite(kb)) maxPss = Math.max(maxPss ?? 0, kb * 1024);
  } catch {
    // no /proc (not Linux): PSS stays unreported
  }
  return maxPss;
}

/** Penjing's modules, loaded only in the engines that need them. */
async function penjing() {
  const [tf, nx, gemma] = await Promise.all([import('@tensorflow/tfjs'), import('@penjing/named-array'), import('@penjing/gemma')]);
  await nx.ready();
  const tokens = (ids) => nx.wrap(tf.tensor2d([ids], [1, ids.length], 'int32')).tag('batch', 'seq');
  return { tf, nx, gemma, tokens };
}

/** `@penjing/jit`, or undefined when that package is not built here. */
async function loadJit() {
  try {
    return await import('@penjing/jit');
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('@penjing/jit')) return undefined;
    throw e;
  }
}

/** The last position's logits of a {batch: 1, [seq,] vocabulary} result, as a Float32Array. */
function lastRow(logits, V) {
  const axes = logits.names.includes('seq') ? ['batch', 'seq', 'vocabulary'] : ['batch', 'vocabulary'];
  return logits.unwrap(...axes).dataSync().slice(-V);
}

/** Per-step times (ms) of a `generate()` run, from its decode progress reports. */
function decodeStepTimes(events) {
  const decode = events.filter((p) => p.phase === 'decode');
  return decode.slice(1).map((p, i) => p.elapsedMs - decode[i].elapsedMs);
}

const engines = {
  async eager() {
    const { tf, gemma, tokens } = await penjing();
    const { cacheAt } = await import('../generation.bench.mjs');
    const model = await gemma.GemmaTransformer.fromPretrained(settings.checkpoint, { quiet: true, progress: false });
    const lm = gemma.toCachingModel(model);
    const V = model.config.vocabSize;
    return {
      prefill({ T, lastOnly, wantLogits }) {
        const t = tokens(promptIds(T, T, V));
        const start = performance.now();
        const out = model.call(t, { returnLastOnly: lastOnly });
        const ms = performance.now() - start; // the wasm backend computes synchronously
        const logits = wantLogits ? lastRow(out, V) : undefined;
        out.dispose();
        t.dispose();
        return { ms, logits };
      },
      decode({ P, steps }) {
        let cache = cacheAt(lm, P, 'full');
        const times = [];
        for (let s = 0; s < steps; s++) {
          const t = tokens([5 + s]);
          const start = performance.now();
          const out = lm.step(t, cache, { returnLastOnly: true });
          const next = tf.argMax(out.logits.data, -1);
          next.dataSync();
          times.push(performance.now() - start);
          for (const x of [t, next, out.logits]) x.dispose();
          cache.dispose();
          cache = out.cache;
        }
        cache.dispose();
        return { times };
      },
    };
  },

  async jit() {
    const jitModule = await loadJit();
    if (!jitModule) return { skipped: '@penjing/jit not built' };
    const { gemma, tokens } = await penjing();
    const model = await gemma.GemmaTransformer.fromPretrained(settings.checkpoint, { quiet: true, progress: false });
    const V = model.config.vocabSize;
    const compiles = [];
    const fast = jitModule.jit(model, { threads: THREADS, onCompile: (r) => compiles.push(r) });
    return {
      async prefill({ T, lastOnly, wantLogits }) {
        const t = tokens(promptIds(T, T, V));
        const before = compiles.length;
        const start = performance.now();
        const out = await fast.call(t, { returnLastOnly: lastOnly });
        const ms = performance.now() - start;
        const logits = wantLogits ? lastRow(out, V) : undefined;
        out.dispose();
        t.dispose();
        return { ms, logits, compileMs: compiles.slice(before).reduce((s, r) => s + (r.totalMs ?? 0), 0) || undefined };
      },
      async decode({ P, steps }) {
        const events = [];
        const start = performance.now();
        await gemma.generate(model, [promptIds(P, P, V)], {
          jit: true, maxNewTokens: steps + 1, temperature: 0, stopIds: [], cacheLength: P + steps + 1,
          onProgress: (p) => events.push({ ...p }),
        });
        return { times: decodeStepTimes(events), totalMs: performance.now() - start };
      },
      /** Frees the prefill graphs once their rows are done, as the ORT engine releases its prefill sessions. */
      async release() {
        await fast.dispose();
        return {};
      },
      async finish() {
        await fast.dispose();
      },
    };
  },

  async ort() {
    const ort = await import('onnxruntime-node');
    const { config, dir } = settings.onnx;
    const V = config.vocab;
    const sessions = new Map();
    const options = {
      intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    };
    /** Sessions are made on first use and released when the parent says their rows are done (bounding memory). */
    const session = async (name) => {
      if (!sessions.has(name)) {
        const start = performance.now();
        sessions.set(name, { s: await ort.InferenceSession.create(join(dir, `${name}.onnx`), options), createMs: performance.now() - start });
      }
      return sessions.get(name);
    };
    const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list, BigInt), [1, list.length]);
    return {
      async prefill({ T, lastOnly, wantLogits }) {
        const { s, createMs } = await session(lastOnly ? 'prefill_last' : 'prefill');
        const feeds = { input_ids: ids(promptIds(T, T, V)) };
        const start = performance.now();
        const { logits } = await s.run(feeds);
        const ms = performance.now() - start;
        return { ms, logits: wantLogits ? logits.data.slice(-V) : undefined, sessionMs: createMs };
      },
      async decode({ P, steps }) {
        const { s, createMs } = await session('decode');
        const { kv_heads: K, head_dim: H, layers: L } = config;
        // Cache contents do not change a step's cost; small deterministic values keep softmax tame.
        const cache = Float32Array.from({ length: K * P * H }, (_, i) => ((i * 7919) % 1000) / 1e4 - 0.05);
        const past = {};
        for (let l = 0; l < L; l++) for (const kv of ['key', 'value']) past[`past_${kv}_${l}`] = new ort.Tensor('float32', cache, [1, K, P, H]);
        const times = [];
        for (let step = 0; step < steps; step++) {
          const start = performance.now();
          const out = await s.run({ input_ids: ids([5 + step]), ...past });
          const logits = out.logits.data;
          let best = 0;
          for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
          times.push(performance.now() - start);
        }
        return { times, sessionMs: createMs };
      },
      async release({ names }) {
        for (const n of names) {
          const e = sessions.get(n);
          if (e) await e.s.release();
          sessions.delete(n);
        }
        return {};
      },
    };
  },

  async 'jit-1b'() {
    const { gemma } = await penjing();
    const start = performance.now();
    const model = await gemma.GemmaTransformer.fromPretrained(settings.checkpoint, { quiet: true, weights: 'lazy' });
    const loadMs = performance.now() - start;
    const jitModule = await loadJit();
    if (!jitModule) return { skipped: '@penjing/jit not built', loadMs };
    return {
      loadMs,
      async generate({ promptLength, newTokens }) {
        const events = [];
        const t0 = performance.now();
        const [result] = await gemma.generate(model, [promptIds(promptLength, 1, model.config.vocabSize)], {
          jit: true, maxNewTokens: newTokens, temperature: 0, stopIds: [], onProgress: (p) => events.push({ ...p }),
        });
        const totalMs = performance.now() - t0;
        const prefill = events.filter((p) => p.phase === 'prefill').at(-1);
        return { totalMs, prefillMs: prefill?.elapsedMs, steps: decodeStepTimes(events), tokens: result.tokens.length };
      },
    };
  },
};

const make = engines[engineName];
if (!make) throw new Error(`unknown engine ${engineName}; one of ${Object.keys(engines).join(', ')}`);
try {
  const t0 = performance.now();
  const engine = await make();
  await reply({ ready: true, skipped: engine.skipped, loadMs: engine.loadMs ?? performance.now() - t0, rss: peakRssBytes() });
  if (engine.skipped) process.exit(0);
  process.on('message', async (m) => {
    try {
      if (m.task === 'finish') {
        samplePss();
        await engine.finish?.();
        await reply({ peakRss: peakRssBytes(), peakPss: maxPss });
        process.exit(0);
      }
      const result = await engine[m.task](m);
      samplePss();
      await reply({ ...result, rss: peakRssBytes() });
    } catch (e) {
      await reply({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e}`.slice(0, 2000) });
    }
  });
} catch (e) {
  await reply({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e}`.slice(0, 2000) });
  process.exit(1);
}
