/**
 * Where each parameter of a Gemma model lives in a Hugging Face checkpoint, and how its
 * layout maps to the model's named axes. One table serves loading and saving, so the two
 * cannot drift apart.
 *
 * Hugging Face stores `nn.Linear` weights as `[out, in]` (`y = x Wᵀ`), with the head axes
 * flattened into the out (or in) dimension: `q_proj` row `n·H + h` is query head n,
 * component h. Gemma's norm weights are offsets `w` applied as `1 + w`; the model's
 * parameters hold `1 + w` (folded here on load, unfolded on save).
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import type { GemmaConfig } from '../config.js';
import { headAxes } from '@penjing/transformer';
import { LABELS } from '../model/labels.js';

/** How one Hugging Face tensor maps to one model parameter. */
export interface WeightLayout {
  /** Tensor name below the text model's prefix (`layers.0.self_attn.q_proj.weight`), or `lm_head.weight`. */
  readonly hfName: string;
  /** True for `lm_head.weight`, which sits beside the text model rather than inside it. */
  readonly isLmHead: boolean;
  /** The parameter's label in the model. */
  readonly label: string;
  /** Shape of the stored tensor. */
  readonly hfShape: readonly number[];
  /** The stored data seen as these named axes (a reshape of `hfShape`, same element order). */
  readonly axes: readonly (readonly [string, number])[];
  /** Axis order of the model parameter (a transpose of `axes`). */
  readonly order: readonly string[];
  /** Stored as an offset `w`; the parameter holds `1 + w`. */
  readonly offsetNorm: boolean;
  /** The config options that decide the shape, for error messages. */
  readonly shapeFrom: string;
}

const entries = (r: Readonly<Record<string, number>>) => Object.entries(r) as [string, number][];

/**
 * Every tensor a Hugging Face checkpoint of this config holds, in file order (embedding,
 * then layer by layer, then the final norm and an untied `lm_head`).
 *
 * @example
 * hfLayout(gemmaPreset('gemma3_1b')).find((w) => w.hfName.endsWith('q_proj.weight'))!.axes;
 * // [['query_heads', 4], ['projection', 256], ['embedding', 1152]]
 */
export function hfLayout(config: GemmaConfig): WeightLayout[] {
  const { embedDim: D, hiddenDim: F, headDim: H, vocabSize: V, numHeads: N, numKvHeads: K } = config;
  const { common, queryOnly } = headAxes(config);
  const qHeads = [...entries(common), ...entries(queryOnly)];
  const kvHeads = entries(common);
  const names = (a: readonly (readonly [string, number])[]) => a.map(([n]) => n);
  const out: WeightLayout[] = [];
  const add = (w: Omit<WeightLayout, 'isLmHead' | 'offsetNorm'> & { offsetNorm?: boolean; isLmHead?: boolean }) =>
    out.push({ isLmHead: false, offsetNorm: false, ...w });
  const norm = (hfName: string, label: string, axis: string, size: number, from: string) =>
    add({ hfName, label, hfShape: [size], axes: [[axis, size]], order: [axis], offsetNorm: true, shapeFrom: from });

  add({
    hfName: 'embed_tokens.weight', label: LABELS.embeddings, hfShape: [V, D],
    axes: [['vocabulary', V], ['embedding', D]], order: ['vocabulary', 'embedding'], shapeFrom: 'vocab_size × hidden_size',
  });
  for (let i = 0; i < config.numLayers; i++) {
    const p = `layers.${i}.`;
    const L = LABELS.block(i);
    norm(`${p}input_layernorm.weight`, L.preAttentionNorm, 'embedding', D, 'hidden_size');
    add({
      hfName: `${p}self_attn.q_proj.weight`, label: L.query, hfShape: [N * H, D],
      axes: [...qHeads, ['projection', H], ['embedding', D]], order: ['embedding', ...names(qHeads), 'projection'],
      shapeFrom: 'num_attention_heads·head_dim × hidden_size',
    });
    for (const [proj, label] of [['k_proj', L.key], ['v_proj', L.value]] as const) {
      add({
        hfName: `${p}self_attn.${proj}.weight`, label, hfShape: [K * H, D],
        axes: [...kvHeads, ['projection', H], ['embedding', D]], order: ['embedding', ...names(kvHeads), 'projection'],
        shapeFrom: 'num_key_value_heads·head_dim × hidden_size',
      });
    }
    if (config.useQkNorm) {
      norm(`${p}self_attn.q_norm.weight`, L.queryNorm, 'projection', H, 'head_dim');
      norm(`${p}self_attn.k_norm.weight`, L.keyNorm, 'projection', H, 'head_dim');
    }
    add({
      hfName: `${p}self_attn.o_proj.weight`, label: L.output, hfShape: [D, N * H],
      axes: [['embedding', D], ...qHeads, ['projection', H]], order: [...names(qHeads), 'projection', 'embedding'],
      shapeFrom: 'hidden_size × num_attention_heads·head_dim',
    });
    // Gemma 1's "post_attention_layernorm" is the norm before the MLP (it has no post norms).
    if (config.usePostAttnNorm) norm(`${p}post_attention_layernorm.weight`, L.postAttentionNorm, 'embedding', D, 'hidden_size');
    const preFfw = config.family === 'gemma1' ? 'post_attention_layernorm' : 'pre_feedforward_layernorm';
    norm(`${p}${preFfw}.weight`, L.preFfwNorm, 'embedding', D, 'hidden_size');
    for (const [proj, label] of [['gate_proj', L.gating], ['up_proj', L.valueLinear]] as const) {
      add({
        hfName: `${p}mlp.${proj}.weight`, label, hfShape: [F, D],
        axes: [['neurons', F], ['embedding', D]], order: ['embedding', 'neurons'], shapeFrom: 'intermediate_size × hidden_size',
      });
    }
    add({
      hfName: `${p}mlp.down_proj.weight`, label: L.outLinear, hfShape: [D, F],
      axes: [['embedding', D], ['neurons', F]], order: ['neurons', 'embedding'], shapeFrom: 'hidden_size × intermediate_size',
    });
    if (config.usePostFfwNorm) norm(`${p}post_feedforward_layernorm.weight`, L.postFfwNorm, 'embedding', D, 'hidden_size');
  }
  norm('norm.weight', LABELS.finalNorm, 'embedding', D, 'hidden_size');
  if (!config.tieEmbeddings) {
    add({
      hfName: 'lm_head.weight', isLmHead: true, label: LABELS.lmHead, hfShape: [V, D],
      axes: [['vocabulary', V], ['embedding', D]], order: ['embedding', 'vocabulary'], shapeFrom: 'vocab_size × hidden_size',
    });
  }
  return out;
}

/**
 * Turns a stored tensor (already in `layout.hfShape`) into the parameter value: reshape,
 * name, reorder, fold `1 + w`. Does not dispose `t`.
 *
 * @example
 * const value = hfToParameterValue(layout, tf.tensor(data, layout.hfShape));
 */
export function hfToParameterValue(layout: WeightLayout, t: tf.Tensor): NamedArray {
  const data = tf.tidy(() => {
    const named = new NamedArray(tf.reshape(t, layout.axes.map(([, s]) => s)), layout.axes.map(([n]) => n));
    const ordered = (named.orderAs as (...n: string[]) => NamedArray)(...layout.order);
    return layout.offsetNorm ? tf.add(ordered.data, 1) : ordered.data.clone();
  });
  return new NamedArray(data, layout.order);
}

/**
 * The inverse of `hfToParameterValue`: the tensor to store, in `layout.hfShape`, with
 * norm scales unfolded to `w = scale − 1`. The caller disposes the result.
 *
 * @example
 * const t = parameterValueToHf(layout, param.value); const data = await t.data(); t.dispose();
 */
export function parameterValueToHf(layout: WeightLayout, value: NamedArray): tf.Tensor {
  return tf.tidy(() => {
    const t = (value.unwrap as (...n: string[]) => tf.Tensor)(...layout.axes.map(([n]) => n));
    const stored = layout.offsetNorm ? tf.sub(t, 1) : t;
    return tf.reshape(stored, [...layout.hfShape]).clone();
  });
}
