/**
 * The attention layer of one block, assembled from catalogue layers the way Penzai's
 * llamalike builder does, for every family: head layout (`headAxes`), optional q/k/v and
 * output biases, optional per-head q/k RMSNorm, the family's RoPE (full, partial, linear or
 * Llama 3 scaled) or none, query scaling by 1/√head_dim, and a causal or sliding-window
 * mask. It is a catalogue `Attention`, so `toCachingModel` swaps in the KV-caching form.
 */
import {
  AddBias, ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyRoPE, ApplyRoPEToSubset, Attention,
  ConstantRescale, Linear, NamedEinsum, RenameAxes, RMSLayerNorm, Sequential, Softmax, type AxisSizes, type Layer,
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
    return [new ApplyLlama3RoPE({ embeddingAxis: axis, maxWavelength: r.theta, ...r.scaling })];
  }
  const scaleFactor = r.scaling?.factor ?? 1;
  if (r.rotaryDims < c.headDim) {
    return [new ApplyRoPEToSubset({ embeddingAxis: axis, maxWavelength: r.theta, ropeSubsetSize: r.rotaryDims, scaleFactor })];
  }
  return [new ApplyRoPE({ embeddingAxis: axis, maxWavelength: r.theta, scaleFactor })];
}

/**
 * Builds block `i`'s attention (`seed: null` leaves parameter slots, for checkpoint loading).
 * Queries `{…, seq, <heads>, projection}`, keys and values `{…, kv_seq, <kv heads>,
 * projection}`, attention weights `{…, <heads>, seq, kv_seq}`.
 *
 * @example buildFamilyAttention(config, 0, 0)
 */
export function buildFamilyAttention(c: LMConfig, i: number, seed: number | null): Attention {
  const n = familyBlockNames(i);
  const { common, queryOnly } = headAxes(c);
  const embedding = { embedding: c.embedDim };
  const proj = { projection: c.headDim };
  const commonNames = Object.keys(common);
  const headNames = [...commonNames, ...Object.keys(queryOnly)];
  const qkNorm = (name: string): Layer[] =>
    c.qkNorm ? [RMSLayerNorm.fromConfig({ name, seed, acrossAxes: proj, epsilon: c.normEps })] : [];
  const toKvSeq = () => new RenameAxes({ old: 'seq', new: 'kv_seq' });
  const window = c.slidingWindows[i];

  const inputToQuery = new Sequential({
    sublayers: [
      ...projection(n.query, seed, embedding, { ...common, ...queryOnly, ...proj }, c.qkvBias),
      ...qkNorm(n.queryNorm),
      ...ropeLayers(c),
      new ConstantRescale({ by: Math.fround(1 / Math.sqrt(c.headDim)) }),
    ],
  });
  const inputToKey = new Sequential({
    sublayers: [...projection(n.key, seed, embedding, { ...common, ...proj }, c.qkvBias), ...qkNorm(n.keyNorm), ...ropeLayers(c), toKvSeq()],
  });
  const inputToValue = new Sequential({ sublayers: [...projection(n.value, seed, embedding, { ...common, ...proj }, c.qkvBias), toKvSeq()] });
  const queryKeyToAttn = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [['seq', ...headNames, 'projection'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: [...headNames, 'seq', 'kv_seq'],
      }),
      window === null ? new ApplyCausalAttentionMask() : new ApplyCausalSlidingWindowAttentionMask({ slidingWindowSize: window }),
      new Softmax({ axes: 'kv_seq' }),
    ],
  });
  const attnValueToOutput = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [[...headNames, 'seq', 'kv_seq'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: ['seq', ...headNames, 'projection'],
      }),
      ...projection(n.output, seed, { ...common, ...queryOnly, ...proj }, embedding, c.outputBias),
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
