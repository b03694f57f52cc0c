// @penjing/jit under Deno: the tiny Gemma compiled through onnxruntime-node (its native addon
// loads under Deno's Node compatibility) gives the eager logits. Run by tests/deno.test.ts.
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
