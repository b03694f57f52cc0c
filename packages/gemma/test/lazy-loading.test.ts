/**
 * `fromPretrained(dir, { weights: 'lazy' })`: LazyParameters that read their tensor from the
 * safetensors files on demand. Checked against the eager loader on the same files (values
 * equal bit for bit), for BF16/F16/F32 and sharded checkpoints; no tfjs tensor is made for
 * weights; eager calls say the model must be compiled; config mismatches and changed files
 * give the loader's clear errors.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { LazyParameter, UnboundParameterError, bindParameters, disposeTree, parameterSlots, parameters, unbindParameters } from '@penjing/layers';
import { CheckpointError, GemmaTransformer, SafetensorsLazySource, generate, type GemmaConfig } from '@penjing/gemma';
import { permuteAxes } from '../src/loading/lazy-source.js';
import { scratchDirs, tiny } from './tiny-configs.js';

const scratch = scratchDirs('penjing-lazy-');
const freshDir = scratch.fresh;

beforeAll(async () => {
  await nx.ready();
});
afterAll(scratch.remove);

/** Saves a random model (norm scales moved off 1, so the `1 + w` fold is visible) and returns its directory. */
async function savedCheckpoint(config: GemmaConfig, dtype: 'F32' | 'BF16' | 'F16', maxShardBytes?: number): Promise<string> {
  const random = GemmaTransformer.fromConfig(config, { seed: 5 });
  const bumped = new Map(parameters(random).map((p) => [p.label, p.parameter.value.add(p.label.endsWith('scale.weights') ? 0.3 : 0)]));
  disposeTree(random);
  const model = bindParameters(unbindParameters(random).tree, bumped);
  const dir = freshDir();
  await model.saveSafetensors(dir, { dtype, maxShardBytes, progress: false });
  disposeTree(model);
  return dir;
}

const lazyParameters = (model: unknown) => parameterSlots(model).map((s) => s.slots[0] as LazyParameter);

describe("fromPretrained(dir, { weights: 'lazy' })", () => {
  it.each([
    ['BF16, sharded, gemma3 qk-norm GQA', tiny('gemma3_1b', { numLayers: 3, attentionTypes: ['local', 'global', 'local'], slidingWindowSize: 4 }), 'BF16', 3000],
    ['F32, sharded, gemma2 untied lm_head', tiny('gemma2_2b', { tieEmbeddings: false, slidingWindowSize: 3 }), 'F32', 4000],
    ['F16, one file, gemma1 MQA', tiny('gemma1_2b', { numKvHeads: 1 }), 'F16', undefined],
  ] as const)('%s: every LazySource reads exactly what the eager loader holds', async (_, config, dtype, shard) => {
    const dir = await savedCheckpoint(config, dtype, shard);
    const eager = await GemmaTransformer.fromPretrained(dir, { quiet: true });
    const lazy = await GemmaTransformer.fromPretrained(dir, { quiet: true, weights: 'lazy' });
    expect(parameters(lazy)).toHaveLength(0);
    const byLabel = new Map(lazyParameters(lazy).map((p) => [p.label, p]));
    const eagerParams = parameters(eager);
    expect([...byLabel.keys()].sort()).toEqual(eagerParams.map((p) => p.label).sort());
    const files = new Set<string>();
    for (const { label, parameter } of eagerParams) {
      const p = byLabel.get(label)!;
      expect(p).toBeInstanceOf(LazyParameter);
      expect(p.source).toBeInstanceOf(SafetensorsLazySource);
      expect(p.source.storedDtype).toBe(dtype);
      // Same axes in the same order, so the flat values line up.
      expect(Object.entries(p.namedShape!)).toEqual(parameter.value.names.map((n) => [n, parameter.value.namedShape[n]]));
      expect(p.source.shape).toEqual(Object.values(p.namedShape!));
      const values = await p.source.read();
      expect(values).toBeInstanceOf(Float32Array);
      expect(values).toEqual(parameter.value.data.dataSync());
      files.add((p.source as SafetensorsLazySource).file);
    }
    if (shard) expect(files.size).toBeGreaterThan(1);
    else expect(files.size).toBe(1);
    expect(lazy.config).toEqual(eager.config);
    disposeTree(eager);
  });

  it('makes no tfjs tensor, keeps tied slots one LazyParameter, and leaves the files closed', async () => {
    const dir = await savedCheckpoint(tiny('gemma3_270m'), 'BF16', 2500);
    const before = tf.memory();
    const lazy = await GemmaTransformer.fromPretrained(dir, { quiet: true, weights: 'lazy' });
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    const embed = parameterSlots(lazy).find((s) => s.label.includes('embed'))!;
    expect(embed.paths.length).toBe(2); // lookup and tied decode
    expect(embed.slots).toHaveLength(1);
    // Reading opens and closes its own handle: the checkpoint can be deleted afterwards.
    await lazyParameters(lazy)[0].source.read();
    rmSync(dir, { recursive: true });
    await expect(lazyParameters(lazy)[0].source.read()).rejects.toThrow(CheckpointError);
  });

  it('fails eager calls with the LazyParameter message naming jit, and leaks nothing', async () => {
    const dir = await savedCheckpoint(tiny('gemma3_270m'), 'F32');
    const lazy = await GemmaTransformer.fromPretrained(dir, { quiet: true, weights: 'lazy' });
    const tokens = nx.wrap(tf.tensor2d([[2, 7, 9]], [1, 3], 'int32')).tag('batch', 'seq');
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      lazy.call(tokens);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnboundParameterError);
    expect((error as Error).message).toMatch(/held lazily on disk \(.*model\.safetensors: model\.\S+\).*jit\(model\) from '@penjing\/jit'/);
    expect(tf.memory().numTensors).toBe(before);
    tokens.dispose();
    // generate() and saving say the same (saving names the file the weights already live in).
    await expect(generate(lazy, [[2, 7, 9]], { maxNewTokens: 2 })).rejects.toThrow(/held lazily on disk.*jit\(model\)/);
    expect(tf.memory().numTensors).toBe(before - 1);
    await expect(lazy.saveSafetensors(join(dir, 'copy'))).rejects.toThrow(/is held lazily on disk \(.*model\.safetensors: .*no values in memory to save.*copy it/);
  });

  it('checks the checkpoint against the config like the eager loader', async () => {
    const dir = await savedCheckpoint(tiny('gemma3_270m'), 'F32');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 32 }));
    const eager = await GemmaTransformer.fromPretrained(dir, { quiet: true }).catch((e: Error) => e);
    const lazy = await GemmaTransformer.fromPretrained(dir, { quiet: true, weights: 'lazy' }).catch((e: Error) => e);
    expect(lazy).toBeInstanceOf(CheckpointError);
    expect((lazy as Error).message).toBe((eager as Error).message);
    expect((lazy as Error).message).toMatch(/mlp\.gate_proj\.weight.*shape \[24, 16\] disagrees.*\[32, 16\]/);
  });

  it('refuses to read a file that changed after loading, naming file and tensor', async () => {
    const dir = await savedCheckpoint(tiny('gemma3_270m'), 'BF16');
    const lazy = await GemmaTransformer.fromPretrained(dir, { quiet: true, weights: 'lazy' });
    appendFileSync(join(dir, 'model.safetensors'), Buffer.alloc(8));
    const p = lazyParameters(lazy)[0];
    await expect(p.source.read()).rejects.toThrow(
      new RegExp(`model\\.safetensors, tensor "${p.source.describe.split(': ')[1].replace(/\./g, '\\.')}": .*was modified after the model was loaded.*load the model again`),
    );
  });

  it('rejects bad options before touching the disk', async () => {
    await expect(GemmaTransformer.fromPretrained('/nonexistent', { weights: 'lazzy' as never })).rejects.toThrow(
      /option weights must be 'eager' or 'lazy'; got "lazzy"/,
    );
    await expect(GemmaTransformer.fromPretrained({}, { weights: 'lazy' })).rejects.toThrow(/needs a checkpoint directory/);
  });
});

/** The element `permuteAxes(data, sizes, perm)[o]` should hold, by the definition. */
function naiveSource(o: number, sizes: readonly number[], perm: readonly number[]): number {
  const outSizes = perm.map((a) => sizes[a]);
  const idx = new Array<number>(sizes.length);
  for (let k = outSizes.length - 1, r = o; k >= 0; k--) {
    idx[perm[k]] = r % outSizes[k];
    r = Math.floor(r / outSizes[k]);
  }
  return idx.reduce((acc, v, a) => acc * sizes[a] + v, 0);
}

describe('permuteAxes', () => {
  it.each([
    [[130, 70], [1, 0]],
    [[3, 100, 70], [2, 0, 1]],
    [[65, 2, 129], [2, 1, 0]],
  ])('transposes %j by %j across several cache tiles', (sizes, perm) => {
    const n = sizes.reduce((a, b) => a * b, 1);
    const out = permuteAxes(Float32Array.from({ length: n }, (_, i) => i), sizes, perm);
    const wrong = out.findIndex((v, o) => v !== naiveSource(o, sizes, perm));
    expect(wrong).toBe(-1);
  });

  it('moves every element where a naive index computation says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((sizes) =>
          fc.tuple(fc.constant(sizes), fc.shuffledSubarray([...sizes.keys()], { minLength: sizes.length, maxLength: sizes.length }))),
        ([sizes, perm]) => {
          const n = sizes.reduce((a, b) => a * b, 1);
          const data = Float32Array.from({ length: n }, (_, i) => i);
          const out = permuteAxes(data, sizes, perm);
          for (let o = 0; o < n; o++) expect(out[o]).toBe(naiveSource(o, sizes, perm));
        },
      ),
    );
  });
});
