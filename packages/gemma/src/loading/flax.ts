/**
 * The official Flax checkpoint naming (Penzai's `from_pretrained(ckpt_params)` path): a
 * record of arrays named `transformer/layer_0/attn/q_einsum/w`, … is checked against a
 * config (given, or the preset its shapes identify) and converted, tensor by tensor, to
 * the Hugging Face layout, which `hfLayout` then maps to the model. The conversions are
 * pure layout changes (gemma.md §3): transposes, reshapes, and vocabulary rows sliced off
 * (Gemma 1/2 pad 256000 to 256128) or, for Gemma 3 4B+, 64 image-token rows appended.
 */
import * as tf from '@tensorflow/tfjs';
import { checkConfig, GEMMA_PRESETS, type GemmaConfig, type GemmaFamily } from '../config.js';
import { CheckpointError } from '@penjing/io';
import { FlaxRecord, SOURCE, flatten, shapeOf, toTensor, type FlaxArray, type FlaxParams } from './flax-arrays.js';

import { flaxVision, type FlaxVisionOptions } from './flax-vision.js';
import type { VisionConfig } from '../vision/config.js';

export type { FlaxArray, FlaxParams } from './flax-arrays.js';

/** The vision tower's arrays (after `vision_encoder/` is renamed), skipped when the text model is loaded alone. */
const IGNORED = [/^embedder\/mm_/, /^SigLiPFromPatches_0\//];

interface Found {
  get(key: string): { original: string; array: FlaxArray } | undefined;
}

/** The sizes the arrays imply, for identifying a preset. */
function inferSizes(f: Found, numLayers: number) {
  const emb = f.get('embedder/input_embedding');
  const qkv = f.get('layer_0/attn/qkv_einsum/w');
  const q = f.get('layer_0/attn/q_einsum/w');
  const kv = f.get('layer_0/attn/kv_einsum/w');
  const lin = f.get('layer_0/mlp/linear/w');
  if (!emb || !lin || !(qkv || (q && kv))) return undefined;
  const [, D] = shapeOf(emb.array);
  const [N, , H] = qkv ? shapeOf(qkv.array).slice(1) : shapeOf(q!.array);
  const K = qkv ? N : shapeOf(kv!.array)[1];
  const family: GemmaFamily = f.get('layer_0/attn/_query_norm/scale') ? 'gemma3' : f.get('layer_0/post_attention_norm/scale') ? 'gemma2' : 'gemma1';
  return { family, numLayers, embedDim: D, hiddenDim: shapeOf(lin.array)[0], numHeads: N, numKvHeads: K, headDim: H };
}

/**
 * Checks Flax parameters against a config (or finds the preset they match) and returns
 * the config plus, per Hugging Face tensor name (relative, e.g. `layers.0.self_attn.q_proj.weight`),
 * a function making that tensor (a new tensor each time; the caller disposes it).
 *
 * @example
 * const { config, tensors } = flaxToHfTensors(params);
 * const q = tensors.get('layers.0.self_attn.q_proj.weight')!(); // [N·H, D]
 * // With gm.nn's vision arrays (and `vision` not false), also `vision_tower.vision_model.…` and
 * // `multi_modal_projector.…`, and `vision` is the tower's config.
 */
export function flaxToHfTensors(
  params: FlaxParams, given?: GemmaConfig, options: FlaxVisionOptions = {},
): { config: GemmaConfig; tensors: Map<string, () => tf.Tensor>; vision: VisionConfig | null } {
  const flat = flatten(params);
  if (Object.keys(params).some((k) => k.includes('stacked_layers')) || [...flat.keys()].some((k) => k.startsWith('stacked_layers/'))) {
    throw new CheckpointError(SOURCE, 'stacked-layer checkpoints (transformer/stacked_layers/…) are not supported', {
      fix: 'Unstack them into layer_{i} entries first (layer = slice·6 + attention_type index).',
    });
  }
  const layerIdx = [...flat.keys()].map((k) => /^layer_(\d+)\//.exec(k)).filter((m) => m).map((m) => Number(m![1]));
  const numLayers = layerIdx.length ? Math.max(...layerIdx) + 1 : 0;
  const config = given ? checkConfig(given) : identifyPreset(flat, numLayers);
  const { embedDim: D, hiddenDim: F, numHeads: N, numKvHeads: K, headDim: H, vocabSize: V } = config;

  const record = new FlaxRecord(flat);
  const need = (key: string, shape: (number | null)[], from: string) => record.need(key, shape, from);

  const tensors = new Map<string, () => tf.Tensor>();
  const emb = need('embedder/input_embedding', [null, D], 'vocabulary × embedDim');
  tensors.set('embed_tokens.weight', () => vocabRows(emb.name, toTensor(emb.name, emb.array), V, config.family));
  const copy = (hf: string, key: string, size: number, from: string) => {
    const e = need(key, [size], from);
    tensors.set(hf, () => toTensor(e.name, e.array));
  };
  copy('norm.weight', 'final_norm/scale', D, 'embedDim');
  for (let i = 0; i < config.numLayers; i++) {
    const p = `layer_${i}/`;
    const hf = `layers.${i}.`;
    copy(`${hf}input_layernorm.weight`, `${p}pre_attention_norm/scale`, D, 'embedDim');
    copy(`${hf}${config.family === 'gemma1' ? 'post_attention_layernorm' : 'pre_feedforward_layernorm'}.weight`, `${p}pre_ffw_norm/scale`, D, 'embedDim');
    if (config.usePostAttnNorm) copy(`${hf}post_attention_layernorm.weight`, `${p}post_attention_norm/scale`, D, 'embedDim');
    if (config.usePostFfwNorm) copy(`${hf}post_feedforward_layernorm.weight`, `${p}post_ffw_norm/scale`, D, 'embedDim');
    if (config.useQkNorm) {
      copy(`${hf}self_attn.q_norm.weight`, `${p}attn/_query_norm/scale`, H, 'headDim');
      copy(`${hf}self_attn.k_norm.weight`, `${p}attn/_key_norm/scale`, H, 'headDim');
    }
    // [n, D, H] → [n·H, D]: row n·H + h, as Hugging Face's q/k/v_proj.
    const heads = (name: string, a: FlaxArray, pick: number | null, n: number) => () =>
      tf.tidy(() => {
        const t = toTensor(name, a);
        const m = pick === null ? t : tf.gather(t, pick, 0);
        return tf.reshape(tf.transpose(m, [0, 2, 1]), [n * H, D]);
      });
    if (flat.has(`${p}attn/qkv_einsum/w`) && K === N) {
      const e = need(`${p}attn/qkv_einsum/w`, [3, N, D, H], '3 × numHeads × embedDim × headDim');
      ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => tensors.set(`${hf}self_attn.${proj}.weight`, heads(e.name, e.array, j, N)));
    } else {
      const q = need(`${p}attn/q_einsum/w`, [N, D, H], 'numHeads × embedDim × headDim');
      const kv = need(`${p}attn/kv_einsum/w`, [2, K, D, H], '2 × numKvHeads × embedDim × headDim');
      tensors.set(`${hf}self_attn.q_proj.weight`, heads(q.name, q.array, null, N));
      tensors.set(`${hf}self_attn.k_proj.weight`, heads(kv.name, kv.array, 0, K));
      tensors.set(`${hf}self_attn.v_proj.weight`, heads(kv.name, kv.array, 1, K));
    }
    const o = need(`${p}attn/attn_vec_einsum/w`, [N, H, D], 'numHeads × headDim × embedDim');
    tensors.set(`${hf}self_attn.o_proj.weight`, () => tf.tidy(() => tf.reshape(tf.transpose(toTensor(o.name, o.array), [2, 0, 1]), [D, N * H])));
    const g = need(`${p}mlp/gating_einsum/w`, [2, null, null], '2 × embedDim × hiddenDim, or 2 × hiddenDim × embedDim');
    const transposed = gatingIsTransposed(g.name, g.shape, config);
    // Hugging Face's gate/up_proj are [F, D]: the transposed layout already is.
    ['gate_proj', 'up_proj'].forEach((proj, j) =>
      tensors.set(`${hf}mlp.${proj}.weight`, () =>
        tf.tidy(() => {
          const m = tf.gather(toTensor(g.name, g.array), j, 0);
          return transposed ? m : tf.transpose(m);
        }),
      ),
    );
    const lin = need(`${p}mlp/linear/w`, [F, D], 'hiddenDim × embedDim');
    tensors.set(`${hf}mlp.down_proj.weight`, () => tf.tidy(() => tf.transpose(toTensor(lin.name, lin.array))));
  }
  const vision = flaxVision(record, config.embedDim, options, tensors);
  const ignored = vision ? [] : IGNORED;
  const extra = [...flat.keys()].filter((k) => !record.used.has(k) && !ignored.some((r) => r.test(k)));
  if (extra.length) {
    throw new CheckpointError(SOURCE, `unexpected array: the config has no place for it${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`, {
      tensor: flat.get(extra[0])!.original,
      fix: `The config (${config.family}, ${config.numLayers} layers) probably does not match these parameters.`,
    });
  }
  if (!config.tieEmbeddings) {
    throw new CheckpointError(SOURCE, 'the config has untied embeddings, but Flax Gemma checkpoints have no separate output projection', {
      fix: 'Use tieEmbeddings: true.',
    });
  }
  return { config, tensors, vision };
}

function gatingIsTransposed(name: string, shape: number[], c: GemmaConfig): boolean {
  const [, a, b] = shape;
  const { embedDim: D, hiddenDim: F } = c;
  if (D === F) {
    if (a !== D || b !== D) throw new CheckpointError(SOURCE, `shape [${shape.join(', ')}] is not [2, ${D}, ${D}]`, { tensor: name });
    return c.transposeGatingEinsum;
  }
  if (a === D && b === F) return false;
  if (a === F && b === D) return true;
  throw new CheckpointError(SOURCE, `shape [${shape.join(', ')}] is neither [2, ${D}, ${F}] nor [2, ${F}, ${D}] (2 × embedDim × hiddenDim, either orientation)`, {
    tensor: name,
    fix: 'Pass the config these parameters were trained with.',
  });
}

/** Slices padding rows off, or (Gemma 3 4B+) appends the 64 image-token rows as the mean embedding. */
function vocabRows(name: string, t: tf.Tensor, V: number, family: GemmaFamily): tf.Tensor {
  const rows = t.shape[0];
  if (rows === V) return t;
  try {
    if (rows > V) return tf.slice(t, [0, 0], [V, -1]);
    if (family === 'gemma3' && V - rows === 64) {
      return tf.tidy(() => tf.concat([t, tf.tile(tf.mean(t, 0, true), [64, 1])], 0));
    }
  } finally {
    t.dispose();
  }
  throw new CheckpointError(SOURCE, `has ${rows} vocabulary rows but the config's vocabSize is ${V}`, {
    tensor: name,
    fix: 'Pass a config whose vocabSize matches the embedding table.',
  });
}

function identifyPreset(flat: Map<string, { original: string; array: FlaxArray }>, numLayers: number): GemmaConfig {
  const sizes = inferSizes(flat, numLayers);
  const match = sizes && Object.values(GEMMA_PRESETS).find((p) => (Object.keys(sizes) as (keyof typeof sizes)[]).every((k) => p[k] === sizes[k]));
  if (!match) {
    throw new CheckpointError(SOURCE, `the shapes${sizes ? ` (${JSON.stringify(sizes)})` : ''} match no Gemma preset`, {
      fix: 'Pass the config: fromPretrained(params, { config }).',
    });
  }
  return match;
}
