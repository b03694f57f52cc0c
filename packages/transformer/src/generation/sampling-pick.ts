/**
 * The float64 half of sampling: given one row's candidate logits (already read back from the
 * device), apply temperature and the nucleus cut and draw one candidate with a uniform number.
 * Pure functions over plain arrays, so the same inputs give the same token on every backend.
 */

/** A row of logits as read back from a tensor. */
export type Row = ArrayLike<number>;

/**
 * log Σ exp(values / temperature) over `values[0 … n)`, computed stably in float64.
 *
 * @example
 * logSumExpScaled([0, 0], 2, 1);  // Math.log(2)
 */
export function logSumExpScaled(values: Row, n: number, temperature: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((values[i]! - max) / temperature);
  return max / temperature + Math.log(sum);
}

/**
 * How many of the leading candidates (sorted by logit, descending) form the nucleus: the
 * smallest prefix whose probability reaches `topP`, extended over ties with its last logit —
 * exactly `gm`'s `TopPSampling` (keep `l ≥ sorted[count(cumsum < p)]`). `logZ` is the log of
 * the softmax normaliser of `logit / temperature` over the whole distribution. Returns
 * `undefined` when the `n` candidates given end before the answer is known (the caller then
 * reads more), unless `complete` says they are the whole distribution.
 *
 * @example
 * nucleusSize([2, 1, 0], 3, 1, logSumExpScaled([2, 1, 0], 3, 1), 0.5, true);  // 1
 */
export function nucleusSize(sorted: Row, n: number, temperature: number, logZ: number, topP: number, complete: boolean): number | undefined {
  let cumulative = 0;
  let cut = -1;
  for (let i = 0; i < n; i++) {
    cumulative += Math.exp(sorted[i]! / temperature - logZ);
    if (cumulative >= topP) {
      cut = i;
      break;
    }
  }
  if (cut < 0) return complete ? n : undefined;
  let size = cut + 1;
  while (size < n && sorted[size] === sorted[cut]) size++;
  return size === n && !complete ? undefined : size;
}

/**
 * Draws a position in `values[0 … n)` with probability softmax(values / temperature), by
 * inverting the cumulative distribution at `u ∈ [0, 1)`. Candidates at −∞ are never drawn.
 *
 * @example
 * drawIndex([0, 0], 2, 1, 0.25);  // 0
 * drawIndex([0, 0], 2, 1, 0.75);  // 1
 */
export function drawIndex(values: Row, n: number, temperature: number, u: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  const weights = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = Math.exp((values[i]! - max) / temperature);
    total += weights[i]!;
  }
  const target = u * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (weights[i]! === 0) continue;
    cumulative += weights[i]!;
    last = i;
    if (cumulative > target) return i;
  }
  // Only rounding can get here (u·total ≥ the float sum); the last drawable candidate is right.
  return last;
}
