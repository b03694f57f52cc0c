// Gemma on tfjs-backend-webgpu under Deno (run by tests/deno-webgpu.test.ts). Without a GPU,
// Deno's WebGPU runs on Mesa's lavapipe (Debian's mesa-vulkan-drivers): slow, but the same
// WGSL kernels a GPU runs. Checks: every Hugging Face fixture checkpoint against the logits
// PyTorch computed (tests/fixtures/gemma), and a patched model (attention heads knocked out)
// against the same patch on wasm, where the patch must change the logits.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer, knockOutHeads } from '@penjing/gemma';

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

const fixtures = new URL('../fixtures/gemma/', import.meta.url);
const cases = [...Deno.readDirSync(fixtures)].filter((e) => e.isDirectory).map((e) => e.name).sort();

interface Reference {
  tokens: number[][];
  shape: [number, number, number];
  logits: number[];
}

function tokens(ids: number[][]): nx.NamedArray {
  return nx.wrap(tf.tensor2d(ids.flat(), [ids.length, ids[0].length], 'int32')).tag('batch', 'seq');
}

async function logitsOf(model: GemmaTransformer, ids: number[][]): Promise<Float32Array> {
  const t = tokens(ids);
  const out = model.call(t);
  const ordered = out.unwrap('batch', 'seq', 'vocabulary');
  const data = (await ordered.data()) as Float32Array;
  tf.dispose([t.data, out.data, ordered]);
  return data;
}

Deno.test('nx.ready({ backend: "webgpu" }) gives webgpu', async () => {
  assert((await nx.ready({ backend: 'webgpu' })) === 'webgpu', `backend is ${tf.getBackend()}`);
});

for (const name of cases) {
  Deno.test(`webgpu: ${name} matches the PyTorch reference logits (1e-4 relative)`, async () => {
    await nx.ready({ backend: 'webgpu' });
    const dir = new URL(`${name}/`, fixtures).pathname;
    const ref = JSON.parse(Deno.readTextFileSync(`${dir}reference.json`)) as Reference;
    const model = await GemmaTransformer.fromPretrained(dir, { quiet: true });
    assert(tf.getBackend() === 'webgpu', `running on ${tf.getBackend()}`);
    const before = tf.memory().numTensors;
    const got = await logitsOf(model, ref.tokens);
    assert(tf.memory().numTensors === before, `forward left ${tf.memory().numTensors - before} tensors`);
    const [b, t, v] = ref.shape;
    const width = got.length / (b * t);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < b * t; i++) {
      for (let j = 0; j < v; j++) {
        const r = ref.logits[i * v + j];
        worst = Math.max(worst, Math.abs(got[i * width + j] - r));
        scale = Math.max(scale, Math.abs(r));
      }
    }
    console.log(`${name}: max|Δ|/max|ref| = ${(worst / scale).toExponential(2)}`);
    assert(worst / scale < 1e-4, `${name}: max|Δ|/max|ref| = ${worst / scale}`);
    disposeTree(model);
  });
}

Deno.test('webgpu: a patched model (heads knocked out) equals the same patch on wasm, and differs from the original', async () => {
  const dir = new URL('gemma3_text/', fixtures).pathname;
  const ref = JSON.parse(Deno.readTextFileSync(`${dir}reference.json`)) as Reference;
  const run = async (backend: string) => {
    await nx.ready({ backend });
    assert(tf.getBackend() === backend, `asked for ${backend}, running on ${tf.getBackend()}`);
    const model = await GemmaTransformer.fromPretrained(dir, { quiet: true });
    const patched = knockOutHeads(model, [{ block: 0, head: 0 }, { block: 1, head: 1 }]);
    const result = { original: await logitsOf(model, ref.tokens), patched: await logitsOf(patched, ref.tokens) };
    assert(tf.getBackend() === backend, `computed on ${tf.getBackend()}, not ${backend}`);
    disposeTree(model);
    return result;
  };
  const gpu = await run('webgpu');
  const cpu = await run('wasm');
  const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  const scale = cpu.patched.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert(maxAbs(cpu.patched, cpu.original) > 1e-3 * scale, 'the patch did not change the logits');
  const err = maxAbs(gpu.patched, cpu.patched) / scale;
  console.log(`first logits: webgpu ${gpu.patched.slice(0, 3).join(', ')}; wasm ${cpu.patched.slice(0, 3).join(', ')}`);
  console.log(`patched model, webgpu vs wasm: max|Δ|/max = ${err.toExponential(2)}`);
  assert(err < 1e-4, `patched model differs between webgpu and wasm: ${err}`);
});
