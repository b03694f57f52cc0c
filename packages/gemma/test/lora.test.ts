import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  Linear, NamedGroup, Parameter, Sequential, disposeTree, formatTree, parameters, select, structureEquals, type Layer,
} from '@penjing/layers';
import { gemmaPreset, type GemmaConfig } from '../src/config.js';
import { GemmaTransformer } from '../src/model/gemma-transformer.js';
import { TransformerFeedForward } from '@penjing/transformer';
import { LABELS } from '../src/model/labels.js';
import { hfLayout, hfToParameterValue, parameterValueToHf } from '../src/loading/hf-layout.js';
import { openSafetensors, writeSafetensors } from '@penjing/io/node';
import {
  Einsum, LoRAEinsumAdapter, LoRAScale, LowRankAdapter, loadLoraAdapters, loraEinsumSplit, loraify, mergeLora, saveLoraAdapters,
} from '../src/peft/index.js';

const gqa: GemmaConfig = gemmaPreset('gemma3_270m', {
  numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 4, numKvHeads: 2, headDim: 4, vocabSize: 40, eosTokenIds: [1],
  slidingWindowSize: 3, attentionTypes: ['local', 'global'],
});
let model: GemmaTransformer;
let tokens: nx.NamedArray;
let dir: string;

beforeAll(async () => {
  await nx.ready();
  model = GemmaTransformer.fromConfig(gqa, { seed: 3 });
  tokens = nx.wrap(tf.tensor2d([[2, 5, 9, 13, 7, 21], [2, 30, 31, 4, 8, 11]], [2, 6], 'int32'), 'batch', 'seq');
  dir = await mkdtemp(join(tmpdir(), 'penjing-lora-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const logitsOf = (m: Layer, t = tokens) => {
  const out = m.call(t) as nx.NamedArray;
  const arr = out.unwrap('batch', 'seq', 'vocabulary').dataSync() as Float32Array;
  out.dispose();
  return Float32Array.from(arr);
};

/** Largest |a − b| relative to the largest |b|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

/** Gives every B factor seeded random values, so an adapter changes the output. */
function randomizeB<M>(m: M, seed = 1): M {
  return select(m).atInstancesOf(LowRankAdapter).apply((ad) => {
    const u = ad.branches[1];
    const subs = u.sublayers.map((l, i) => {
      if (l instanceof Linear && i === 1) {
        const w = l.weights as Parameter;
        const value = nx.randomNormal(w.value.namedShape as Record<string, number>, { seed: seed++, std: 0.3 });
        return l.replace({ weights: w.replace({ value }) });
      }
      if (l instanceof LoRAEinsumAdapter) {
        const b = l.b as Parameter;
        return l.replace({ b: b.replace({ value: nx.wrap(tf.randomNormal(b.value.positionalShape, 0, 0.3, 'float32', seed++)) }) });
      }
      return l;
    });
    return ad.replace({ branches: [ad.branches[0], u.replace({ sublayers: subs })] as never });
  }) as M;
}

describe('LoRAEinsumAdapter', () => {
  it('splits the gemma.peft einsums as documented (A: weight letters in the inputs + r; B: r + the rest)', () => {
    const cases: [string, number[], string, number[], number[]][] = [
      ['BTD,NDH->BTNH', [4, 16, 8], 'BTD,Dr,rNH->BTNH', [16, 3], [3, 4, 8]],
      ['BSD,CKDH->CBSKH', [2, 1, 16, 8], 'BSD,Dr,rCKH->CBSKH', [16, 3], [3, 2, 1, 8]],
      ['BTNH,NHD->BTD', [4, 8, 16], 'BTNH,NHr,rD->BTD', [4, 8, 3], [3, 16]],
      ['...F,NFH->...NH', [2, 16, 24], '...F,Fr,rNH->...NH', [16, 3], [3, 2, 24]],
      ['...H,HF->...F', [24, 16], '...H,Hr,rF->...F', [24, 3], [3, 16]],
      ['rd,dq->rq', [5, 6], 'rd,da,aq->rq', [5, 3], [3, 6]],
    ];
    for (const [eq, shape, adapter, aShape, bShape] of cases) {
      const s = loraEinsumSplit(eq, shape, 3);
      expect([s.adapterStr, s.aShape, s.bShape]).toEqual([adapter, aShape, bShape]);
    }
    expect(() => loraEinsumSplit('BTD,DE->BT', [4, 5], 2)).toThrow(/weight letter 'E' is in neither the inputs nor the outputs/);
  });

  it('computes x·A·B only, with Kaiming-uniform A (fan-in) and zero B by default, seeded', () => {
    const ad = LoRAEinsumAdapter.fromConfig({ name: 'q', seed: 4, rank: 2, einsumStr: 'BTD,NDH->BTNH', shape: [3, 5, 4] });
    expect([ad.rank, ad.einsumStr, ad.shape, ad.dtype, ad.a.label, ad.b.label]).toEqual([2, 'BTD,NDH->BTNH', [3, 5, 4], 'float32', 'q/lora_a.weights', 'q/lora_b.weights']);
    const a = (ad.a as Parameter).value;
    expect(a.positionalShape).toEqual([5, 2]);
    const limit = Math.sqrt(6 / 5);
    const av = Array.from(a.data.dataSync());
    expect(Math.max(...av.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...av.map(Math.abs))).toBeGreaterThan(limit / 3);
    expect(Array.from((ad.b as Parameter).value.data.dataSync()).every((v) => v === 0)).toBe(true);
    const again = LoRAEinsumAdapter.fromConfig({ name: 'q', seed: 4, rank: 2, einsumStr: 'BTD,NDH->BTNH', shape: [3, 5, 4] });
    expect(Array.from((again.a as Parameter).value.data.dataSync())).toEqual(av);

    // With a known B: out[b,t,n,h] = Σ_d Σ_r x[b,t,d]·A[d,r]·B[r,n,h], checked by loops; a named axis rides along.
    const bVals = Array.from({ length: 2 * 3 * 4 }, (_, i) => ((i * 7) % 5) - 2);
    const withB = ad.replace({ b: (ad.b as Parameter).replace({ value: nx.wrap(tf.tensor3d(bVals, [2, 3, 4])) }) });
    const xVals = Array.from({ length: 2 * 1 * 5 * 3 }, (_, i) => Math.sin(i));
    const xNamed = nx.wrap(tf.tensor4d(xVals, [2, 1, 5, 3]), 'B', 'T', 'D', 'extra').untag('B', 'T', 'D');
    const before = tf.memory().numTensors;
    const out = withB.call(xNamed);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.positionalShape).toEqual([2, 1, 3, 4]);
    expect(out.namedShape).toEqual({ extra: 3 });
    const o = out.unwrap('extra').arraySync() as number[][][][][];
    for (let e = 0; e < 3; e++)
      for (let b = 0; b < 2; b++)
        for (let n = 0; n < 3; n++)
          for (let h = 0; h < 4; h++) {
            let want = 0;
            for (let d = 0; d < 5; d++)
              for (let r = 0; r < 2; r++) want += xVals[((b * 1 + 0) * 5 + d) * 3 + e] * av[d * 2 + r] * bVals[(r * 3 + n) * 4 + h];
            expect(o[e][b][0][n][h]).toBeCloseTo(want, 4);
          }
    out.dispose();
  });
});

describe('loraify on a tiny Gemma (GQA)', () => {
  it('wraps the attention projections, freezes them, keeps the output exactly, and prints readable labels', () => {
    const before = tf.memory().numTensors;
    const lora = loraify(model, { rank: 2, alpha: 4, where: 'attention', seed: 0 });
    const adapters = select(lora).atInstancesOf(LowRankAdapter).getSequence();
    expect(adapters.length).toBe(4 * gqa.numLayers);
    expect(tf.memory().numTensors).toBe(before + 2 * adapters.length); // A and B only
    const ad = adapters[0];
    expect(ad.name).toMatch(/^LoRA:\.body\.body\.sublayers\[2\]\..*inputToQuery\.sublayers\[0\]$/);
    expect(ad.branches.map((b) => b.name)).toEqual(['Pretrained', 'Update']);
    const [a, b, scale] = ad.branches[1].sublayers as [Linear, Linear, LoRAScale];
    expect(a.weights.label).toBe('transformer/block_0/attention/query/lora_a.weights');
    expect((a.weights as Parameter).value.namedShape).toEqual({ embedding: 16, lora_rank: 2 });
    expect((b.weights as Parameter).value.namedShape).toEqual({ lora_rank: 2, head_groups: 2, query_heads: 2, projection: 4 });
    expect([scale.alpha, scale.rank, scale.scale]).toEqual([4, 2, 2]);
    const frozen = parameters(lora).filter((p) => !p.parameter.trainable).map((p) => p.label);
    expect(frozen.sort()).toEqual((['query', 'key', 'value', 'output'] as const).flatMap((k) => [0, 1].map((i) => LABELS.block(i)[k])).sort());
    const text = formatTree(lora);
    expect(text).toContain("name: 'LoRA:.body.body.sublayers[3]");
    expect(text).toContain("label: 'transformer/block_1/attention/output/lora_b.weights'");
    // B = 0: bit-for-bit the original logits.
    expect(logitsOf(lora)).toEqual(logitsOf(model));
    // The original is untouched and shares the unwrapped parameters.
    expect(select(model).atInstancesOf(LowRankAdapter).count()).toBe(0);
    const emb = (m: unknown) => parameters(m).find((p) => p.label === LABELS.embeddings)!.parameter;
    expect(emb(lora)).toBe(emb(model));
    disposeTree(lora, { except: [model] });
  });

  it('picks sites by preset, module list, predicate, selection function and Selection', () => {
    const count = (where: Parameters<typeof loraify>[1]['where']) => {
      const l = loraify(model, { rank: 1, where, seed: null });
      const labels = select(l).atInstancesOf(LowRankAdapter).getSequence().map((a) => a.pretrained.weights.label);
      return labels;
    };
    expect(count('mlp').length).toBe(6);
    expect(count('all').length).toBe(14);
    expect(count(['v_proj'])).toEqual([LABELS.block(0).value, LABELS.block(1).value]);
    expect(count((s) => s.hf?.layer === 1 && s.hf.module === 'down_proj')).toEqual([LABELS.block(1).outLinear]);
    expect(count((sel) => sel.atInstancesOf(TransformerFeedForward).pickNth(0))).toEqual([LABELS.block(0).gating, LABELS.block(0).valueLinear, LABELS.block(0).outLinear]);
    expect(count(select(model).atInstancesOf(TransformerFeedForward).pickNth(1))).toEqual([LABELS.block(1).gating, LABELS.block(1).valueLinear, LABELS.block(1).outLinear]);
    expect(() => count(['w_proj' as never])).toThrow(/unknown module names 'w_proj'/);
    expect(() => count(() => false)).toThrow(/picked none of the 14 adaptable layers/);
  });

  it('mergeLora folds (alpha/r)·A·B into the weights: same outputs within 1e-5, original structure', () => {
    const lora = randomizeB(loraify(model, { rank: 3, alpha: 6, where: 'all', seed: 5 }));
    const unmerged = logitsOf(lora);
    expect(relDiff(unmerged, logitsOf(model))).toBeGreaterThan(1e-2);
    const before = tf.memory().numTensors;
    const merged = mergeLora(lora);
    expect(tf.memory().numTensors).toBe(before + 14); // one new weight per merged adapter
    const delta = relDiff(logitsOf(merged), unmerged);
    expect(delta).toBeLessThan(1e-5);
    expect(structureEquals(merged, model)).toBe(true);
    expect(parameters(merged).every((p) => p.parameter.trainable)).toBe(true);
    disposeTree(merged, { except: [model] });
    disposeTree(lora, { except: [model] });
  });

  it('adapts positional Einsum layers too (exact at init, merge within 1e-5)', () => {
    const w = Einsum.fromConfig({ name: 'mix', seed: 2, einsumStr: 'BTD,NDH->BTNH', shape: [3, 5, 4] });
    const net = new NamedGroup({ name: 'net', sublayers: [w] });
    const x = nx.wrap(tf.randomNormal([2, 6, 5], 0, 1, 'float32', 9));
    const lora = loraify(net, { rank: 2, where: 'all', alpha: 1 });
    const ad = select(lora).atInstancesOf(LowRankAdapter).get();
    expect(ad.branches[1].sublayers[0]).toBeInstanceOf(LoRAEinsumAdapter);
    const base = net.call(x).data.dataSync();
    expect(lora.call(x).data.dataSync()).toEqual(base);
    const trained = randomizeB(lora, 3);
    const out = Float32Array.from(trained.call(x).data.dataSync());
    expect(relDiff(out, Float32Array.from(base))).toBeGreaterThan(1e-3);
    const merged = mergeLora(trained);
    expect(structureEquals(merged, net)).toBe(true);
    expect(relDiff(Float32Array.from(merged.call(x).data.dataSync()), out)).toBeLessThan(1e-5);
    tf.dispose(x);
  });

  it('named adapters keep parallel axes on both factors', () => {
    const lin = Linear.fromConfig({ name: 'per_head', seed: 1, inputAxes: { a: 3 }, outputAxes: { b: 2 }, parallelAxes: { heads: 4 } }) as Linear;
    const lora = loraify(new Sequential({ sublayers: [lin] }), { rank: 2, where: 'all' });
    const [a, b] = select(lora).atInstancesOf(LowRankAdapter).get().branches[1].sublayers as Linear[];
    expect((a.weights as Parameter).value.namedShape).toEqual({ a: 3, lora_rank: 2, heads: 4 });
    expect((b.weights as Parameter).value.namedShape).toEqual({ lora_rank: 2, b: 2, heads: 4 });
    const x = nx.randomNormal({ batch: 2, a: 3, heads: 4 }, { seed: 2 });
    const merged = mergeLora(randomizeB(lora));
    expect(relDiff(Float32Array.from((merged.call(x) as nx.NamedArray).unwrap('batch', 'heads', 'b').dataSync()),
      Float32Array.from((randomizeB(lora).call(x) as nx.NamedArray).unwrap('batch', 'heads', 'b').dataSync()))).toBeLessThan(1e-5);
  });
});

describe('PEFT safetensors adapters', () => {
  it('round-trips: save -> load gives identical outputs, with PEFT names, shapes and config', async () => {
    const lora = randomizeB(loraify(model, { rank: 2, alpha: 8, where: 'attention', seed: 7 }), 11);
    const out = join(dir, 'rt');
    await saveLoraAdapters(lora, out, { baseModel: 'google/gemma-3-270m' });
    const cfg = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 8, target_modules: ['k_proj', 'o_proj', 'q_proj', 'v_proj'], base_model_name_or_path: 'google/gemma-3-270m' });
    const f = await openSafetensors(join(out, 'adapter_model.safetensors'));
    const D = 16;
    expect(f.header('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape).toEqual([2, D]);
    expect(f.header('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight').shape).toEqual([4 * 4, 2]);
    expect(f.header('base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight').shape).toEqual([2 * 4, 2]);
    expect(f.header('base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight').shape).toEqual([2, 4 * 4]);
    expect(f.header('base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight').shape).toEqual([D, 2]);
    expect(f.names.length).toBe(16);
    await f.close();
    const before = tf.memory().numTensors;
    const loaded = await loadLoraAdapters(model, out);
    expect(tf.memory().numTensors).toBe(before + 16);
    expect(logitsOf(loaded)).toEqual(logitsOf(lora));
    expect(structureEquals(loaded, lora)).toBe(true);
    disposeTree(loaded, { except: [model] });
    disposeTree(lora, { except: [model] });
  });

  it('loads a file written by hand in PEFT layout to W + (alpha/r)·B·A', async () => {
    const r = 3;
    const alpha = 5;
    const q = hfLayout(gqa).find((w) => w.hfName === 'layers.1.self_attn.q_proj.weight')!;
    const [out, inn] = q.hfShape;
    const A = Array.from({ length: r * inn }, (_, i) => Math.cos(i * 0.7) * 0.5);
    const B = Array.from({ length: out * r }, (_, i) => Math.sin(i * 1.3) * 0.5);
    const ad = join(dir, 'hand');
    await mkdir(ad, { recursive: true });
    await writeSafetensors(join(ad, 'adapter_model.safetensors'), {
      'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [r, inn], data: A },
      'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight': { dtype: 'F32', shape: [out, r], data: B },
    });
    await writeFile(join(ad, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r, lora_alpha: alpha, target_modules: ['q_proj'] }));
    const loaded = await loadLoraAdapters(model, ad);
    expect(select(loaded).atInstancesOf(LowRankAdapter).count()).toBe(1);

    // The manual reference: W' = W + (alpha/r)·B·A in HF [out, in] layout, bound into a copy of the model.
    const wParam = parameters(model).find((p) => p.label === q.label)!.parameter;
    const wHf = parameterValueToHf(q, wParam.value);
    const W = Array.from(wHf.dataSync());
    wHf.dispose();
    const Wp = W.map((w, k) => {
      const o = Math.floor(k / inn);
      const i = k % inn;
      let s = 0;
      for (let j = 0; j < r; j++) s += B[o * r + j] * A[j * inn + i];
      return w + (alpha / r) * s;
    });
    const wT = tf.tensor(Wp, [out, inn]);
    const manual = select(model).atSubtreesWhere((x) => x === wParam).apply((p) => (p as Parameter).replace({ value: hfToParameterValue(q, wT) }));
    wT.dispose();
    const got = logitsOf(loaded);
    expect(relDiff(got, logitsOf(manual))).toBeLessThan(1e-5);
    expect(relDiff(got, logitsOf(model))).toBeGreaterThan(1e-3);
    disposeTree(manual, { except: [model] });
    disposeTree(loaded, { except: [model] });
  });

  it('reports adapters it cannot read, naming the file and tensor', async () => {
    const ad = join(dir, 'bad');
    await mkdir(ad, { recursive: true });
    await writeSafetensors(join(ad, 'adapter_model.safetensors'), {
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [2, 16], data: new Float32Array(32) },
    });
    await writeFile(join(ad, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['q_proj'] }));
    await expect(loadLoraAdapters(model, ad)).rejects.toThrow(/has lora_A but not lora_B for layers\.0\.self_attn\.q_proj/);
    await writeFile(join(ad, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 2, use_dora: true }));
    await expect(loadLoraAdapters(model, ad)).rejects.toThrow(/use_dora is true/);
    await expect(loadLoraAdapters(model, join(dir, 'nope'))).rejects.toThrow(/cannot read .*adapter_config\.json/);
  });
});
