/**
 * Checking a GemmaConfig, reporting every problem at once rather than the first, so a
 * hand-written or converted config can be fixed in one pass.
 */
import { CONFIG_KEYS, type GemmaConfig } from './types.js';

/** One problem with a config: the option (camelCase, or a Hugging Face key when parsing config.json) and what is wrong. */
export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** Thrown when a config cannot be used; `issues` lists every problem found. */
export class GemmaConfigError extends Error {
  override readonly name = 'GemmaConfigError';
  constructor(
    readonly issues: readonly ConfigIssue[],
    /** The file the config came from, if any. */
    readonly file?: string,
  ) {
    const where = file ? `${file}: ` : '';
    const lines = issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n');
    super(`${where}invalid Gemma config (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`);
  }
}

/** The largest finite float32: a config number beyond it becomes Infinity (then NaN) in a tensor. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** More layers than any real model: a larger count is a corrupt or foreign config, refused before anything is built. */
export const MAX_LAYERS = 10_000;

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isPosNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= FLOAT32_MAX;

/** ' (beyond float32's range …)' for a finite number too large for float32, else ''. */
export function overflowNote(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX
    ? ` (beyond float32's range ±${FLOAT32_MAX.toExponential(4)}: it would become Infinity and make the outputs NaN)`
    : '';
}

/**
 * Every problem with `config`, or [] if it is usable. Checks types and ranges of each
 * option and the relations between them (numKvHeads divides numHeads, one attention type
 * per layer, a window when any layer is local, even headDim for RoPE, token ids in range).
 *
 * @example
 * const issues = validateConfig({ ...gemmaPreset('gemma2_2b'), numKvHeads: 3 });
 * // [{ key: 'numKvHeads', message: 'numHeads 8 is not a multiple of numKvHeads 3 …' }]
 */
export function validateConfig(config: GemmaConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const bad = (key: string, message: string) => issues.push({ key, message });
  if (typeof config !== 'object' || config === null) return [{ key: '(config)', message: 'is not an object' }];
  const c: Record<string, unknown> = { ...config };

  for (const k of Object.keys(c)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) bad(k, 'is not a GemmaConfig option (typo?)');
  }
  for (const k of CONFIG_KEYS) if (!(k in c)) bad(k, 'is missing');

  if (!['gemma1', 'gemma2', 'gemma3'].includes(c.family as string)) {
    bad('family', `is ${JSON.stringify(c.family)}; expected 'gemma1', 'gemma2' or 'gemma3'`);
  }
  for (const k of ['numLayers', 'vocabSize', 'embedDim', 'hiddenDim', 'numHeads', 'numKvHeads', 'headDim', 'maxPositionEmbeddings'] as const) {
    if (k in c && !isPosInt(c[k])) bad(k, `is ${JSON.stringify(c[k])}; expected a positive integer`);
  }
  if (isPosInt(c.numLayers) && c.numLayers > MAX_LAYERS) bad('numLayers', `is ${c.numLayers}; more than ${MAX_LAYERS} layers is not a real model`);
  if (isPosInt(c.numHeads) && isPosInt(c.numKvHeads) && c.numHeads % c.numKvHeads !== 0) {
    bad('numKvHeads', `numHeads ${c.numHeads} is not a multiple of numKvHeads ${c.numKvHeads}; each kv head must serve a whole group of query heads`);
  }
  if (isPosInt(c.headDim) && c.headDim % 2 !== 0) bad('headDim', `is ${c.headDim}; RoPE rotates pairs, so it must be even`);

  for (const k of ['queryPreAttnScalar', 'ropeBaseFrequency', 'ropeLocalBaseFrequency', 'ropeScaleFactor', 'rmsNormEps'] as const) {
    if (k in c && !isPosNum(c[k])) bad(k, `is ${JSON.stringify(c[k])}; expected a positive number${overflowNote(c[k])}`);
  }
  for (const k of ['attnLogitsSoftCap', 'finalLogitSoftCap'] as const) {
    if (k in c && c[k] !== null && !isPosNum(c[k])) bad(k, `is ${JSON.stringify(c[k])}; expected a positive number, or null for no cap${overflowNote(c[k])}`);
  }
  for (const k of ['usePostAttnNorm', 'usePostFfwNorm', 'useQkNorm', 'transposeGatingEinsum', 'tieEmbeddings'] as const) {
    if (k in c && typeof c[k] !== 'boolean') bad(k, `is ${JSON.stringify(c[k])}; expected true or false`);
  }
  if ('activation' in c && c.activation !== 'gelu_tanh') bad('activation', `is ${JSON.stringify(c.activation)}; only 'gelu_tanh' is supported`);

  const types = c.attentionTypes;
  if (!Array.isArray(types)) {
    if ('attentionTypes' in c) bad('attentionTypes', "is not an array of 'global' | 'local'");
  } else {
    if (isPosInt(c.numLayers) && types.length !== c.numLayers) {
      bad('attentionTypes', `has ${types.length} entries but numLayers is ${c.numLayers}; give one per layer`);
    }
    const wrong = types.findIndex((t) => t !== 'global' && t !== 'local');
    if (wrong >= 0) bad('attentionTypes', `entry ${wrong} is ${JSON.stringify(types[wrong])}; expected 'global' or 'local'`);
    if (types.includes('local') && !isPosInt(c.slidingWindowSize)) {
      bad('slidingWindowSize', `is ${JSON.stringify(c.slidingWindowSize)} but layer ${types.indexOf('local')} is local; give a positive window`);
    }
  }
  if ('slidingWindowSize' in c && c.slidingWindowSize !== null && !isPosInt(c.slidingWindowSize)) {
    if (!Array.isArray(types) || !types.includes('local')) bad('slidingWindowSize', `is ${JSON.stringify(c.slidingWindowSize)}; expected a positive integer or null`);
  }

  const inVocab = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && (!isPosInt(c.vocabSize) || v < c.vocabSize);
  for (const k of ['bosTokenId', 'padTokenId'] as const) {
    if (k in c && !inVocab(c[k])) bad(k, `is ${JSON.stringify(c[k])}; expected a token id in 0..vocabSize-1`);
  }
  if ('eosTokenIds' in c) {
    const e = c.eosTokenIds;
    if (!Array.isArray(e) || e.length === 0 || !e.every(inVocab)) {
      bad('eosTokenIds', `is ${JSON.stringify(e)}; expected a non-empty array of token ids in 0..vocabSize-1`);
    }
  }
  return issues;
}

/**
 * Returns `config` if it is valid, else throws GemmaConfigError listing every problem.
 *
 * @example
 * const cfg = checkConfig(JSON.parse(text));
 */
export function checkConfig(config: GemmaConfig, file?: string): GemmaConfig {
  const issues = validateConfig(config);
  if (issues.length) throw new GemmaConfigError(issues, file);
  return config;
}
