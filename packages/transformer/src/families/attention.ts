/**
 * The attention layer of one block, assembled from catalogue layers the way Penzai's
 * llamalike builder does, for every family: head layout (`headAxes`), optional q/k/v and
 * output biases, optional per-head q/k RMSNorm, the family's RoPE (full, partial, linear or
 * Llama 3 scaled) or none, query scaling by 1/√head_dim, and a causal or sliding-window
 * mask. It is a catalogue `Attention`, so `toCachingModel` swaps in the KV-caching form.
 */
import {
  AddBias, ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyRoPE, ApplyRoPEToSubset, Attention,
  ConstantRescale, Linear, NamedEinsum, RenameAxes, RMSLayerNorm, Sequential, Softmax, TanhSoftCap, type AxisSizes, type Layer,
} from '@penjing/layers';
import type { NamedArray } from '@penjing/named-array';
import { headAxes } from '../model/metadata.js';
import type { LMConfig } from './config.js';
import { familyBlockNames } from './labels.js';
import { ApplyLlama3RoPE } from './rope.js';

/** Views a catalogue layer as the typed layer a field wants (the catalogue's Sequential is untyped). */
export function typedLayer<I = NamedArray, O = NamedArray>(layer: Layer): Layer<I, O> {
  return layer as unknown as Layer<I, O>;
}

/** A Linear, followed by its bias when the family has one. */
export function projection(name: string, seed: number | null, inputAxes: AxisSizes, outputAxes: AxisSizes, bias: boolean): Layer[] {
  const linear = Linear.fromConfig({ name, seed, inputAxes, outputAxes });
  return bias ? [linear, AddBias.fromConfig({ name, seed, biasedAxes: outputAxes })] : [linear];
}

/** The family's rotary embedding layer for queries and keys, or none. */
function ropeLayers(c: LMConfig): Layer[] {
  const r = c.rope;
  if (!r) return [];
  const axis = 'projection';
  if (r.scaling?.type === 'llama3') {
    if (r.rotaryDims !== c.headDim) throw new RangeError(`${c.modelType} config: llama3 rope scaling with partial rotary embeddings is not supported.`);
    const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = r.scaling;
    return [new ApplyLlama3RoPE({ embeddingAxis: axis, maxWavelength: r.theta, factor, lowFreqFactor, highFreqFactor, originalMaxPositions })];
  }
  const scaleFactor = r.scaling?.factor ?? 1;
  if (r.rotaryDims < c.headDim) {
    return [new ApplyRoPEToSubset({ embeddingAxis: axis, maxWavelength: r.theta, ropeSubsetSize: r.rotaryDims, scaleFactor })];
  }
  return [new ApplyRoPE({ embeddingAxis: axis, maxWavelength: r.theta, scaleFactor })];
}

/** Everything that decides one attention layer; every family (Gemma's too) fills it in. */
export interface AttentionSpec {
  /** Label stems of the projections (and of the q/k norms when `qkNormEpsilon` is set). */
  readonly names: { readonly query: string; readonly key: string; readonly value: string; readonly output: string; readonly queryNorm: string; readonly keyNorm: string };
  readonly seed: number | null;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly embedDim: number;
  readonly qkvBias?: boolean;
  readonly outputBias?: boolean;
  /** Per-head RMSNorm of queries and keys (over `projection`) with this epsilon, before RoPE. */
  readonly qkNormEpsilon?: number | null;
  /** The rotary layer(s) applied to queries and keys (a fresh list per call), or none. */
  readonly rope: () => Layer[];
  /** The factor queries are multiplied by (1/√head_dim, or Gemma's query_pre_attn_scalar^-½). */
  readonly queryScale: number;
  /** `cap·tanh(logits/cap)` before the mask (Gemma 2), or null. */
  readonly logitSoftCap?: number | null;
  /** Each query sees this many keys including itself, or null for full causal attention. */
  readonly slidingWindow: number | null;
}

/**
 * A catalogue `Attention` from a spec: queries `{…, seq, <heads>, projection}`, keys and values
 * `{…, kv_seq, <kv heads>, projection}`, attention weights `{…, <heads>, seq, kv_seq}`, the
 * head axes from `headAxes`.
 *
 * @example buildAttentionLayer({ names: familyBlockNames(0), seed: 0, numHeads: 4, numKvHeads: 2, headDim: 16, embedDim: 64, rope: () => [], queryScale: 0.25, slidingWindow: null })
 */
export function buildAttentionLayer(a: AttentionSpec): Attention {
  const n = a.names;
  const { common, queryOnly } = headAxes(a);
  const embedding = { embedding: a.embedDim };
  const proj = { projection: a.headDim };
  const commonNames = Object.keys(common);
  const headNames = [...commonNames, ...Object.keys(queryOnly)];
  const eps = a.qkNormEpsilon;
  const qkNorm = (name: string): Layer[] =>
    eps === undefined || eps === null ? [] : [RMSLayerNorm.fromConfig({ name, seed: a.seed, acrossAxes: proj, epsilon: eps })];
  const toKvSeq = () => new RenameAxes({ old: 'seq', new: 'kv_seq' });

  const inputToQuery = new Sequential({
    sublayers: [
      ...projection(n.query, a.seed, embedding, { ...common, ...queryOnly, ...proj }, a.qkvBias ?? false),
      ...qkNorm(n.queryNorm),
      ...a.rope(),
      // Rounded to float32 once, as the references scale in the activation dtype.
      new ConstantRescale({ by: Math.fround(a.queryScale) }),
    ],
  });
  const inputToKey = new Sequential({
    sublayers: [...projection(n.key, a.seed, embedding, { ...common, ...proj }, a.qkvBias ?? false), ...qkNorm(n.keyNorm), ...a.rope(), toKvSeq()],
  });
  const inputToValue = new Sequential({ sublayers: [...projection(n.value, a.seed, embedding, { ...common, ...proj }, a.qkvBias ?? false), toKvSeq()] });
  const queryKeyToAttn = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [['seq', ...headNames, 'projection'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: [...headNames, 'seq', 'kv_seq'],
      }),
      ...(a.logitSoftCap !== undefined && a.logitSoftCap !== null ? [new TanhSoftCap({ softCap: a.logitSoftCap })] : []),
      a.slidingWindow === null ? new ApplyCausalAttentionMask() : new ApplyCausalSlidingWindowAttentionMask({ slidingWindowSize: a.slidingWindow }),
      new Softmax({ axes: 'kv_seq' }),
    ],
  });
  const attnValueToOutput = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [[...headNames, 'seq', 'kv_seq'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: ['seq', ...headNames, 'projection'],
      }),
      ...projection(n.output, a.seed, { ...common, ...queryOnly, ...proj }, embedding, a.outputBias ?? false),
    ],
  });
  return new Attention({
    inputToQuery: typedLayer(inputToQuery),
    inputToKey: typedLayer(inputToKey),
    inputToValue: typedLayer(inputToValue),
    queryKeyToAttn: typedLayer<readonly NamedArray[]>(queryKeyToAttn),
    attnValueToOutput: typedLayer<readonly NamedArray[]>(attnValueToOutput),
  });
}

/**
 * Builds block `i`'s attention for a family config (`seed: null` leaves parameter slots, for
 * checkpoint loading): queries scaled by 1/√head_dim, the family's RoPE, biases and q/k norms.
 *
 * @example buildFamilyAttention(config, 0, 0)
 */
export function buildFamilyAttention(c: LMConfig, i: number, seed: number | null): Attention {
  return buildAttentionLayer({
    names: familyBlockNames(i), seed, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim, embedDim: c.embedDim,
    qkvBias: c.qkvBias, outputBias: c.outputBias, qkNormEpsilon: c.qkNorm ? c.normEps : null, rope: () => ropeLayers(c),
    queryScale: 1 / Math.sqrt(c.headDim), slidingWindow: c.slidingWindows[i] ?? null,
  });
}
