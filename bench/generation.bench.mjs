// Decoding cost with a KV cache on a Gemma 3 270M-shaped model (random weights, the full
// 262,144-row vocabulary): the time of one decoding step at positions 16 and 1,000 and their
// ratio (a step should cost the same wherever it is: attention reads every cache slot either
// way, and nothing else depends on the prefix), prefill throughput, decode tokens/s of the
// whole loop (sampling included), the same steps without the vocabulary projection (a model
// with a 4,096-row vocabulary), and window-only caches for the local layers. Prints figures;
// asserts nothing.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { KVCache, KVCacheEntry, generate, initCache, toCachingModel } from '@penjing/transformer';

const CACHE_LENGTH = 1024;
// Steps timed per measurement; the fastest is reported (the least disturbed by other processes).
const STEPS = 8;

const ms = (t) => `${t.toFixed(1)} ms`;
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function ids(n, seed, vocab) {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31), 3 + (s % (vocab - 3))));
}

function row(values) {
  return nx.wrap(tf.tensor2d([values], [1, values.length], 'int32'), 'batch', 'seq');
}

/** Runs `n` prompt tokens through the model in chunks of 128; returns the cache and the time taken. */
function prefill(lm, n, vocab) {
  let cache = initCache(lm, { batchSize: 1, cacheLength: CACHE_LENGTH });
  const prompt = ids(n, n, vocab);
  const start = performance.now();
  for (let i = 0; i < n; i += 128) {
    const t = row(prompt.slice(i, i + 128));
    const out = lm.step(t, cache, { returnLastOnly: true });
    out.logits.data.dataSync();
    t.dispose();
    out.logits.dispose();
    cache.dispose();
    cache = out.cache;
  }
  return { cache, ms: performance.now() - start };
}

/**
 * A cache in the state `n` written tokens leave it in (positions 0…n−1; a window-only entry
 * holds the last W of them), with zero keys: a step's cost does not depend on the values.
 */
export function cacheAt(lm, n, slidingWindowCache) {
  const empty = initCache(lm, { batchSize: 1, cacheLength: CACHE_LENGTH, slidingWindowCache });
  const positions = (length, from) => nx.wrap(tf.tensor2d([Array.from({ length }, (_, i) => (from + i < n ? from + i : -1))], [1, length], 'int32'), 'batch', 'kv_seq');
  const layers = empty.layers.map((e) => (e.windowed ? new KVCacheEntry({ keys: e.keys, values: e.values, kvTokenPositions: positions(e.length, Math.max(0, n - e.length)) }) : e));
  empty.kvTokenPositions.dispose();
  empty.layers.forEach((e) => e.kvTokenPositions?.dispose());
  return new KVCache({ endIndex: n, kvTokenPositions: positions(CACHE_LENGTH, 0), layers });
}

/**
 * Fastest of `STEPS` one-token steps from each cache (after two warm-up steps each), the
 * caches taking turns so that all see the same machine load; disposes the caches.
 */
function stepTimes(lm, caches) {
  const times = caches.map(() => []);
  const current = [...caches];
  for (let s = 0; s < STEPS + 2; s++) {
    current.forEach((cache, i) => {
      const t = row([5 + s]);
      const start = performance.now();
      const out = lm.step(t, cache, { returnLastOnly: true });
      // Reading the next token back waits for the step to finish, as a decoding loop does.
      const next = tf.argMax(out.logits.data, -1);
      next.dataSync();
      if (s >= 2) times[i].push(performance.now() - start);
      for (const x of [t, next, out.logits]) x.dispose();
      cache.dispose();
      current[i] = out.cache;
    });
  }
  const result = current.map((cache, i) => ({ step: Math.min(...times[i]), bytes: cache.bytes }));
  current.forEach((c) => c.dispose());
  return result;
}

export default async function bench() {
  await nx.ready();
  const config = gemmaPreset('gemma3_270m');
  const t0 = performance.now();
  const model = GemmaTransformer.fromConfig(config, { seed: 0 });
  const lm = toCachingModel(model);
  console.log(
    `gemma3_270m shape: ${config.numLayers} layers (${config.attentionTypes.filter((t) => t === 'local').length} local, window ${config.slidingWindowSize}), ` +
      `D ${config.embedDim}, vocabulary ${config.vocabSize}; random init ${ms(performance.now() - t0)}; backend ${nx.backendName()}; cache length ${CACHE_LENGTH}`,
  );
  const p16 = prefill(lm, 16, config.vocabSize);
  const p1000 = prefill(lm, 1000, config.vocabSize);
  for (const [n, p] of [[16, p16], [1000, p1000]]) console.log(`prefill ${n} tokens: ${ms(p.ms)} (${((n * 1000) / p.ms).toFixed(1)} tokens/s)`);
  const [at16, at1000, windowed] = stepTimes(lm, [p16.cache, p1000.cache, cacheAt(lm, 1000, 'window')]);
  console.log(`decode step at position 16: ${ms(at16.step)} (${(1000 / at16.step).toFixed(2)} tokens/s); at position 1000: ${ms(at1000.step)} (${(1000 / at1000.step).toFixed(2)} tokens/s)`);
  console.log(`decode step, position 1000 / position 16: ${(at1000.step / at16.step).toFixed(2)} (target < 1.5)`);
  const full = initCache(lm, { batchSize: 1, cacheLength: CACHE_LENGTH });
  console.log(
    `window-only local caches: decode step at position 1000 ${ms(windowed.step)}; cache ${mb(windowed.bytes)} instead of ${mb(full.bytes)} ` +
      `(${(100 * (1 - windowed.bytes / full.bytes)).toFixed(0)}% less at ${CACHE_LENGTH} slots; the saving grows as 1 − window/cacheLength per local layer)`,
  );
  full.dispose();
  let rate = 0;
  const prompt = ids(16, 3, config.vocabSize);
  await generate(lm, prompt, { maxNewTokens: 24, temperature: 1, topK: 64, topP: 0.95, seed: 0, stopIds: [], onProgress: (p) => (rate = p.tokensPerSecond) });
  console.log(`generate() with top-k 64, top-p 0.95 (16-token prompt, 24 new tokens): ${rate.toFixed(2)} decode tokens/s`);

  const small = GemmaTransformer.fromConfig({ ...config, vocabSize: 4096 }, { seed: 0 });
  const smallLm = toCachingModel(small);
  const [b16, b1000] = stepTimes(smallLm, [cacheAt(smallLm, 16, 'full'), cacheAt(smallLm, 1000, 'full')]);
  console.log(
    `same layers, 4,096-row vocabulary: decode step ${ms(b16.step)} at position 16, ${ms(b1000.step)} at 1000 (ratio ${(b1000.step / b16.step).toFixed(2)}); ` +
      `so the 262,144-row vocabulary projection takes about ${ms(at1000.step - b1000.step)} of a step`,
  );
}
