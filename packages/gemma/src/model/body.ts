/**
 * The Gemma decoder body: embedding lookup, √D scaling, the blocks, (optionally) the last
 * token only, final norm, tied or untied decoding, final soft-cap. It reads the side inputs
 * `tokenPositions` (RoPE and masks) and `returnLastOnly`; `GemmaTransformer` and
 * `TransformerLM` supply them.
 */
import {
  ConstantRescale, EmbeddingDecode, EmbeddingLookup, EmbeddingTable, Linear, RMSLayerNorm, Sequential, TanhSoftCap,
  normalInitializer, type Layer,
} from '@penjing/layers';
import { checkConfig, type GemmaConfig } from '../config.js';
import { buildBlock } from './block.js';
import { NAMES } from './labels.js';
import { SelectLastToken } from '@penjing/transformer';

/**
 * The factor embeddings are multiplied by: √D rounded to float32, the activation dtype,
 * as both reference implementations round it to theirs.
 *
 * @example
 * embeddingScale(640); // 25.298221588134766
 */
export function embeddingScale(embedDim: number): number {
  return Math.fround(Math.sqrt(embedDim));
}

/**
 * Builds the body of a Gemma model for a (checked) config. `seed: null` builds parameter
 * slots, to be bound from a checkpoint; a number initialises every parameter from it.
 *
 * @example
 * const body = buildGemmaBody(gemmaPreset('gemma3_270m', { numLayers: 2 }), 0);
 */
export function buildGemmaBody(config: GemmaConfig, seed: number | null): Sequential {
  const c = checkConfig(config);
  const embedding = { embedding: c.embedDim };
  // std 1/√D, so that after the √D factor the residual stream starts at unit scale.
  const table = EmbeddingTable.fromConfig({
    name: NAMES.embedder, seed, vocabSize: c.vocabSize, embeddingAxes: embedding, initializer: normalInitializer(1 / Math.sqrt(c.embedDim)),
  });
  const decode: Layer = c.tieEmbeddings
    ? new EmbeddingDecode({ table })
    : Linear.fromConfig({ name: NAMES.lmHead, seed, inputAxes: embedding, outputAxes: { vocabulary: c.vocabSize } });
  const blocks = Array.from({ length: c.numLayers }, (_, i) => buildBlock(c, i, seed));
  return new Sequential({
    sublayers: [
      new EmbeddingLookup({ table }),
      new ConstantRescale({ by: embeddingScale(c.embedDim) }),
      ...blocks,
      new SelectLastToken(),
      RMSLayerNorm.fromConfig({ name: NAMES.finalNorm, seed, acrossAxes: embedding, epsilon: c.rmsNormEps }),
      decode,
      ...(c.finalLogitSoftCap !== null ? [new TanhSoftCap({ softCap: c.finalLogitSoftCap })] : []),
    ],
  });
}
