/**
 * jit(model) against eager calls of the same tree: every Gemma family, padded batches,
 * returnLastOnly, patched trees, side outputs, user layers, buckets, leaks and disposal.
 * Eager tfjs is the reference; the per-kernel check in kernels.test.ts compares each ONNX
 * translation with tfjs's own kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { CollectSideOutputs, From, Layer, RewireComputationPaths, type SideInputs } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { headOutputSites, knockOutHeads, withAttentionProbes } from '@penjing/interp';
import { jit, type JittedModel } from '@penjing/jit';
import { expectClose, tinyConfig, tokens } from './helpers.js';

const opened: JittedModel<any, any>[] = [];
function compiled<I, O>(model: Layer<I, O>, options = {}): JittedModel<I, O> {
  const j = jit(model, options);
  opened.push(j);
  return j;
}

beforeAll(async () => {
  await nx.ready();
});
afterAll(async () => {
  for (const j of opened) await j.dispose();
});

describe('compiled equals eager (1e-5 relative)', () => {
  it.each(['gemma1_2b', 'gemma2_2b', 'gemma3_270m'] as const)('%s: a padded batch, all logits and returnLastOnly', async (family) => {
    const model = GemmaTransformer.fromConfig(tinyConfig(family), { seed: 3 });
    const fast = compiled(model);
    const t = tokens([[2, 5, 7, 9, 11, 13], [2, 3, 4, 0, 0, 0]]);
    expectClose(await fast.call(t), model.call(t));
    expectClose(await fast.call(t, { returnLastOnly: true }), model.call(t, { returnLastOnly: true }));
    t.dispose();
  });

  it('a length sweep shares bucketed graphs and still equals eager', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 4 });
    const fast = compiled(model);
    for (let n = 3; n <= 12; n++) {
      const t = tokens([Array.from({ length: n }, (_, i) => 2 + ((i * 37) % 110))]);
      expectClose(await fast.call(t), model.call(t));
      t.dispose();
    }
    expect(fast.compiledSignatures).toBe(1);
  });

  it('head knock-out (KnockOutAttentionHeads) and attention probes (Tell) with CollectSideOutputs', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma2_2b'), { seed: 5 });
    const probed = new CollectSideOutputs({ body: withAttentionProbes(knockOutHeads(model, [{ block: 0, head: 1 }, { block: 1, head: 3 }])) });
    const t = tokens([[2, 9, 8, 7, 6]]);
    const want = probed.call(t);
    const got = await compiled(probed).call(t);
    expectClose(got.output, want.output);
    expect(Object.keys(got.sideOutputs)).toEqual(Object.keys(want.sideOutputs));
    for (const tag of Object.keys(want.sideOutputs)) {
      expect(got.sideOutputs[tag]!.length).toBe(want.sideOutputs[tag]!.length);
      want.sideOutputs[tag]!.forEach((w, i) => expectClose(got.sideOutputs[tag]![i]!, w));
    }
  });

  it('activation patching over a worlds axis (RewireComputationPaths)', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 6 });
    const take = new NamedArray(tf.tensor2d([[0, 1], [0, 0]]), ['head_groups', 'query_heads']);
    const keep = new NamedArray(tf.tensor2d([[1, 0], [1, 1]]), ['head_groups', 'query_heads']);
    const rewire = new RewireComputationPaths({
      worldOrdering: ['clean', 'corrupted'],
      taking: { clean: new From({ source: 'clean' }), corrupted: [new From({ source: 'corrupted', weight: keep }), new From({ source: 'clean', weight: take })] },
    });
    const patched = headOutputSites(model).insertAfter(rewire);
    const t = nx.wrap(tf.tensor2d([[2, 5, 6, 7], [2, 5, 9, 7]], [2, 4], 'int32')).tag('worlds', 'seq');
    expectClose(await compiled(patched).call(t), patched.call(t));
  });

  it('a user-written layer built from named-array ops, with a side input', async () => {
    class ScaleBySide extends Layer<NamedArray, NamedArray> {
      constructor() {
        super({});
      }
      override sideInputRequests() {
        return ['scale'];
      }
      protected forward(x: NamedArray, side: SideInputs) {
        const s = side.scale as NamedArray;
        return nx.nmap((v: NamedArray, w: NamedArray) => v.mul(w).tanh())(x, s).add(x.square().mean('d' as never));
      }
    }
    const layer = new ScaleBySide();
    const x = nx.wrap(tf.randomNormal([3, 4], 0, 1, 'float32', 1)).tag('b', 'd');
    const scale = nx.wrap(tf.tensor1d([0.5, -1, 2])).tag('b');
    expectClose(await compiled(layer).call(x, { scale }), layer.call(x, { scale }));
  });
});

describe('errors', () => {
  it('a layer that reads values mid-forward names its path and the reason', async () => {
    class Peek extends Layer<NamedArray, NamedArray> {
      constructor() {
        super({});
      }
      protected forward(x: NamedArray) {
        return x.data.dataSync()[0]! > 0 ? x : x.neg();
      }
    }
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 1 });
    const bad = headOutputSites(model).insertAfter(new Peek()) as GemmaTransformer;
    const t = tokens([[2, 3, 4]]);
    await expect(compiled(bad).call(t)).rejects.toThrow(/At \.body\.body\.sublayers\[2\]\.sublayers\[0\]\.delta\.sublayers\[1\]\.attnValueToOutput\.sublayers\[1\]: .*reads tensor values during the forward pass/);
  });

  it('a kernel without a translation names itself and the layer', async () => {
    class Fft extends Layer<NamedArray, NamedArray> {
      constructor() {
        super({});
      }
      protected forward(x: NamedArray) {
        return new NamedArray(tf.real(tf.spectral.fft(tf.complex(x.data, x.data))), x.axes);
      }
    }
    const x = nx.wrap(tf.ones([2, 4])).tag('a', 'b');
    await expect(compiled(new Fft()).call(x)).rejects.toThrow(/the tfjs kernel '(Complex|FFT)' cannot be compiled/);
  });

  it('bad inputs get the eager errors before ONNX Runtime runs, also once compiled', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 1 });
    const fast = compiled(model, { buckets: false });
    const good = tokens([[2, 3, 4]]);
    await fast.call(good);
    const outOfRange = tokens([[2, 300, 4]]);
    const eagerMessage = (() => {
      try {
        model.call(outOfRange);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(eagerMessage).toMatch(/token id 300 \(element 1\) is outside the vocabulary \[0, 120\)/);
    await expect(fast.call(outOfRange)).rejects.toThrow(/token id 300 \(element 1\) is outside the vocabulary \[0, 120\)/);
    const wrongAxes = nx.wrap(tf.tensor2d([[2, 3]], [1, 2], 'int32')).tag('batch', 'tokens');
    await expect(fast.call(wrongAxes)).rejects.toThrow(/tokens must be an int32 NamedArray with a 'seq' axis/);
    await expect(fast.call(good, { returnLastOnly: 'yes' as never })).rejects.toThrow(/returnLastOnly' must be true or false/);
    expect(fast.compiledSignatures).toBe(1);
  });
});

describe('options', () => {
  it('bad options are reported at once, naming each', () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma1_2b'), { seed: 2 });
    expect(() => jit(model, { buckets: [0, 3], threads: 1.5, prepack: 'yes' as never, cache: true } as never)).toThrow(
      /jit: buckets must be 'auto', false or a list of positive integer lengths \(got \[0,3\]\); threads must be a positive integer \(got 1.5\); prepack must be true, false or 'auto' \(got "yes"\); unknown options cache/,
    );
  });
});

describe('resources', () => {
  it('leaves no tensors behind, also when a call fails; dispose releases the sessions', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma1_2b'), { seed: 2 });
    const t = tokens([[2, 5, 6]]);
    const before = tf.memory().numTensors;
    const fast = jit(model);
    const out = await fast.call(t);
    out.dispose();
    await expect(fast.call(tokens([[2, 500]]))).rejects.toThrow(/outside the vocabulary/);
    expect(tf.memory().numTensors).toBe(before + 1); // the bad call's tokens
    await fast.dispose();
    await expect(fast.call(t)).rejects.toThrow(/disposed/);
  });

  it("removes the weights folders of processes killed before they could, and only those", async () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    const dead = child.pid!; // exited: its pid names no running process (until the system reuses it)
    const folder = (owner?: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'penjing-jit-'));
      writeFileSync(join(dir, 'weights.bin'), 'x');
      if (owner !== undefined) writeFileSync(join(dir, 'owner.pid'), owner);
      return dir;
    };
    const here = hostname();
    // Kept: a running process's, an unmarked one, and one from another host (a shared /tmp).
    const [orphan, alive, unmarked, elsewhere] = [folder(`${dead}@${here}`), folder(`${process.ppid}@${here}`), folder(), folder(`${dead}@not-${here}`)];
    const fast = compiled(GemmaTransformer.fromConfig(tinyConfig('gemma1_2b'), { seed: 2 }));
    const t = tokens([[2, 5, 6]]);
    (await fast.call(t)).dispose();
    expect(existsSync(orphan)).toBe(false);
    expect([alive, unmarked, elsewhere].map((d) => existsSync(d))).toEqual([true, true, true]);
    for (const d of [alive, unmarked, elsewhere]) rmSync(d, { recursive: true });
    t.dispose();
  });

  it('outputs kept as ONNX Runtime returned them work in ops on the active backend, and free cleanly', async () => {
    const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 6 });
    const fast = compiled(model);
    const t = tokens([[2, 5, 6, 7]]);
    const want = model.call(t);
    await fast.call(t); // compiles
    const before = tf.memory().numTensors;
    const got = await fast.call(t);
    // Ops on the active backend (wasm here) read the values: a softmax over the vocabulary and a slice.
    const [a, b] = [got, want].map((x) => tf.tidy(() => x.softmax('vocabulary').index({ seq: 2 })));
    expectClose(a, b);
    tf.dispose([a!.data, b!.data]);
    expectClose(got, want);
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    want.dispose();
  });
});
