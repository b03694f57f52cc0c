/**
 * Where each parameter of a family's model lives in a Hugging Face checkpoint, and how the
 * stored layout maps to named axes. One stored tensor may feed several parameters (GPT-2's
 * fused `c_attn`, GPT-NeoX's `query_key_value`); the split happens here, at load time, so the
 * model tree has separate query, key and value projections in every family.
 *
 * Layouts: `nn.Linear` weights are `[out, in]`; GPT-2's `Conv1D` weights are `[in, out]`;
 * `c_attn`'s output columns are `[3, heads, head_dim]`; GPT-NeoX's `query_key_value` rows are
 * `[heads, 3, head_dim]`. Head axes follow `headAxes` (query head n = g·(N/K) + q).
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { headAxes } from '../model/metadata.js';
import type { LMConfig } from './config.js';
import { FAMILY_NAMES, familyBlockNames } from './labels.js';

type Axes = readonly (readonly [string, number])[];

/** One parameter cut from a stored tensor. */
export interface ParameterTarget {
  readonly label: string;
  /** The stored data seen as these named axes (a reshape of the stored shape). */
  readonly axes: Axes;
  /** For fused tensors: the part of axis `axis` this parameter is. */
  readonly pick?: { readonly axis: string; readonly index: number };
  /** Axis order of the parameter. */
  readonly order: readonly string[];
}

/** One stored tensor and the parameters it holds. */
export interface StoredTensor {
  /** Name in the checkpoint, without the family's prefix. */
  readonly name: string;
  /** Sits outside the prefix (an `lm_head.weight` beside `model.`). */
  readonly top: boolean;
  readonly shape: readonly number[];
  /** The config keys that decide the shape, for error messages. */
  readonly shapeFrom: string;
  readonly targets: readonly ParameterTarget[];
}

/** Tensor-name prefixes a checkpoint of each model type may use, most usual first. */
export const FAMILY_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  llama: ['model.'], mistral: ['model.'], qwen2: ['model.'], qwen3: ['model.'],
  gpt2: ['', 'transformer.'],
  gpt_neox: ['gpt_neox.'],
};

/** Stored tensors that are buffers, not parameters (causal-mask constants, RoPE frequencies). */
export const IGNORED_TENSORS: readonly RegExp[] = [/\.attn\.bias$/, /\.attn\.masked_bias$/, /\.attention\.bias$/, /\.attention\.masked_bias$/, /rotary_emb\.inv_freq$/];

const names = (a: Axes) => a.map(([n]) => n);
const size = (a: Axes) => a.reduce((s, [, k]) => s * k, 1);

/** Builds the stored-tensor list of one family. */
class LayoutBuilder {
  readonly out: StoredTensor[] = [];
  add(name: string, shapeFrom: string, axes: Axes, label: string, order: readonly string[], top = false): void {
    this.out.push({ name, top, shape: axes.length ? shapeOf(axes) : [], shapeFrom, targets: [{ label, axes, order }] });
  }
  /** A torch `nn.Linear` weight `[out, in]` (and its bias `[out]`). */
  linear(name: string, label: string, outAxes: Axes, inAxes: Axes, from: string, bias: boolean): void {
    this.out.push({ name: `${name}.weight`, top: false, shape: [size(outAxes), size(inAxes)], shapeFrom: from, targets: [{ label: `${label}.weights`, axes: [...outAxes, ...inAxes], order: [...names(inAxes), ...names(outAxes)] }] });
    if (bias) this.out.push({ name: `${name}.bias`, top: false, shape: [size(outAxes)], shapeFrom: from, targets: [{ label: `${label}.bias`, axes: outAxes, order: names(outAxes) }] });
  }
  /** GPT-2's `Conv1D` weight `[in, out]` and bias `[out]`. */
  conv1d(name: string, label: string, inAxes: Axes, outAxes: Axes, from: string): void {
    this.out.push({ name: `${name}.weight`, top: false, shape: [size(inAxes), size(outAxes)], shapeFrom: from, targets: [{ label: `${label}.weights`, axes: [...inAxes, ...outAxes], order: [...names(inAxes), ...names(outAxes)] }] });
    this.out.push({ name: `${name}.bias`, top: false, shape: [size(outAxes)], shapeFrom: from, targets: [{ label: `${label}.bias`, axes: outAxes, order: names(outAxes) }] });
  }
  /** A norm weight (and bias, for LayerNorm) over one axis. */
  norm(name: string, label: string, axis: string, n: number, from: string, withBias: boolean): void {
    this.add(`${name}.weight`, from, [[axis, n]], `${label}/scale.weights`, [axis]);
    if (withBias) this.add(`${name}.bias`, from, [[axis, n]], `${label}/shift.bias`, [axis]);
  }
  /** A fused q/k/v tensor: `axes` contains a `part` axis of size 3 (query, key, value). */
  fused(name: string, shape: number[], from: string, axes: Axes, labels: readonly [string, string, string], order: readonly string[]): void {
    this.out.push({ name, top: false, shape, shapeFrom: from, targets: labels.map((label, index) => ({ label, axes, pick: { axis: 'part', index }, order })) });
  }
}

function shapeOf(axes: Axes): number[] {
  return axes.map(([, s]) => s);
}

/**
 * The stored tensors of a checkpoint of this config, in file order.
 *
 * @example familyHfLayout(config).map((t) => t.name) // ['embed_tokens.weight', 'layers.0.input_layernorm.weight', …]
 */
export function familyHfLayout(c: LMConfig): StoredTensor[] {
  if (c.modelType === 'gpt2') return gpt2Layout(c);
  if (c.modelType === 'gpt_neox') return neoxLayout(c);
  return llamaLayout(c);
}

function heads(c: LMConfig) {
  const { common, queryOnly } = headAxes(c);
  const q: Axes = [...Object.entries(common), ...Object.entries(queryOnly), ['projection', c.headDim]];
  const kv: Axes = [...Object.entries(common), ['projection', c.headDim]];
  return { q, kv };
}

function llamaLayout(c: LMConfig): StoredTensor[] {
  const b = new LayoutBuilder();
  const D: Axes = [['embedding', c.embedDim]];
  const F: Axes = [['neurons', c.hiddenDim]];
  const { q, kv } = heads(c);
  b.add('embed_tokens.weight', 'vocab_size × hidden_size', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.embedder}.embeddings`, ['vocabulary', 'embedding']);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `layers.${i}.`;
    const n = familyBlockNames(i);
    b.norm(`${p}input_layernorm`, n.preAttentionNorm, 'embedding', c.embedDim, 'hidden_size', false);
    b.linear(`${p}self_attn.q_proj`, n.query, q, D, 'num_attention_heads·head_dim × hidden_size', c.qkvBias);
    b.linear(`${p}self_attn.k_proj`, n.key, kv, D, 'num_key_value_heads·head_dim × hidden_size', c.qkvBias);
    b.linear(`${p}self_attn.v_proj`, n.value, kv, D, 'num_key_value_heads·head_dim × hidden_size', c.qkvBias);
    if (c.qkNorm) {
      b.norm(`${p}self_attn.q_norm`, n.queryNorm, 'projection', c.headDim, 'head_dim', false);
      b.norm(`${p}self_attn.k_norm`, n.keyNorm, 'projection', c.headDim, 'head_dim', false);
    }
    b.linear(`${p}self_attn.o_proj`, n.output, D, q, 'hidden_size × num_attention_heads·head_dim', c.outputBias);
    b.norm(`${p}post_attention_layernorm`, n.preFfwNorm, 'embedding', c.embedDim, 'hidden_size', false);
    b.linear(`${p}mlp.gate_proj`, n.gating, F, D, 'intermediate_size × hidden_size', c.mlpBias);
    b.linear(`${p}mlp.up_proj`, n.valueLinear, F, D, 'intermediate_size × hidden_size', c.mlpBias);
    b.linear(`${p}mlp.down_proj`, n.outLinear, D, F, 'hidden_size × intermediate_size', c.mlpBias);
  }
  b.norm('norm', FAMILY_NAMES.finalNorm, 'embedding', c.embedDim, 'hidden_size', false);
  if (!c.tieEmbeddings) b.add('lm_head.weight', 'vocab_size × hidden_size', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.lmHead}.weights`, ['embedding', 'vocabulary'], true);
  return b.out;
}

function gpt2Layout(c: LMConfig): StoredTensor[] {
  const b = new LayoutBuilder();
  const D: Axes = [['embedding', c.embedDim]];
  const F: Axes = [['neurons', c.hiddenDim]];
  const { q } = heads(c);
  b.add('wte.weight', 'vocab_size × n_embd', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.embedder}.embeddings`, ['vocabulary', 'embedding']);
  b.add('wpe.weight', 'n_positions × n_embd', [['positions', c.learnedPositions!], ...D], `${FAMILY_NAMES.positionEmbedder}.embeddings`, ['positions', 'embedding']);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `h.${i}.`;
    const n = familyBlockNames(i);
    const labels = [n.query, n.key, n.value] as const;
    b.norm(`${p}ln_1`, n.preAttentionNorm, 'embedding', c.embedDim, 'n_embd', true);
    // Conv1D: columns are [q | k | v], each heads × head_dim.
    b.fused(`${p}attn.c_attn.weight`, [c.embedDim, 3 * c.embedDim], 'n_embd × 3·n_embd', [...D, ['part', 3], ...q],
      qkv(labels, 'weights'), ['embedding', ...names(q)]);
    b.fused(`${p}attn.c_attn.bias`, [3 * c.embedDim], '3·n_embd', [['part', 3], ...q], qkv(labels, 'bias'), names(q));
    b.conv1d(`${p}attn.c_proj`, n.output, q, D, 'n_embd × n_embd');
    b.norm(`${p}ln_2`, n.preFfwNorm, 'embedding', c.embedDim, 'n_embd', true);
    b.conv1d(`${p}mlp.c_fc`, n.inLinear, D, F, 'n_embd × n_inner');
    b.conv1d(`${p}mlp.c_proj`, n.outLinear, F, D, 'n_inner × n_embd');
  }
  b.norm('ln_f', FAMILY_NAMES.finalNorm, 'embedding', c.embedDim, 'n_embd', true);
  if (!c.tieEmbeddings) b.add('lm_head.weight', 'vocab_size × n_embd', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.lmHead}.weights`, ['embedding', 'vocabulary'], true);
  return b.out;
}

function neoxLayout(c: LMConfig): StoredTensor[] {
  const b = new LayoutBuilder();
  const D: Axes = [['embedding', c.embedDim]];
  const F: Axes = [['neurons', c.hiddenDim]];
  const { q } = heads(c);
  const [headAxis, proj] = [q[0]!, q[q.length - 1]!];
  b.add('embed_in.weight', 'vocab_size × hidden_size', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.embedder}.embeddings`, ['vocabulary', 'embedding']);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `layers.${i}.`;
    const n = familyBlockNames(i);
    const labels = [n.query, n.key, n.value] as const;
    b.norm(`${p}input_layernorm`, n.preAttentionNorm, 'embedding', c.embedDim, 'hidden_size', true);
    // Rows grouped per head: [heads, 3, head_dim].
    const rows: Axes = [headAxis, ['part', 3], proj];
    b.fused(`${p}attention.query_key_value.weight`, [3 * c.embedDim, c.embedDim], '3·hidden_size × hidden_size', [...rows, ...D],
      qkv(labels, 'weights'), ['embedding', ...names(q)]);
    if (c.qkvBias) b.fused(`${p}attention.query_key_value.bias`, [3 * c.embedDim], '3·hidden_size', rows, qkv(labels, 'bias'), names(q));
    b.linear(`${p}attention.dense`, n.output, D, q, 'hidden_size × hidden_size', c.outputBias);
    b.norm(`${p}post_attention_layernorm`, n.preFfwNorm, 'embedding', c.embedDim, 'hidden_size', true);
    b.linear(`${p}mlp.dense_h_to_4h`, n.inLinear, F, D, 'intermediate_size × hidden_size', true);
    b.linear(`${p}mlp.dense_4h_to_h`, n.outLinear, D, F, 'hidden_size × intermediate_size', true);
  }
  b.norm('final_layer_norm', FAMILY_NAMES.finalNorm, 'embedding', c.embedDim, 'hidden_size', true);
  if (!c.tieEmbeddings) b.add('embed_out.weight', 'vocab_size × hidden_size', [['vocabulary', c.vocabSize], ...D], `${FAMILY_NAMES.lmHead}.weights`, ['embedding', 'vocabulary'], true);
  return b.out;
}

/** The three parameter paths a fused q|k|v tensor splits into, e.g. `blocks.0.attention.query.weights`. */
function qkv(labels: readonly [string, string, string], leaf: string): readonly [string, string, string] {
  return [`${labels[0]}.${leaf}`, `${labels[1]}.${leaf}`, `${labels[2]}.${leaf}`];
}

/**
 * The parameter value a target cuts from a stored tensor `t` (already in the stored shape):
 * reshape, name, pick the fused part, reorder. Does not dispose `t`.
 *
 * @example const value = storedToParameter(target, tf.tensor(data, stored.shape));
 */
export function storedToParameter(target: ParameterTarget, t: tf.Tensor): NamedArray {
  const data = tf.tidy(() => {
    let named = new NamedArray(tf.reshape(t, shapeOf(target.axes)), names(target.axes));
    if (target.pick) named = named.index({ [target.pick.axis]: target.pick.index });
    return (named.orderAs as (...n: string[]) => NamedArray)(...target.order).data.clone();
  });
  return new NamedArray(data, target.order);
}
