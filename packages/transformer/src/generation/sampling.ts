/**
 * Picking next tokens from last-position logits `[batch, vocab]`: greedy, temperature, top-k
 * and top-p, applied in that order (temperature → top-k → top-p, as in Hugging Face and `gm`).
 *
 * The device does the vocabulary-wide ordering (argmax, top-k); the probabilities and the draw
 * are computed in JavaScript, in float64, with a {@link RandomStream}. Why not
 * `tf.multinomial(logits, 1, seed)`: its random numbers come from a different generator on
 * each backend (cpu, wasm, webgl), and its float32 softmax sums differ between backends, so a
 * seed would reproduce a run only on the backend that made it. Drawing in JS from read-back
 * logits gives the same token for the same logits and seed on every backend (tested on cpu
 * and wasm), at the cost of reading back k values per row (or, for top-p without top-k and
 * for plain temperature sampling, the whole row: 1 MB per row for Gemma's 262k vocabulary).
 *
 * Every function here is pure: it reads the logits, never disposes or keeps them, and
 * leaves no tensor behind (the logits may be disposed as soon as the call returns, even
 * before an async call resolves).
 */
import * as tf from '@tensorflow/tfjs';
import { drawIndex, logSumExpScaled, nucleusSize, type Row } from './sampling-pick.js';
import { RandomStream } from './sampling-random.js';
import { validateSamplingOptions, type SamplingConfig, type SamplingOptions } from './sampling-options.js';

export { RandomStream } from './sampling-random.js';
export {
  validateSamplingOptions,
  SamplingOptionsError,
  GEMMA3_DEFAULT_SAMPLING,
  type SamplingOptions,
  type SamplingConfig,
} from './sampling-options.js';

/** Candidates read per row in the first round of top-p without top-k; a nucleus is usually far smaller. */
const FIRST_NUCLEUS_READ = 256;
const NUCLEUS_READ_GROWTH = 8;

/** A sampling computation that yields tensors to read back and resumes with their data. */
type Plan = Generator<tf.Tensor[], number[], tf.TypedArray[]>;

function checkLogits(logits: tf.Tensor): asserts logits is tf.Tensor2D {
  if (logits.rank !== 2) {
    throw new Error(`sample: logits must be a 2-D tensor [batch, vocab], got shape [${logits.shape.join(', ')}]`);
  }
  if (logits.dtype !== 'float32') throw new Error(`sample: logits must be float32, got ${logits.dtype}`);
  if (logits.shape[1] === 0) throw new Error('sample: logits have an empty vocabulary axis');
}

function forbidMask(vocab: number, ids: readonly number[]): tf.Tensor1D {
  const mask = new Float32Array(vocab);
  for (const id of ids) mask[id] = -Infinity;
  return tf.tensor1d(mask);
}

function perRow(batch: number, pick: (row: number) => number): number[] {
  return Array.from({ length: batch }, (_, b) => pick(b));
}

/** Raised when a row of logits holds NaN or +Infinity: no token can be chosen from it. */
export class NonFiniteLogitsError extends Error {
  override readonly name = 'NonFiniteLogitsError';
  constructor(readonly rows: readonly number[]) {
    super(`sample: logits row${rows.length > 1 ? 's' : ''} ${rows.join(', ')} hold${rows.length > 1 ? '' : 's'} NaN or +Infinity, so no token can be chosen ` +
      '(the model produced non-finite values: check its weights and config for NaN/Inf or overflowing values)');
  }
}

function* plan(logits: tf.Tensor2D, config: SamplingConfig, rng: RandomStream | undefined): Plan {
  const [batch, vocab] = logits.shape;
  if (batch === 0) return [];
  // Our own handle on the data, so the caller may dispose `logits` at once: a reshape to the
  // same shape shares the data on every backend (a clone copies it on wasm).
  const masked: tf.Tensor2D = tf.tidy(() => (config.forbiddenIds.length === 0 ? tf.reshape(logits, logits.shape) : logits.add(forbidMask(vocab, config.forbiddenIds))));
  try {
    // A NaN row would argmax to 0 and sample garbage: refuse it, naming the rows. A row of
    // finite logits has a finite sum, and forbidden ids only add −∞, so one sum per row clears
    // almost every step; the exact element test (four passes over the vocabulary, 2.5 ms of a
    // 45 ms compiled decode step at 262k words) runs only for rows whose sum is not finite.
    const T = config.temperature;
    const [sums, best] = yield T === 0 ? [tf.sum(logits, 1), tf.argMax(masked, 1)] : [tf.sum(logits, 1)];
    const suspect = perRow(batch, (b) => b).filter((b) => !Number.isFinite(sums![b]!));
    if (suspect.length) {
      const [bad] = yield [tf.tidy(() => tf.any(tf.logicalOr(tf.isNaN(masked), tf.equal(masked, Infinity)), 1))];
      const badRows = suspect.filter((b) => bad![b]);
      if (badRows.length) throw new NonFiniteLogitsError(badRows);
    }
    if (T === 0) return Array.from(best!);
    if (rng === undefined) throw new Error('sample: sampling with temperature > 0 needs a RandomStream (pass new RandomStream(seed))');
    if (config.topK !== undefined) {
      const k = Math.min(config.topK, vocab);
      const top = tf.topk(masked, k);
      const [values, indices] = yield [top.values, top.indices];
      return perRow(batch, (b) => {
        const row = values!.subarray(b * k, (b + 1) * k);
        const n = config.topP < 1 ? nucleusSize(row, k, T, logSumExpScaled(row, k, T), config.topP, true)! : k;
        return indices![b * k + drawIndex(row, n, T, rng.nextFloat())]!;
      });
    }
    if (config.topP < 1) return yield* nucleusOnly(masked, config.topP, T, rng);
    const [all] = yield [tf.reshape(masked, masked.shape)];
    return perRow(batch, (b) => drawIndex(all!.subarray(b * vocab, (b + 1) * vocab), vocab, T, rng.nextFloat()));
  } finally {
    masked.dispose();
  }
}

/**
 * Top-p over the whole vocabulary. The normaliser is summed here in float64 over the full row
 * rather than on the device, whose float32 sum differs between backends in the 6th digit and
 * would move the nucleus boundary; the sorted prefix is read in ever longer pieces until each
 * row's nucleus fits.
 */
function* nucleusOnly(masked: tf.Tensor2D, topP: number, T: number, rng: RandomStream): Plan {
  const [batch, vocab] = masked.shape;
  const [all] = yield [tf.reshape(masked, masked.shape)];
  const logZ = perRow(batch, (b) => logSumExpScaled(all!.subarray(b * vocab, (b + 1) * vocab), vocab, T));
  for (let m = Math.min(vocab, FIRST_NUCLEUS_READ); ; m = Math.min(vocab, m * NUCLEUS_READ_GROWTH)) {
    const top = tf.topk(masked, m);
    const [values, indices] = yield [top.values, top.indices];
    const rows: Row[] = perRow(batch, (b) => b).map((b) => values!.subarray(b * m, (b + 1) * m));
    const sizes = rows.map((row, b) => nucleusSize(row, m, T, logZ[b]!, topP, m === vocab));
    if (sizes.every((n) => n !== undefined)) {
      return perRow(batch, (b) => indices![b * m + drawIndex(rows[b]!, sizes[b]!, T, rng.nextFloat())]!);
    }
  }
}

function startPlan(logits: tf.Tensor, options: SamplingOptions, rng: RandomStream | undefined): Plan {
  checkLogits(logits);
  return plan(logits, validateSamplingOptions(options, logits.shape[1]), rng);
}

/**
 * Next-token ids, one per batch row, synchronously (reads back with `dataSync`; prefer
 * {@link sample} on WebGL/WebGPU, where a sync read stalls the page). Each sampling call
 * draws exactly one number from `rng` per row, in row order; greedy draws none.
 *
 * @example
 * const rng = new RandomStream(0);
 * sampleSync(logits, { temperature: 0.7, topK: 64, topP: 0.95 }, rng);  // e.g. [9259, 506]
 * sampleSync(logits);                                                    // greedy: argmax per row
 */
export function sampleSync(logits: tf.Tensor2D, options: SamplingOptions = {}, rng?: RandomStream): number[] {
  const steps = startPlan(logits, options, rng);
  try {
    let step = steps.next();
    while (!step.done) {
      const tensors = step.value;
      let data: tf.TypedArray[];
      try {
        data = tensors.map((t) => t.dataSync());
      } finally {
        tensors.forEach((t) => t.dispose());
      }
      step = steps.next(data);
    }
    return step.value;
  } finally {
    steps.return([]);
  }
}

/**
 * Next-token ids, one per batch row; like {@link sampleSync} but reads back asynchronously.
 * Same options, same random draws, same results.
 *
 * @example
 * const rng = new RandomStream(1234);
 * const next = await sample(logits, { temperature: 1, topP: 0.9 }, rng);
 */
export async function sample(logits: tf.Tensor2D, options: SamplingOptions = {}, rng?: RandomStream): Promise<number[]> {
  const steps = startPlan(logits, options, rng);
  try {
    let step = steps.next();
    while (!step.done) {
      const tensors = step.value;
      let data: tf.TypedArray[];
      try {
        data = await Promise.all(tensors.map((t) => t.data()));
      } finally {
        tensors.forEach((t) => t.dispose());
      }
      step = steps.next(data);
    }
    return step.value;
  } finally {
    steps.return([]);
  }
}

/**
 * The most likely token of each row (argmax; ties go to the lowest id).
 *
 * @example
 * greedy(tf.tensor2d([[0.1, 2, -1]]));  // [1]
 */
export function greedy(logits: tf.Tensor2D, forbiddenIds: readonly number[] = []): number[] {
  return sampleSync(logits, { temperature: 0, forbiddenIds });
}
