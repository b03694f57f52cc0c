// @penjing/jit under Deno: the tiny Gemma compiled through onnxruntime-node (its native addon
// loads under Deno's Node compatibility) gives the eager logits; so does onnxruntime-web (wasm,
// weights from memory), the route where the addon cannot load. Run by tests/deno.test.ts.
import * as tf from '@tensorflow/tfjs';

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

function built(name: string): boolean {
  try {
    return Deno.statSync(new URL(`../../packages/${name}/dist/index.js`, import.meta.url)).isFile;
  } catch {
    return false;
  }
}

Deno.test({
  name: 'jit(model) equals the eager call under Deno (onnxruntime-node)',
  ignore: !built('jit') || !built('gemma'),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Non-literal specifiers keep these imports out of the type-checked graph (see smoke_test.ts).
    const [nx, gemma, jitPkg] = await Promise.all(['@penjing/named-array', '@penjing/gemma', '@penjing/jit'].map((s) => import(s)));
    await nx.ready();
    const config = gemma.gemmaPreset('gemma3_270m', { numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 4, numKvHeads: 2, headDim: 8, queryPreAttnScalar: 8, vocabSize: 120 });
    const model = gemma.GemmaTransformer.fromConfig(config, { seed: 1 });
    const tokens = nx.wrap(tf.tensor2d([2, 5, 7, 9, 2, 3, 4, 0], [2, 4], 'int32')).tag('batch', 'seq');
    const fast = jitPkg.jit(model);
    const got = (await fast.call(tokens)).unwrap('batch', 'seq', 'vocabulary').dataSync();
    const want = model.call(tokens).unwrap('batch', 'seq', 'vocabulary').dataSync();
    await fast.dispose();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    assert(got.length === want.length && worst < 1e-5, `jit differs from eager by ${worst}`);
  },
});

Deno.test({
  name: 'jit(model) on onnxruntime-web (wasm) under Deno: logits and greedy tokens equal eager',
  ignore: !built('jit') || !built('gemma') || !built('transformer'),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [nx, gemma, jitPkg, transformer, ort] = await Promise.all(
      ['@penjing/named-array', '@penjing/gemma', '@penjing/jit', '@penjing/transformer', 'onnxruntime-web'].map((s) => import(s)),
    );
    await nx.ready();
    ort.env.wasm.numThreads = 1;
    jitPkg.useOnnxRuntime(ort);
    const model = await gemma.GemmaTransformer.fromPretrained(new URL('../../examples/tiny-gemma', import.meta.url).pathname, { progress: false });
    const tokens = nx.wrap(tf.tensor2d([2, 10, 20, 30, 40, 10, 20, 30], [1, 8], 'int32')).tag('batch', 'seq');
    const fast = jitPkg.jit(model, { onCompile: () => {} });
    const got = (await fast.call(tokens)).unwrap('batch', 'seq', 'vocabulary').dataSync();
    const want = model.call(tokens).unwrap('batch', 'seq', 'vocabulary').dataSync();
    assert(fast.reports[0].provider === 'wasm', `ran on ${fast.reports[0].provider}`);
    await fast.dispose();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    assert(got.length === want.length && worst < 1e-5, `jit on onnxruntime-web differs from eager by ${worst}`);
    const prompts = [[2, 10, 20, 30, 40, 10], [2, 11]];
    const eager = await transformer.generate(model, prompts, { maxNewTokens: 5, stopIds: [] });
    const compiled = await transformer.generate(model, prompts, { maxNewTokens: 5, stopIds: [], jit: true });
    await jitPkg.releaseCompiledGeneration(model);
    const [e, c] = [JSON.stringify(eager.map((r: { tokens: number[] }) => r.tokens)), JSON.stringify(compiled.map((r: { tokens: number[] }) => r.tokens))];
    assert(e === c, `jit generation ${c} differs from eager ${e}`);
  },
});
