/**
 * Seeded token samplers over a `[batch, vocabulary]` logits tensor: greedy, temperature,
 * top-k and top-p, with forbidden ids; the same seed draws the same tokens on every backend.
 *
 * @example
 * import { sample, RandomStream } from '@penjing/transformer/sampling';
 * const ids = await sample(logits, { temperature: 0.7, topK: 40 }, new RandomStream(1));
 */
export {
  sample, sampleSync, greedy, RandomStream, NonFiniteLogitsError,
  validateSamplingOptions, SamplingOptionsError, GEMMA3_DEFAULT_SAMPLING, type SamplingOptions, type SamplingConfig,
} from './generation/sampling.js';
