/**
 * Attribution patching against real activation patching on the trained tiny induction model
 * (examples/tiny-gemma): clean = <bos> A A, corrupted = <bos> B A, metric = the second-half
 * loss. The sweep is checked against patchHeadsFromClean (an independent route through
 * RewireComputationPaths); attribution must agree in rank with the sweep (Spearman ≥ 0.9 on
 * head scores). SAE-feature attribution is checked against finite differences of the metric.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import {
  AddToActivation, SparseAutoencoder, attributeFeatures, pathPatching, attributionPatching, lossMetric, patchHeadsFromClean, patchingSweep, seededRandom, spliceSae,
} from '@penjing/interp';

const ROOT = join(__dirname, '../../..');
let model: GemmaTransformer;
let clean: NamedArray;
let corrupted: NamedArray;
const L = 16;
const SECOND_HALF = Array.from({ length: L }, (_, i) => L + i);

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [rank(a), rank(b)];
  const mean = (r: number[]) => r.reduce((s, x) => s + x, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) (num += (ra[i]! - ma) * (rb[i]! - mb)), (da += (ra[i]! - ma) ** 2), (db += (rb[i]! - mb) ** 2);
  return num / Math.sqrt(da * db);
}

beforeAll(async () => {
  await nx.ready();
  model = await GemmaTransformer.fromPretrained(join(ROOT, 'examples/tiny-gemma'), { quiet: true } as never);
  const rand = seededRandom(3);
  const pick = () => Array.from({ length: L }, () => 4 + Math.floor(rand() * 60));
  const rows = Array.from({ length: 4 }, () => [pick(), pick()] as const);
  clean = nx.fromArray(rows.map(([a]) => [2, ...a, ...a]), ['batch', 'seq'], 'int32');
  corrupted = nx.fromArray(rows.map(([a, b]) => [2, ...b, ...a]), ['batch', 'seq'], 'int32');
});

const sites = ['blocks.0.attn.hook_z', 'blocks.1.attn.hook_z'];

describe('attribution patching on the tiny induction model', () => {
  it('the sweep equals patchHeadsFromClean; attribution ranks heads like the sweep (Spearman ≥ 0.9) (timings printed)', () => {
    const metric = lossMetric(SECOND_HALF);
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const sweep = patchingSweep(model, clean, corrupted, { sites, over: ['heads'], metric });
    const sweepHeadsMs = performance.now() - t0;
    const reference = patchHeadsFromClean(model, clean, corrupted, { positions: SECOND_HALF });
    const got = [...sweep.values.data.dataSync()];
    const want = [...reference.losses.data.dataSync()];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    expect(sweep.corrupted - sweep.clean).toBeGreaterThan(1);

    const t1 = performance.now();
    const attr = attributionPatching(model, clean, corrupted, { sites, keep: ['heads'], metric });
    const attrMs = performance.now() - t1;
    expect(attr.namedShape).toEqual({ layer: 2, heads: 4 });
    const estimated = [...attr.data.dataSync()];
    const actual = got.map((v) => v - sweep.corrupted);
    const rho = spearman(estimated, actual);

    // Timings are printed here and in `npm run bench -- interp` (which also sweeps heads × positions), never asserted.
    console.log(`bench attribution-patching (heads): Spearman ${rho.toFixed(3)} · sweep ${sweepHeadsMs.toFixed(0)} ms · attribution ${attrMs.toFixed(0)} ms`);
    expect(rho).toBeGreaterThanOrEqual(0.9);
    tf.dispose([sweep.values.data, reference.losses.data, reference.recovery.data, attr.data]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('SAE feature attribution equals the finite-difference change of the metric along each feature (small steps)', () => {
    const r = (shape: number[], s: number, scale = 1) => ({ data: tf.tidy(() => tf.randomNormal(shape, 0, scale, 'float32', s).dataSync() as Float32Array), shape });
    const sae = SparseAutoencoder.fromWeights({ wEnc: r([64, 12], 1, 0.3), wDec: r([12, 64], 2, 0.3), bEnc: r([12], 3, 0.1), bDec: r([64], 4, 0.1), threshold: { data: new Float32Array(12).fill(0.05), shape: [12] } });
    const site = 'blocks.0.hook_resid_post';
    const metric = lossMetric(SECOND_HALF);
    const before = tf.memory().numTensors;
    // Gradient check: ∂metric/∂f from attributeFeatures with clean = corrupted + a tiny step on feature k.
    const grads = attributeFeatures(model, sae, site, clean, corrupted, metric, ['batch', 'seq', 'features']);
    expect(grads.namedShape).toEqual({ batch: 4, seq: 33, features: 12 });
    const perFeature = attributeFeatures(model, sae, site, clean, corrupted, metric);
    expect(perFeature.namedShape).toEqual({ features: 12 });
    const sum = tf.tidy(() => (grads.sum as (...n: string[]) => NamedArray)('batch', 'seq').data.dataSync());
    perFeature.data.dataSync().forEach((v, k) => expect(v).toBeCloseTo(sum[k]!, 4));
    // Finite differences: nudge feature 3 by ε at every position of the corrupted run.
    const eps = 1e-2;
    const at = (d: number) => {
      const delta = nx.wrap(tf.tidy(() => tf.oneHot(tf.fill([4, 33], 3, 'int32'), 12).asType('float32').mul(d)), 'batch', 'seq', 'features');
      const m = spliceSae(model, sae, { site, edit: new AddToActivation({ delta }) });
      const v = tf.tidy(() => metric(m.call(corrupted), corrupted).data.dataSync()[0]!);
      delta.dispose();
      return v;
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    // The attribution's gradient at feature 3 summed over positions, recovered through a one-hot "clean" difference.
    const gradient = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((d: tf.Tensor) => {
        const m = spliceSae(model, sae, { site, edit: new AddToActivation({ delta: nx.wrap(d, 'batch', 'seq', 'features') }) });
        return metric(m.call(corrupted), corrupted).data as tf.Scalar;
      })(tf.zeros([4, 33, 12]));
      value.dispose();
      return grad.sum([0, 1]).dataSync()[3]!;
    });
    expect(Math.abs(numeric - gradient)).toBeLessThan(2e-3 + 0.02 * Math.abs(gradient));
    tf.dispose([grads.data, perFeature.data]);
    expect(tf.memory().numTensors).toBe(before);
    disposeTree(sae);
  });

  it('path patching: to the final residual it equals activation patching for last-block heads; block 0 reaches block 1 through its keys, not its queries', () => {
    const metric = lossMetric(SECOND_HALF);
    const before = tf.memory().numTensors;
    const direct = pathPatching(model, clean, corrupted, { sender: { site: 'blocks.1.attn.hook_z', over: ['heads'] }, receivers: ['blocks.1.hook_resid_post'], metric });
    const sweep = patchingSweep(model, clean, corrupted, { sites: ['blocks.1.attn.hook_z'], over: ['heads'], metric });
    const d = [...direct.values.data.dataSync()];
    [...sweep.values.data.dataSync()].forEach((v, i) => expect(d[i]).toBeCloseTo(v, 4));
    const viaKeys = pathPatching(model, clean, corrupted, { sender: { site: 'blocks.0.attn.hook_z', over: ['heads'] }, receivers: ['blocks.1.attn.hook_k'], metric });
    const k = [...viaKeys.values.data.dataSync()];
    const bestViaKeys = k.indexOf(Math.min(...k));
    expect(viaKeys.corrupted - k[bestViaKeys]!).toBeGreaterThan(0.1); // 0.27 nats: one of several routes (the heads share the work)
    // The corrupted prompts differ in the first half only, so block 0 changes what the induction head's keys
    // hold (K-composition) and hardly what its queries hold (the repeat's own tokens are the same).
    const viaQueries = pathPatching(model, clean, corrupted, { sender: { site: 'blocks.0.attn.hook_z', over: ['heads'] }, receivers: ['blocks.1.attn.hook_q'], metric });
    const q = [...viaQueries.values.data.dataSync()].map((v) => Math.abs(viaQueries.corrupted - v));
    expect(viaKeys.corrupted - k[bestViaKeys]!).toBeGreaterThan(3 * Math.max(...q));
    tf.dispose([direct.values.data, sweep.values.data, viaKeys.values.data, viaQueries.values.data]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
