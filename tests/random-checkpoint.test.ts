/**
 * scripts/random-gemma-checkpoint.mjs, on a small Gemma 3 config: the files carry Hugging
 * Face's names and config.json, load with fromPretrained (eager and lazy), and the values are
 * a function of the seed only (same seed, same bytes; another seed, other bytes).
 */
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { disposeTree, parameters } from '@penjing/layers';
import { GemmaTransformer, gemmaPreset, openCheckpoint } from '@penjing/gemma';
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureRandomCheckpoint, writeRandomCheckpoint } from '../scripts/random-gemma-checkpoint.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'penjing-random-ckpt-'));
beforeAll(async () => {
  await nx.ready();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = gemmaPreset('gemma3_270m', { numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 2, numKvHeads: 1, headDim: 8, vocabSize: 64 });
const filesOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => readFileSync(join(dir, f)));

describe('random Gemma checkpoints', () => {
  it('have HF names and config, load eagerly and lazily, and depend on the seed only', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(tmp, n));
    await writeRandomCheckpoint(a, config, { dtype: 'bf16', seed: 3, maxShardBytes: 2000 });
    await writeRandomCheckpoint(b, config, { dtype: 'bf16', seed: 3, maxShardBytes: 2000 });
    await writeRandomCheckpoint(c, config, { dtype: 'bf16', seed: 4, maxShardBytes: 2000 });
    expect(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'gemma3_text', torch_dtype: 'bfloat16', hidden_size: 16 });
    expect(readdirSync(a)).toContain('model.safetensors.index.json');
    expect(filesOf(a)).toEqual(filesOf(b));
    expect(filesOf(a)).not.toEqual(filesOf(c));

    const ckpt = await openCheckpoint(a);
    expect(ckpt.names).toContain('model.layers.1.self_attn.q_proj.weight');
    const q = (await ckpt.read('model.layers.0.self_attn.q_proj.weight')).data;
    const norm = (await ckpt.read('model.norm.weight')).data;
    await ckpt.close();
    // Uniform with standard deviation 0.02 (matrices) and 0.1 (norm offsets).
    const std = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);
    expect(std(q)).toBeGreaterThan(0.015);
    expect(std(q)).toBeLessThan(0.025);
    expect(Math.max(...Array.from(q, Math.abs))).toBeLessThanOrEqual(0.02 * Math.sqrt(3) * 1.01);
    expect(Math.max(...Array.from(norm, Math.abs))).toBeLessThanOrEqual(0.1 * Math.sqrt(3) * 1.01);

    const model = await GemmaTransformer.fromPretrained(a, { quiet: true });
    expect(parameters(model).length).toBeGreaterThan(0);
    disposeTree(model);
    await expect(GemmaTransformer.fromPretrained(a, { quiet: true, weights: 'lazy' })).resolves.toBeInstanceOf(GemmaTransformer);
  });

  it('reject unknown shapes and dtypes with the choices', async () => {
    await expect(ensureRandomCheckpoint({ shape: '7b', dtype: 'f32' })).rejects.toThrow(/--shape must be one of 270m, 1b; got "7b"/);
    await expect(ensureRandomCheckpoint({ shape: '1b', dtype: 'f8' })).rejects.toThrow(/--dtype must be one of f32, bf16; got "f8"/);
  });
});
