/**
 * The attention layer of one Gemma block: `@penjing/transformer`'s shared attention builder
 * (the one every family uses) with Gemma's options — head layout, qk-norm, RoPE base and
 * scale per layer type, query scaling by query_pre_attn_scalar^-½, logit soft-cap, causal or
 * sliding-window mask. Every option is a visible sublayer, and the whole is a catalogue
 * `Attention` node, so a selector can later swap it for a KV-caching attention.
 */
import { ApplyRoPE, type Attention } from '@penjing/layers';
import { buildAttentionLayer } from '@penjing/transformer';
import { layerRope, queryScale, type GemmaConfig } from '../config.js';
import { NAMES } from './labels.js';

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
  const rope = layerRope(config, i);
  return buildAttentionLayer({
    names: NAMES.block(i),
    seed,
    numHeads: config.numHeads,
    numKvHeads: config.numKvHeads,
    headDim: config.headDim,
    embedDim: config.embedDim,
    qkNormEpsilon: config.useQkNorm ? config.rmsNormEps : null,
    rope: () => [new ApplyRoPE({ embeddingAxis: 'projection', maxWavelength: rope.baseFrequency, scaleFactor: rope.scaleFactor })],
    queryScale: queryScale(config),
    // Gemma 2 caps the logits before masking.
    logitSoftCap: config.attnLogitsSoftCap,
    slidingWindow: config.attentionTypes[i] === 'local' ? config.slidingWindowSize! : null,
  });
}
