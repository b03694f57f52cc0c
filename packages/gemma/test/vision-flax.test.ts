/**
 * Gemma 3's vision tower from gm.nn's Flax record: tests/fixtures/gemma3-vision/flax holds the
 * reference model's weights in gm.nn's naming and Flax layouts, written by
 * scripts/gemma3_vision_reference.py (which checks there, with Flax's own layer semantics, that
 * they give the same soft tokens). Loaded flat or in gm.nn's nesting, it is the Hugging Face
 * checkpoint's model: every parameter equal, logits equal, and within 1e-5 of the float64 reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree, parameters } from '@penjing/layers';
import { openSafetensors } from '@penjing/io/node';
import { GemmaTransformer, configFromHuggingFace, visionConfigOf, type FlaxParams } from '@penjing/gemma';

const FIXTURES = join(__dirname, '../../../tests/fixtures/gemma3-vision');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as { tokens: number[][]; images_shape: number[]; images: number[]; shape: number[]; logits: number[] };
const hfJson = JSON.parse(readFileSync(join(FIXTURES, 'wrapper', 'config.json'), 'utf8'));
const config = configFromHuggingFace(hfJson, { quiet: true }).config;
const visionConfig = { mmTokensPerImage: 4, imageTokenId: 60, boiTokenId: 61, eoiTokenId: 62 };
type Flat = Record<string, { shape: readonly number[]; data: Float32Array }>;
let flat: Flat;
let hf: GemmaTransformer;

beforeAll(async () => {
  await nx.ready();
  const f = await openSafetensors(join(FIXTURES, 'flax', 'flax_params.safetensors'));
  flat = {};
  for (const n of f.names) flat[n] = (await f.read(n)) as Flat[string];
  await f.close();
  hf = await GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { quiet: true });
});

const valuesByLabel = (model: unknown) => new Map(parameters(model).map((p) => [p.label, p.parameter.value.canonicalize().data.dataSync() as Float32Array]));

function logitsOf(model: GemmaTransformer): Float32Array {
  const tokens = nx.wrap(tf.tensor2d(ref.tokens.flat(), [3, 20], 'int32')).tag('batch', 'seq');
  const images = nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel');
  const logits = model.call(tokens, { images });
  const out = logits.unwrap('batch', 'seq', 'vocabulary').dataSync() as Float32Array;
  for (const a of [tokens, images, logits]) a.dispose();
  return out;
}

/** gm.nn's in-memory nesting: no transformer/ prefix, the tower under vision_encoder, bare einsum arrays. */
function nested(record: Flat): FlaxParams {
  const root: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const key = k.replace(/^transformer\//, '').replace(/^SigLiPFromPatches_0\//, 'vision_encoder/').replace(/\/(mlp\/gating_einsum|mlp\/linear|embedder\/mm_input_projection)\/w$/, '/$1').replace(/^embedder\/mm_input_projection\/w$/, 'embedder/mm_input_projection');
    const parts = key.split('/');
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = v;
  }
  return root as FlaxParams;
}

describe('Gemma 3 vision from a Flax record', () => {
  it.each(['flat', 'nested'])('%s: the same model as the Hugging Face checkpoint', async (form) => {
    const record = form === 'flat' ? (flat as FlaxParams) : nested(flat);
    if (form === 'nested') expect(Object.keys(record).sort()).toEqual(['embedder', 'final_norm', 'layer_0', 'layer_1', 'vision_encoder']);
    const model = await GemmaTransformer.fromPretrained(record, { config, visionConfig });
    expect(visionConfigOf(model)).toEqual(visionConfigOf(hf));
    const a = valuesByLabel(hf);
    const b = valuesByLabel(model);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...b.keys()].filter((l) => l.startsWith('vision/') || l.startsWith('projector/')).length).toBeGreaterThan(30);
    for (const [label, v] of b) expect(v, label).toEqual(a.get(label));
    const got = logitsOf(model);
    const want = logitsOf(hf);
    let diff = 0;
    let refDiff = 0;
    let refMax = 0;
    got.forEach((x, i) => {
      diff = Math.max(diff, Math.abs(x - want[i]));
      refDiff = Math.max(refDiff, Math.abs(x - ref.logits[i]));
      refMax = Math.max(refMax, Math.abs(ref.logits[i]));
    });
    expect(diff).toBe(0);
    expect(refDiff / refMax).toBeLessThan(1e-5);
    disposeTree(model);
  });

  it('vision: false loads the text model alone; the tower is required when asked for', async () => {
    const text = await GemmaTransformer.fromPretrained(flat as FlaxParams, { config, vision: false });
    expect(visionConfigOf(text)).toBeNull();
    disposeTree(text);
    const textOnly = Object.fromEntries(Object.entries(flat).filter(([k]) => !k.startsWith('SigLiP') && !k.includes('/mm_')));
    await expect(GemmaTransformer.fromPretrained(textOnly as FlaxParams, { config, vision: true })).rejects.toThrow(/\{vision: true\} but the record has no vision tower/);
    const auto = await GemmaTransformer.fromPretrained(textOnly as FlaxParams, { config });
    expect(visionConfigOf(auto)).toBeNull();
    disposeTree(auto);
  });

  it('names a missing or misshapen vision array, and settings the arrays cannot hold', async () => {
    const before = tf.memory().numTensors;
    const without = { ...flat };
    delete without['SigLiPFromPatches_0/siglip_encoder/Transformer/encoderblock_1/MlpBlock_0/Dense_1/bias'];
    await expect(GemmaTransformer.fromPretrained(without as FlaxParams, { config, visionConfig })).rejects.toThrow(
      /missing array "SigLiPFromPatches_0\/siglip_encoder\/Transformer\/encoderblock_1\/MlpBlock_0\/Dense_1\/bias"/,
    );
    const key = 'SigLiPFromPatches_0/siglip_encoder/Transformer/encoderblock_0/MultiHeadDotProductAttention_0/out/kernel';
    const wrong = { ...flat, [key]: { shape: [2, 8, 15], data: new Float32Array(240) } };
    await expect(GemmaTransformer.fromPretrained(wrong as FlaxParams, { config, visionConfig })).rejects.toThrow(/out\/kernel": shape \[2, 8, 15\] disagrees with the config, which implies \[2, 8, 16\]/);
    const extra = { ...flat, 'SigLiPFromPatches_0/siglip_encoder/Transformer/encoderblock_0/LayerNorm_2/scale': { shape: [16], data: new Float32Array(16) } };
    await expect(GemmaTransformer.fromPretrained(extra as FlaxParams, { config, visionConfig })).rejects.toThrow(/LayerNorm_2\/scale": unexpected array/);
    // Gemma 3's default of 256 soft tokens does not fit this tower's 4×4 patch grid.
    await expect(GemmaTransformer.fromPretrained(flat as FlaxParams, { config })).rejects.toThrow(/mm_tokens_per_image/);
    await expect(GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { visionConfig })).rejects.toThrow(/visionConfig option is for Flax records/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
