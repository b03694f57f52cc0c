// Penjing-jit against ONNX Runtime running a torch export of the same Gemma 3 270M-shaped random
// weights: prefill 128/512 (all logits, last token) and decode per token at prefix 16/1000,
// engines interleaved in one process, minimum of REPS runs. Prints a table; asserts nothing.
//
//   npm run build
//   node packages/jit/scripts/compare-torch-export.mjs --write-checkpoint   # /tmp/penjing-270m (f32, seed 0)
//   /usr/bin/python3 scripts/gemma_onnx_export.py /tmp/penjing-270m /tmp/penjing-270m-onnx   # (jit-bench branch)
//   REF=/tmp/penjing-270m-onnx node packages/jit/scripts/compare-torch-export.mjs
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import * as ort from 'onnxruntime-node';
import { GemmaTransformer } from '@penjing/gemma';
import { KVCache, initCache, toCachingModel } from '@penjing/transformer';
import { jit } from '@penjing/jit';
import { readFileSync } from 'node:fs';
const REF = process.env.REF ?? '/tmp/penjing-270m-onnx';
if (process.argv.includes('--write-checkpoint')) {
  await nx.ready();
  await GemmaTransformer.fromConfig('gemma3_270m', { seed: 0 }).saveSafetensors('/tmp/penjing-270m', { dtype: 'F32' });
  console.log('wrote /tmp/penjing-270m; export it with scripts/gemma_onnx_export.py');
  process.exit(0);
}
const REPS = +(process.env.REPS ?? 3);
await nx.ready();
const model = GemmaTransformer.fromConfig('gemma3_270m', { seed: 0 });
const opts = { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential' };
const ref = {};
for (const k of ['prefill', 'prefill_last', 'decode']) ref[k] = await ort.InferenceSession.create(`${REF}/${k}.onnx`, opts);
const manifest = JSON.parse(readFileSync(`${REF}/manifest.json`, 'utf8'));
const fast = jit(model, { onCompile: (r) => console.log(`compile ${(r.totalMs / 1000).toFixed(1)} s (weights ${(r.weightsMs / 1000).toFixed(1)}, session ${(r.sessionMs / 1000).toFixed(1)})`) });
const ids = (n) => Array.from({ length: n }, (_, i) => 2 + ((i * 7919) % 260000));
const min = (a) => Math.min(...a);
const rows = [];
for (const n of [128, 512]) {
  const tok = nx.wrap(tf.tensor2d(ids(n), [1, n], 'int32')).tag('batch', 'seq');
  const feed = { [ref.prefill.inputNames[0]]: new ort.Tensor('int64', BigInt64Array.from(ids(n).map(BigInt)), [1, n]) };
  for (const last of [false, true]) {
    let f0 = performance.now();
    (await fast.call(tok, { returnLastOnly: last })).dispose();
    const jitFirst = performance.now() - f0;
    const r = last ? ref.prefill_last : ref.prefill;
    f0 = performance.now();
    await r.run(feed);
    console.log(`first calls: jit ${(jitFirst / 1000).toFixed(1)} s (incl. compile), ort ${((performance.now() - f0) / 1000).toFixed(1)} s`);
    const tj = [], tr = [];
    for (let i = 0; i < REPS; i++) {
      let t0 = performance.now(); (await fast.call(tok, { returnLastOnly: last })).dispose(); tj.push(performance.now() - t0);
      t0 = performance.now(); await r.run(feed); tr.push(performance.now() - t0);
    }
    rows.push({ work: `prefill ${n} ${last ? 'last' : 'all'}`, jit: min(tj), ort: min(tr) });
    console.log(JSON.stringify(rows.at(-1)));
  }
  tok.dispose();
}
const factory = globalThis[Symbol.for('penjing.jit.compiledSteps')];
const lm = toCachingModel(model);
const dn = ref.decode.inputNames;
for (const p of [16, 1000]) {
  const steps = await factory({ lm, model, batchSize: 1, promptLength: p, maxNewTokens: 40, initCache, KVCache });
  const ptok = nx.wrap(tf.tensor2d(ids(p), [1, p], 'int32')).tag('batch', 'seq');
  const pmask = nx.wrap(tf.ones([1, p], 'bool')).tag('batch', 'seq');
  (await steps.prefill(ptok, pmask)).dispose();
  const feeds = {};
  for (const name of dn) {
    if (name === dn[0]) feeds[name] = new ort.Tensor('int64', BigInt64Array.from([5n]), [1, 1]);
    else { const shape = [1, manifest.config.kv_heads, p, manifest.config.head_dim]; feeds[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b)).fill(0.01), shape); }
  }
  const tj = [], tr = [];
  for (let i = 0; i < REPS + 2; i++) {
    const t = nx.wrap(tf.tensor2d([7 + i], [1, 1], 'int32')).tag('batch', 'seq');
    const m = nx.wrap(tf.ones([1, 1], 'bool')).tag('batch', 'seq');
    let t0 = performance.now(); (await steps.decode(t, m)).dispose(); tj.push(performance.now() - t0);
    t0 = performance.now(); await ref.decode.run(feeds); tr.push(performance.now() - t0);
    t.dispose(); m.dispose();
  }
  steps.dispose();
  rows.push({ work: `decode at prefix ${p}`, jit: min(tj.slice(1)), ort: min(tr.slice(1)) });
  console.log(JSON.stringify(rows.at(-1)));
}
console.log('\n| work | Penjing-jit | ORT on torch export | ratio |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.work} | ${r.jit.toFixed(0)} ms | ${r.ort.toFixed(0)} ms | ${(r.jit / r.ort).toFixed(2)} |`);
console.log('peak-ish rss', (process.memoryUsage().rss / 2 ** 30).toFixed(2), 'GiB');
