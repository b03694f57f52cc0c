/**
 * A family model as Penzai's `TransformerLM`: the body for an `LMConfig` plus metadata that
 * records the config. No token id is padding: positions are `0, 1, …` unless the caller
 * passes `tokenPositions` (−1 marks padding), so batches of different lengths work through
 * explicit positions, and the KV-caching form treats every token as real unless given a mask.
 */
import { TransformerLM } from '../model/transformer-lm.js';
import { transformerMetadata, type TransformerMetadata } from '../model/metadata.js';
import { buildFamilyBody } from './body.js';
import { checkLMConfig, type LMConfig } from './config.js';

/** Options of {@link buildFamilyModel}. */
export interface FamilyModelOptions {
  /** Seed of the random initialisation (default 0); `null` builds parameter slots for a checkpoint. */
  readonly seed?: number | null;
  /** Default of the `returnLastOnly` call option. */
  readonly returnLastOnly?: boolean;
}

/**
 * The metadata of a family config: head axes and sizes, `padTokenId` −1 (no token id is
 * padding) and the config itself under `modelConfig`.
 *
 * @example familyMetadata(config).commonHeadAxes // { head_groups: 2 }
 */
export function familyMetadata(c: LMConfig): TransformerMetadata {
  const base = transformerMetadata({ ...c, padTokenId: -1 });
  return Object.freeze({ ...base, modelConfig: c });
}

/**
 * A `TransformerLM` for a config.
 *
 * @example
 * const lm = buildFamilyModel(lmConfigFromHuggingFace(json), { seed: 0 });
 * lm.call(tokens); // {batch, seq, vocabulary}
 */
export function buildFamilyModel(config: LMConfig, options: FamilyModelOptions = {}): TransformerLM {
  const c = checkLMConfig(config);
  const body = buildFamilyBody(c, options.seed === undefined ? 0 : options.seed);
  return new TransformerLM({ body, metadata: familyMetadata(c), returnLastOnly: options.returnLastOnly });
}

/**
 * The family config a model was built from, if it is a family model.
 * @example modelConfigOf(lm)?.modelType // 'llama'
 */
export function modelConfigOf(model: unknown): LMConfig | undefined {
  const m = (model as { metadata?: { modelConfig?: LMConfig } } | null)?.metadata;
  return m?.modelConfig;
}
