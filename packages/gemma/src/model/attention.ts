/**
 * The attention layer of one Gemma block, assembled from catalogue layers the way Penzai's
 * llamalike builder does: every option of gm.nn.Block (head layout, qk-norm, RoPE base and
 * scale per layer type, query scaling, logit soft-cap, causal or sliding-window mask) is a
 * visible sublayer, and the whole is a catalogue `Attention` node, so a selector can later
 * swap it for a KV-caching attention.
 */
import {
  ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyRoPE, Attention, ConstantRescale, Linear,
  NamedEinsum, RenameAxes, RMSLayerNorm, Sequential, Softmax, TanhSoftCap, type Layer,
} from '@penjing/layers';
import type { NamedArray } from '@penjing/named-array';
import { layerRope, queryScale, type GemmaConfig } from '../config.js';
import { NAMES } from './labels.js';
import { arrayLayer } from './typed.js';
import { headAxes } from '@penjing/transformer';

/**
 * Builds block `i`'s attention. `seed: null` leaves parameter slots (checkpoint loading).
 *
 * Axes: queries `{…, seq, <heads>, projection}`, keys and values `{…, kv_seq, <kv heads>,
 * projection}`, attention weights `{…, <heads>, seq, kv_seq}`; see `headAxes` for `<heads>`.
 *
 * @example
 * const attn = buildAttention(gemmaPreset('gemma2_2b'), 0, 0); // local layer, window 4096, soft-cap 50
 */
export function buildAttention(config: GemmaConfig, i: number, seed: number | null): Attention {
  const n = NAMES.block(i);
  const { common, queryOnly } = headAxes(config);
  const embedding = { embedding: config.embedDim };
  const projection = { projection: config.headDim };
  const commonNames = Object.keys(common);
  const headNames = [...commonNames, ...Object.keys(queryOnly)];
  const rope = layerRope(config, i);
  const applyRope = () => new ApplyRoPE({ embeddingAxis: 'projection', maxWavelength: rope.baseFrequency, scaleFactor: rope.scaleFactor });
  const qkNorm = (name: string): Layer[] =>
    config.useQkNorm ? [RMSLayerNorm.fromConfig({ name, seed, acrossAxes: projection, epsilon: config.rmsNormEps })] : [];
  const toKvSeq = () => new RenameAxes({ old: 'seq', new: 'kv_seq' });
  const local = config.attentionTypes[i] === 'local';

  const inputToQuery = new Sequential({
    sublayers: [
      Linear.fromConfig({ name: n.query, seed, inputAxes: embedding, outputAxes: { ...common, ...queryOnly, ...projection } }),
      ...qkNorm(n.queryNorm),
      applyRope(),
      // Rounded to float32 once, as the references scale in the activation dtype.
      new ConstantRescale({ by: Math.fround(queryScale(config)) }),
    ],
  });
  const inputToKey = new Sequential({
    sublayers: [
      Linear.fromConfig({ name: n.key, seed, inputAxes: embedding, outputAxes: { ...common, ...projection } }),
      ...qkNorm(n.keyNorm),
      applyRope(),
      toKvSeq(),
    ],
  });
  const inputToValue = new Sequential({
    sublayers: [Linear.fromConfig({ name: n.value, seed, inputAxes: embedding, outputAxes: { ...common, ...projection } }), toKvSeq()],
  });
  const queryKeyToAttn = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [['seq', ...headNames, 'projection'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: [...headNames, 'seq', 'kv_seq'],
      }),
      // Gemma 2 caps the logits before masking.
      ...(config.attnLogitsSoftCap !== null ? [new TanhSoftCap({ softCap: config.attnLogitsSoftCap })] : []),
      local
        ? new ApplyCausalSlidingWindowAttentionMask({ slidingWindowSize: config.slidingWindowSize! })
        : new ApplyCausalAttentionMask(),
      new Softmax({ axes: 'kv_seq' }),
    ],
  });
  const attnValueToOutput = new Sequential({
    sublayers: [
      new NamedEinsum({
        inputAxes: [[...headNames, 'seq', 'kv_seq'], ['kv_seq', ...commonNames, 'projection']],
        outputAxes: ['seq', ...headNames, 'projection'],
      }),
      Linear.fromConfig({ name: n.output, seed, inputAxes: { ...common, ...queryOnly, ...projection }, outputAxes: embedding }),
    ],
  });
  return new Attention({
    inputToQuery: arrayLayer(inputToQuery),
    inputToKey: arrayLayer(inputToKey),
    inputToValue: arrayLayer(inputToValue),
    queryKeyToAttn: arrayLayer<readonly NamedArray[]>(queryKeyToAttn),
    attnValueToOutput: arrayLayer<readonly NamedArray[]>(attnValueToOutput),
  });
}
