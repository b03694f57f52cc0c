/**
 * Sampling options: what the user may ask for, checked all at once, and the normalised
 * settings the sampler runs on.
 */

/** How to pick the next token from a row of logits. */
export interface SamplingOptions {
  /**
   * Softmax temperature; `0` means greedy (argmax). Default: `1` when `topK` or `topP` is
   * given, else `0` — so `{}` is greedy, as `gm.text.Sampler` is by default.
   */
  readonly temperature?: number;
  /** Keep only the `topK` most likely tokens (applied after temperature). Integer ≥ 1; clamped to the vocabulary. */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches `topP` (after top-k). In (0, 1]; 1 keeps all. */
  readonly topP?: number;
  /** Ids never to pick (e.g. a tokenizer's `forbiddenIds`, or model rows beyond the tokenizer's vocabulary). */
  readonly forbiddenIds?: readonly number[];
}

/** {@link SamplingOptions} with every default filled in and every value checked. */
export interface SamplingConfig {
  readonly temperature: number;
  /** `undefined`: no top-k filter. */
  readonly topK: number | undefined;
  readonly topP: number;
  readonly forbiddenIds: readonly number[];
}

/** Gemma 3's Hugging Face `generation_config.json`: temperature 1, top-k 64, top-p 0.95. */
export const GEMMA3_DEFAULT_SAMPLING: SamplingOptions = Object.freeze({ temperature: 1, topK: 64, topP: 0.95 });

/**
 * Raised for invalid sampling options; its message lists every problem at once.
 *
 * @example
 * validateSamplingOptions({ temperature: -1, topP: 0 });
 * // SamplingOptionsError: invalid sampling options: temperature must be ≥ 0 (got -1); topP must be in (0, 1] (got 0)
 */
export class SamplingOptionsError extends Error {
  override readonly name = 'SamplingOptionsError';
  /** Each problem, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid sampling options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/**
 * Checks sampling options and fills in defaults. With `vocabSize`, also checks that the
 * forbidden ids fit the logits and leave something to pick.
 *
 * @example
 * validateSamplingOptions({ topK: 40 });
 * // { temperature: 1, topK: 40, topP: 1, forbiddenIds: [] }
 */
export function validateSamplingOptions(options: SamplingOptions, vocabSize?: number): SamplingConfig {
  const problems: string[] = [];
  const { temperature, topK, topP } = options;
  const forbiddenIds: readonly number[] = Array.isArray(options.forbiddenIds) ? options.forbiddenIds : [];
  if (options.forbiddenIds !== undefined && !Array.isArray(options.forbiddenIds)) {
    problems.push(`forbiddenIds must be an array of token ids (got ${JSON.stringify(options.forbiddenIds)})`);
  }
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0)) {
    problems.push(`temperature must be a finite number ≥ 0 (got ${temperature})`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    problems.push(`topK must be an integer ≥ 1 (got ${topK})`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) {
    problems.push(`topP must be in (0, 1] (got ${topP})`);
  }
  const badIds = forbiddenIds.filter((id) => !Number.isInteger(id) || id < 0 || (vocabSize !== undefined && id >= vocabSize));
  if (badIds.length > 0) {
    const range = vocabSize === undefined ? 'non-negative integers' : `integers in 0 … ${vocabSize - 1}`;
    problems.push(`forbiddenIds must be ${range} (got ${badIds.slice(0, 5).join(', ')}${badIds.length > 5 ? ', …' : ''})`);
  }
  if (vocabSize !== undefined && badIds.length === 0 && new Set(forbiddenIds).size >= vocabSize) {
    problems.push(`forbiddenIds forbid all ${vocabSize} ids, leaving nothing to sample`);
  }
  if (problems.length > 0) throw new SamplingOptionsError(problems);
  const samples = topK !== undefined || topP !== undefined;
  return {
    temperature: temperature ?? (samples ? 1 : 0),
    topK: topK === undefined || vocabSize === undefined ? topK : Math.min(topK, vocabSize),
    topP: topP ?? 1,
    forbiddenIds: [...new Set(forbiddenIds)],
  };
}
