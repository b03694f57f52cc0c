/**
 * A Gemma decoder block: a residual attention branch and a residual GeGLU MLP branch, each
 * with a pre-norm and (Gemma 2/3) a post-norm, as in Penzai's `TransformerBlock`.
 */
import {
  BranchAndMultiplyTogether, Elementwise, Linear, NamedGroup, Residual, RMSLayerNorm, Sequential, type Layer,
} from '@penjing/layers';
import { TransformerBlock, TransformerFeedForward } from '@penjing/transformer';
import type { GemmaConfig } from '../config.js';
import { buildAttention } from './attention.js';
import { NAMES } from './labels.js';


/**
 * Builds block `i` of a config (`seed: null` leaves parameter slots).
 *
 * @example
 * buildBlock(gemmaPreset('gemma2_2b', { numLayers: 2 }), 1, null);
 */
export function buildBlock(config: GemmaConfig, i: number, seed: number | null): TransformerBlock {
  const n = NAMES.block(i);
  const embedding = { embedding: config.embedDim };
  const norm = (name: string) => RMSLayerNorm.fromConfig({ name, seed, acrossAxes: embedding, epsilon: config.rmsNormEps });
  const neurons = { neurons: config.hiddenDim };
  const ffw = new TransformerFeedForward({
    sublayers: [
      new BranchAndMultiplyTogether({
        branches: [
          new NamedGroup({
            name: 'gate',
            sublayers: [Linear.fromConfig({ name: n.gating, seed, inputAxes: embedding, outputAxes: neurons }), new Elementwise({ fn: 'gelu' })],
          }),
          Linear.fromConfig({ name: n.valueLinear, seed, inputAxes: embedding, outputAxes: neurons }),
        ],
      }),
      Linear.fromConfig({ name: n.outLinear, seed, inputAxes: neurons, outputAxes: embedding }),
    ],
  });
  const attnBranch: Layer[] = [norm(n.preAttentionNorm), buildAttention(config, i, seed)];
  if (config.usePostAttnNorm) attnBranch.push(norm(n.postAttentionNorm));
  const ffwBranch: Layer[] = [norm(n.preFfwNorm), ffw];
  if (config.usePostFfwNorm) ffwBranch.push(norm(n.postFfwNorm));
  return new TransformerBlock({
    sublayers: [
      new Residual({ delta: new Sequential({ sublayers: attnBranch }) }),
      new Residual({ delta: new Sequential({ sublayers: ffwBranch }) }),
    ],
  });
}
