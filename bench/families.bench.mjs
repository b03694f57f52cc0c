// Prefill and decode figures (eager, tfjs) for random models of two non-Gemma families:
// GPT-2 small's shape (12 layers, 768 wide, 12 heads, 50,257-row vocabulary, learned
// positions) and Llama 3.2 1B's widths (2048 wide, 32 query / 8 kv heads × 64, MLP 8192,
// 128,256-row tied vocabulary, llama3 RoPE) with LLAMA_LAYERS of its 16 layers, as the full
// model's 1.2 B float32 parameters (~5 GiB) exceed the wasm heap. Prints figures; asserts nothing.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM, initCache, toCachingModel } from '@penjing/transformer';

const PROMPT = 128;
const DECODE = 16;
const LLAMA_LAYERS = Number(process.env.PENJING_BENCH_LLAMA_LAYERS ?? 4);

const GPT2_SMALL = { model_type: 'gpt2', vocab_size: 50257, n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024, eos_token_id: 50256 };
const LLAMA_32_1B = {
  model_type: 'llama', vocab_size: 128256, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: LLAMA_LAYERS,
  num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, rms_norm_eps: 1e-5, rope_theta: 500000, tie_word_embeddings: true,
  rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  eos_token_id: [128001, 128008, 128009],
};

const row = (values) => nx.wrap(tf.tensor2d([values], [1, values.length], 'int32'), 'batch', 'seq');
const ids = (n, vocab) => Array.from({ length: n }, (_, i) => (i * 7919 + 13) % vocab);

async function measure(name, config) {
  const t0 = performance.now();
  const model = TransformerLM.fromConfig(config, { seed: 0 });
  const buildMs = performance.now() - t0;
  const lm = toCachingModel(model);
  const vocab = config.vocab_size;
  // Warm-up: one short prefill and step compile the kernels.
  {
    const c = initCache(lm, { batchSize: 1, cacheLength: 8 });
    const t = row(ids(4, vocab));
    const o = lm.step(t, c, { returnLastOnly: true });
    o.logits.data.dataSync();
    [t, o.logits].forEach((x) => x.dispose());
    c.dispose();
    o.cache.dispose();
  }
  let cache = initCache(lm, { batchSize: 1, cacheLength: PROMPT + DECODE + 1 });
  const prompt = row(ids(PROMPT, vocab));
  const p0 = performance.now();
  const out = lm.step(prompt, cache, { returnLastOnly: true });
  let next = tf.tidy(() => tf.argMax(out.logits.unwrap('batch', 'vocabulary'), -1));
  next.dataSync();
  const prefillMs = performance.now() - p0;
  cache.dispose();
  cache = out.cache;
  out.logits.dispose();
  prompt.dispose();
  const steps = [];
  for (let s = 0; s < DECODE; s++) {
    const t = nx.wrap(tf.reshape(next, [1, 1]), 'batch', 'seq');
    const d0 = performance.now();
    const o = lm.step(t, cache, { returnLastOnly: true });
    const n = tf.tidy(() => tf.argMax(o.logits.unwrap('batch', 'vocabulary'), -1));
    n.dataSync();
    steps.push(performance.now() - d0);
    [t, next, o.logits].forEach((x) => x.dispose());
    cache.dispose();
    cache = o.cache;
    next = n;
  }
  next.dispose();
  cache.dispose();
  disposeTree(model);
  const sorted = [...steps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `${name.padEnd(34)} build ${(buildMs / 1000).toFixed(1)} s | prefill ${PROMPT} tokens ${(prefillMs / 1000).toFixed(2)} s = ${((PROMPT * 1000) / prefillMs).toFixed(1)} tok/s | ` +
      `decode median ${median.toFixed(0)} ms/token = ${(1000 / median).toFixed(2)} tok/s (fastest ${sorted[0].toFixed(0)} ms)`,
  );
}

export default async function main() {
  await nx.ready();
  console.log(`backend ${tf.getBackend()}; eager; batch 1, prompt ${PROMPT}, ${DECODE} decode steps`);
  await measure('gpt2 (GPT-2 small shape, 124M)', GPT2_SMALL);
  await measure(`llama (Llama 3.2 1B widths, ${LLAMA_LAYERS}/16 layers)`, LLAMA_32_1B);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
