// One thread count of the eager benchmark (bench/eager.bench.mjs runs it in a child process
// per thread count: wasm threads are fixed when the backend starts). Gemma 3 270M shapes,
// random weights: prefill of 128 tokens (all logits, and last token only) and one decode
// step at positions 16 and 1,000 of a 1,024-slot cache. Prints one JSON line.
// Usage: node bench/eager-worker.mjs <threads> [--profile]
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, KVCache, KVCacheEntry, gemmaPreset, initCache, toCachingModel } from '@penjing/gemma';
import { EmbeddingTable, select } from '@penjing/layers';

const threads = Number(process.argv[2] ?? 1);
const profile = process.argv.includes('--profile');
const CACHE_LENGTH = 1024;
const REPEATS = 5;

const backend = await nx.ready({ threads });
const config = gemmaPreset('gemma3_270m');
const model = GemmaTransformer.fromConfig(config, { seed: 0 });
const lm = toCachingModel(model);
const V = config.vocabSize;

const ids = (n, seed) => {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31), 3 + (s % (V - 3))));
};
const row = (values, axis = 'seq') => nx.wrap(tf.tensor2d([values], [1, values.length], 'int32'), 'batch', axis);
const best = (f) => {
  f();
  let t = Infinity;
  for (let i = 0; i < REPEATS; i++) t = Math.min(t, f());
  return t;
};

function prefillMs(lastOnly) {
  const tokens = row(ids(128, 7));
  return () => {
    const start = performance.now();
    const logits = model.call(tokens, { returnLastOnly: lastOnly });
    logits.data.dataSync();
    const ms = performance.now() - start;
    logits.dispose();
    return ms;
  };
}

/** A cache holding positions 0…n−1 (zero keys: a step's cost does not depend on them). */
function cacheAt(n) {
  const empty = initCache(lm, { batchSize: 1, cacheLength: CACHE_LENGTH });
  const positions = (length, from) =>
    nx.wrap(tf.tensor2d([Array.from({ length }, (_, i) => (from + i < n ? from + i : -1))], [1, length], 'int32'), 'batch', 'kv_seq');
  const layers = empty.layers.map((e) => (e.windowed ? new KVCacheEntry({ keys: e.keys, values: e.values, kvTokenPositions: positions(e.length, Math.max(0, n - e.length)) }) : e));
  empty.kvTokenPositions.dispose();
  return new KVCache({ endIndex: n, kvTokenPositions: positions(CACHE_LENGTH, 0), layers });
}

function decodeMs(n) {
  let cache = cacheAt(n);
  let token = 5;
  return () => {
    const t = row([token++]);
    const start = performance.now();
    // The loop owns its cache, as generate()'s does, so it donates it to the step.
    const out = lm.step(t, cache, { returnLastOnly: true, donateCache: true });
    const next = tf.argMax(out.logits.data, -1);
    next.dataSync();
    const ms = performance.now() - start;
    for (const x of [t, next, out.logits]) x.dispose();
    cache.dispose();
    cache = out.cache;
    return ms;
  };
}

/** Kernels one step launches (counted by wrapping the backend's kernels for that step). */
function kernelsPerStep(step) {
  step();
  let count = 0;
  const wrapped = tf.getKernelsForBackend(tf.getBackend()).map((k) => {
    const f = k.kernelFunc;
    k.kernelFunc = (args) => (count++, f(args));
    return [k, f];
  });
  try {
    step();
  } finally {
    for (const [k, f] of wrapped) k.kernelFunc = f;
  }
  return count;
}

if (profile) {
  const step = decodeMs(16);
  for (let i = 0; i < 3; i++) step();
  const info = await tf.profile(() => { step(); });
  const byKernel = {};
  for (const k of info.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + k.kernelTimeMs;
  const counts = {};
  for (const k of info.kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
  console.log(JSON.stringify(Object.entries(counts).sort((a, b) => b[1] - a[1])));
  const times = [];
  for (let i = 0; i < 5; i++) times.push(step());
  console.log('decode16 steps ms', times.map((t) => t.toFixed(0)).join(' '));
  const top = [...info.kernels].sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, 8).map((k) => `${k.name} ${JSON.stringify(k.inputShapes)} ${k.kernelTimeMs.toFixed(1)}`);
  console.log(JSON.stringify({ top, kernels: info.kernels.length, byKernel: Object.fromEntries(Object.entries(byKernel).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, +v.toFixed(1)])) }));
} else {
  const result = {
    backend,
    threads: nx.backendThreads(),
    prefill128: best(prefillMs(false)),
    prefill128Last: best(prefillMs(true)),
    decode16: best(decodeMs(16)),
    decode1000: best(decodeMs(1000)),
  };
  // The vocabulary product of a decode step (one row times the tied table), with and
  // without the cached [embedding, vocabulary] layout, interleaved (the load drifts).
  const table = select(model).atInstancesOf(EmbeddingTable).getSequence()[0].embeddings.value;
  const h = nx.randomNormal({ batch: 1, seq: 1, embedding: config.embedDim }, { seed: 3 });
  const product = { on: Infinity, off: Infinity };
  for (let i = 0; i < REPEATS + 2; i++) {
    for (const mode of ['off', 'on']) {
      nx.setGemvLayout(mode === 'on');
      const start = performance.now();
      const logits = nx.contract(['embedding'], h, table);
      logits.data.dataSync();
      if (i > 1) product[mode] = Math.min(product[mode], performance.now() - start);
      logits.dispose();
    }
  }
  nx.setGemvLayout(true);
  result.vocabProductOn = product.on;
  result.vocabProductOff = product.off;
  result.decodeKernels = kernelsPerStep(decodeMs(16));
  console.log(JSON.stringify(result));
}
