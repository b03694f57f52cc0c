// The eager engine at Gemma 3 270M shapes (random weights): prefill of 128 tokens and one
// decode step at positions 16 and 1,000, on wasm with 1 thread and with every core (each
// thread count in its own process: wasm threads are fixed when the backend starts), the
// speed-up, and the decode step against the figures issue 14 started from. Other backends:
// webgpu/webgl need Deno or a browser (tests/deno-webgpu, tests/browser/gpu-backends) and cpu
// is ~25× slower than wasm at these shapes, so they are not timed here.
// Prints figures; asserts nothing. `node bench/eager-worker.mjs 1 --profile` breaks a
// decode step down by kernel.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

// Issue 14's measurements before this work (same shapes, a quiet 2-vCPU machine).
const BEFORE = {
  1: { prefill128: 2603, prefill128Last: 1264, decode16: 315, decode1000: 319 },
  2: { prefill128: 1421, prefill128Last: 741, decode16: 200, decode1000: 205 }, // 2 threads through a test shim
};

// Kernels per decode step in issue 14's profile of the 315 ms step (2,289 before the
// cache-value layout and kernel cuts of the second round).
const KERNELS_BEFORE = 2476;

const worker = fileURLToPath(new URL('./eager-worker.mjs', import.meta.url));
const run = (threads) => JSON.parse(execFileSync(process.execPath, [worker, String(threads)], { encoding: 'utf8', env: { ...process.env, PENJING_WASM_THREADS: '' } }).trim().split('\n').pop());

const ms = (t) => `${t.toFixed(0)} ms`;

export default async function bench() {
  const all = Math.min(8, availableParallelism());
  const counts = all > 1 ? [1, all] : [1];
  const results = counts.map(run);
  for (const r of results) {
    const tag = `[${r.backend}, ${r.threads} thread${r.threads > 1 ? 's' : ''}]`;
    const before = BEFORE[r.threads];
    const vs = (now, then) => (then ? ` (issue 14: ${ms(then)}; now ${(now / then).toFixed(2)}×)` : '');
    console.log(`${tag} prefill 128 tokens, all logits: ${ms(r.prefill128)}${vs(r.prefill128, before?.prefill128)}`);
    console.log(`${tag} prefill 128 tokens, last token's logits: ${ms(r.prefill128Last)}${vs(r.prefill128Last, before?.prefill128Last)}`);
    console.log(`${tag} decode step at position 16: ${ms(r.decode16)}${vs(r.decode16, before?.decode16)}; target ≤ 0.4× at 1 thread`);
    console.log(`${tag} one token's vocabulary product (1×640 · 262,144×640ᵀ), with / without the cached [embedding, vocabulary] layout, interleaved: ${ms(r.vocabProductOn)} / ${ms(r.vocabProductOff)} (${(r.vocabProductOff / r.vocabProductOn).toFixed(2)}× faster)`);
    console.log(`${tag} decode step at position 1000: ${ms(r.decode1000)}${vs(r.decode1000, before?.decode1000)}; position 1000 / 16: ${(r.decode1000 / r.decode16).toFixed(2)}`);
    console.log(`${tag} kernels per decode step: ${r.decodeKernels} (issue 14: ${KERNELS_BEFORE})`);
  }
  if (results.length > 1) {
    const [one, many] = results;
    const n = many.threads;
    console.log(
      `[wasm] speed-up of ${n} threads over 1: prefill 128 ${(one.prefill128 / many.prefill128).toFixed(2)}×, ` +
        `last-token prefill ${(one.prefill128Last / many.prefill128Last).toFixed(2)}×, decode at 16 ${(one.decode16 / many.decode16).toFixed(2)}×, ` +
        `at 1000 ${(one.decode1000 / many.decode1000).toFixed(2)}×`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
