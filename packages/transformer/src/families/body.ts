/**
 * The decoder body of every family: embedding lookup (plus learned positions for GPT-2),
 * the blocks (pre-norm attention and MLP, as two residual steps or one parallel one), the
 * last-token selection, the final norm and a tied or untied decode. Each block is a
 * `TransformerBlock` and each MLP a `TransformerFeedForward`, as in Gemma's tree.
 */
import {
  BranchAndAddTogether, BranchAndMultiplyTogether, Elementwise, EmbeddingDecode, EmbeddingLookup, EmbeddingTable,
  LayerNorm, Linear, NamedGroup, Residual, RMSLayerNorm, Sequential, normalInitializer, type ElementwiseName, type Layer,
} from '@penjing/layers';
import { SelectLastToken } from '../model/last-token.js';
import { TransformerBlock, TransformerFeedForward } from '../model/block.js';
import { checkLMConfig, type Activation, type LMConfig } from './config.js';
import { buildFamilyAttention, projection, typedLayer } from './attention.js';
import { FAMILY_NAMES, familyBlockNames } from './labels.js';
import { AddPositionEmbeddings } from './positions.js';

const ELEMENTWISE: Readonly<Record<Activation, ElementwiseName>> = { silu: 'silu', geluTanh: 'gelu', geluExact: 'geluExact', relu: 'relu' };

function norm(c: LMConfig, name: string, seed: number | null): Layer {
  const spec = { name, seed, acrossAxes: { embedding: c.embedDim }, epsilon: c.normEps };
  return c.norm === 'rms' ? RMSLayerNorm.fromConfig(spec) : LayerNorm.fromConfig(spec);
}

/**
 * The MLP of block `i`: gated `out(act(gating(x)) · value(x))` or plain `out(act(in(x)))`.
 * @example buildFamilyMlp(config, 0, 0)
 */
export function buildFamilyMlp(c: LMConfig, i: number, seed: number | null): TransformerFeedForward {
  const n = familyBlockNames(i);
  const embedding = { embedding: c.embedDim };
  const neurons = { neurons: c.hiddenDim };
  const act = new Elementwise({ fn: ELEMENTWISE[c.activation] });
  const out = projection(n.outLinear, seed, neurons, embedding, c.mlpBias);
  if (c.mlp === 'plain') return new TransformerFeedForward({ sublayers: [...projection(n.inLinear, seed, embedding, neurons, c.mlpBias), act, ...out] });
  const gate = new NamedGroup({ name: 'gate', sublayers: [...projection(n.gating, seed, embedding, neurons, c.mlpBias), act] });
  const value = projection(n.valueLinear, seed, embedding, neurons, c.mlpBias);
  const up = value.length === 1 ? value[0]! : new Sequential({ sublayers: value });
  return new TransformerFeedForward({ sublayers: [new BranchAndMultiplyTogether({ branches: [gate, up] }), ...out] });
}

/**
 * Block `i`: `x + attn(norm(x))` then `+ mlp(norm(·))`, or with a parallel residual
 * `x + attn(norm₁(x)) + mlp(norm₂(x))`.
 * @example buildFamilyBlock(config, 0, null)
 */
export function buildFamilyBlock(c: LMConfig, i: number, seed: number | null): TransformerBlock {
  const n = familyBlockNames(i);
  const attn = new Sequential({ sublayers: [norm(c, n.preAttentionNorm, seed), buildFamilyAttention(c, i, seed)] });
  const ffw = new Sequential({ sublayers: [norm(c, n.preFfwNorm, seed), buildFamilyMlp(c, i, seed)] });
  if (c.parallelResidual) {
    return new TransformerBlock({ sublayers: [new Residual({ delta: typedLayer(new BranchAndAddTogether({ branches: [attn, ffw] })) })] });
  }
  return new TransformerBlock({ sublayers: [new Residual({ delta: typedLayer(attn) }), new Residual({ delta: typedLayer(ffw) })] });
}

/**
 * The body for a config: tokens `{batch…, seq}` → logits, reading the side inputs
 * `tokenPositions` and `returnLastOnly` (which `TransformerLM` supplies). `seed: null` builds
 * parameter slots, to be bound from a checkpoint.
 *
 * @example const body = buildFamilyBody(lmConfigFromHuggingFace(json), 0);
 */
export function buildFamilyBody(config: LMConfig, seed: number | null): Sequential {
  const c = checkLMConfig(config);
  const embedding = { embedding: c.embedDim };
  const table = EmbeddingTable.fromConfig({ name: FAMILY_NAMES.embedder, seed, vocabSize: c.vocabSize, embeddingAxes: embedding, initializer: normalInitializer(0.02) });
  const positions: Layer[] = c.learnedPositions
    ? [new AddPositionEmbeddings({
        table: EmbeddingTable.fromConfig({
          name: FAMILY_NAMES.positionEmbedder, seed, vocabSize: c.learnedPositions, embeddingAxes: embedding,
          vocabularyAxis: 'positions', initializer: normalInitializer(0.01),
        }),
      })]
    : [];
  const decode: Layer = c.tieEmbeddings
    ? new EmbeddingDecode({ table })
    : Linear.fromConfig({ name: FAMILY_NAMES.lmHead, seed, inputAxes: embedding, outputAxes: { vocabulary: c.vocabSize } });
  return new Sequential({
    sublayers: [
      new EmbeddingLookup({ table }),
      ...positions,
      ...Array.from({ length: c.numLayers }, (_, i) => buildFamilyBlock(c, i, seed)),
      new SelectLastToken(),
      norm(c, FAMILY_NAMES.finalNorm, seed),
      decode,
    ],
  });
}
