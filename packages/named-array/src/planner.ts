/**
 * The contraction planner: every einsum-like operation in Penjing — `contract`, `einsum`,
 * the `NamedEinsum` layer and positional einsums (`'BTD,NDH->BTNH'`, LoRA) — comes here with
 * one label per data axis, and leaves as batched `tf.matMul`s.
 *
 * A two-operand step is always one matMul: labels only one operand has and nothing later
 * needs are summed first; shared labels still needed are the batch; shared labels not
 * needed are contracted; the rest are free. The planner then picks the layout that moves
 * the least data: which operand goes left (the result's axis order follows from it), and
 * which order the batch and contracted labels take. Transpose flags are free on most
 * backends; on wasm an unbatched matMul with a flag (like any batched one) runs a naive
 * kernel over 10× slower than XNNPACK's, so there a flagged layout is replaced by moving
 * whichever operand is cheaper. Longer chains fold left to right, each step keeping only the
 * labels later steps still need.
 *
 * @example
 * // x: [batch 2, seq 5, embedding 8]; w: [embedding 8, neurons 16]
 * const y = einsumTensors([['b', 's', 'e'], ['e', 'n']], ['b', 's', 'n'], [x, w]); // [2, 5, 16]
 */
import * as tf from '@tensorflow/tfjs';
import { cachedLayout, wantsGemvLayout } from './gemv-layout.js';
import { isIdentity, movesOnlyUnitAxes, transpose } from './axes.js';

/** How the labels of one two-operand step are used. */
export interface ContractionPlan {
  /** Labels summed out of each operand before the product (only that operand has them and nothing later needs them). */
  readonly sumA: readonly string[];
  readonly sumB: readonly string[];
  /** Labels in both operands and kept: matMul's batch dimension. */
  readonly batch: readonly string[];
  /** Labels only in A / only in B, kept. */
  readonly freeA: readonly string[];
  readonly freeB: readonly string[];
  /** Labels in both operands and summed: matMul's inner dimension. */
  readonly contracted: readonly string[];
}

/**
 * Classifies the labels of `a · b` given the labels still needed afterwards.
 * @example planContraction(['B', 'T', 'D'], ['D', 'r'], ['B', 'T', 'r']).contracted // ['D']
 */
export function planContraction(a: readonly string[], b: readonly string[], keep: readonly string[]): ContractionPlan {
  const need = new Set(keep);
  const inB = new Set(b);
  const inA = new Set(a);
  return {
    sumA: a.filter((l) => !inB.has(l) && !need.has(l)),
    sumB: b.filter((l) => !inA.has(l) && !need.has(l)),
    batch: a.filter((l) => inB.has(l) && need.has(l)),
    contracted: a.filter((l) => inB.has(l) && !need.has(l)),
    freeA: a.filter((l) => !inB.has(l) && need.has(l)),
    freeB: b.filter((l) => !inA.has(l) && need.has(l)),
  };
}

/** A tensor with one label per data axis. */
export interface Labelled {
  readonly t: tf.Tensor;
  readonly labels: readonly string[];
}

/** One matMul operand as laid out: an optional transpose, a reshape and a transpose flag. */
interface Side {
  perm: number[] | null;
  shape: number[];
  flag: boolean;
  moved: number;
}

/**
 * Lays an operand out as [batch, outer, inner] (left) or [batch, inner, outer] (right),
 * flattened, using the transpose flag for the other order when flags are cheap.
 */
function side(x: Labelled, sizes: ReadonlyMap<string, number>, batch: string[], outer: string[], inner: string[], flags: boolean, asRight: boolean): Side {
  const size = (ls: string[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  const [nb, no, ni] = [size(batch), size(outer), size(inner)];
  const dims = (first: number, second: number) => (nb === 1 ? [first, second] : [nb, first, second]);
  const idx = (ls: string[]) => ls.map((l) => x.labels.indexOf(l));
  const straight = asRight ? [...idx(batch), ...idx(inner), ...idx(outer)] : [...idx(batch), ...idx(outer), ...idx(inner)];
  const straightShape = asRight ? dims(ni, no) : dims(no, ni);
  if (isIdentity(straight)) return { perm: null, shape: straightShape, flag: false, moved: 0 };
  const flipped = asRight ? [...idx(batch), ...idx(outer), ...idx(inner)] : [...idx(batch), ...idx(inner), ...idx(outer)];
  if (flags && isIdentity(flipped)) return { perm: null, shape: asRight ? dims(no, ni) : dims(ni, no), flag: true, moved: 0 };
  return { perm: straight, shape: straightShape, flag: false, moved: x.t.size };
}

function laidOut(x: Labelled, s: Side): tf.Tensor {
  // A permutation of size-1 axes only is folded into the reshape to the operand's shape.
  const t = s.perm && !movesOnlyUnitAxes(x.t.shape, s.perm) ? transpose(x.t, s.perm) : x.t;
  return leadingOnesOnly(t, s.shape) ? t : reshapeIfNeeded(t, s.shape);
}

/**
 * Whether `t` is already `shape` apart from extra leading size-1 axes (a decode step's
 * `[1, 1, 640]` activation for a `[1, 640]` operand). tfjs-wasm's matMul takes such an
 * operand as is (its batch of 1 broadcasts, and the product keeps the leading 1s, which the
 * result's own shape usually has too), which saves two Reshape kernels per product. Only on
 * wasm: other backends and the jit tracer see the plain rank-2 layout.
 */
function leadingOnesOnly(t: tf.Tensor, shape: readonly number[]): boolean {
  const extra = t.rank - shape.length;
  if (extra <= 0 || tf.getBackend() !== 'wasm') return false;
  return t.shape.every((d, i) => (i < extra ? d === 1 : d === shape[i - extra]));
}

/** A Reshape kernel only when the shape changes (a decode step runs hundreds of these). */
function reshapeIfNeeded(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.reshape(t, [...shape]);
}

/**
 * A few rows times a large matrix on wasm: the matrix goes right, in a [K, N] layout made
 * once and kept (see gemv-layout.ts), so XNNPACK streams it as packed weights. Undefined
 * when that does not apply (the ordinary plan is then used).
 */
function gemvStep(x: Labelled, y: Labelled, plan: ContractionPlan, sizes: ReadonlyMap<string, number>): Labelled | undefined {
  const bigIsY = y.t.size >= x.t.size;
  const [small, big, freeS, freeBig] = bigIsY ? [x, y, plan.freeA, plan.freeB] : [y, x, plan.freeB, plan.freeA];
  const rows = freeS.reduce((p, l) => p * sizes.get(l)!, 1);
  if (!wantsGemvLayout(big.t, rows)) return undefined;
  const batch = [...plan.batch];
  const right = side(big, sizes, batch, [...freeBig], [...plan.contracted], false, true);
  if (!right.perm) return undefined; // already [K, N]: the ordinary plan is the fast one
  const layout = cachedLayout(big.t, right.perm, right.shape);
  if (!layout) return undefined; // no room for the copy
  const left = side(small, sizes, batch, [...freeS], [...plan.contracted], false, false);
  const labels = [...batch, ...freeS, ...freeBig];
  const out = tf.matMul(laidOut(small, left), layout);
  return { t: reshapeIfNeeded(out, labels.map((l) => sizes.get(l)!)), labels };
}

/** `x` summed over `drop`. */
function sumOut(x: Labelled, drop: readonly string[]): Labelled {
  if (!drop.length) return x;
  return { t: tf.sum(x.t, drop.map((l) => x.labels.indexOf(l))), labels: x.labels.filter((l) => !drop.includes(l)) };
}

/**
 * One planned step: `a · b` keeping the labels in `keep`, as one batched matMul laid out to
 * move the least data. The result's labels are [batch…, left free…, right free…]. Call inside
 * `tf.tidy` (intermediates are not disposed here).
 * @example contractPair({ t: q, labels: ['s', 'h', 'p'] }, { t: k, labels: ['k', 'h', 'p'] }, ['h', 's', 'k'], sizes)
 */
export function contractPair(a: Labelled, b: Labelled, keep: readonly string[], sizes: ReadonlyMap<string, number>): Labelled {
  const plan = planContraction(a.labels, b.labels, keep);
  const x = sumOut(a, plan.sumA);
  const y = sumOut(b, plan.sumB);
  const batchUnit = plan.batch.every((l) => sizes.get(l) === 1);
  const gemv = batchUnit && !plan.sumA.length && !plan.sumB.length ? gemvStep(x, y, plan, sizes) : undefined;
  if (gemv) return gemv;
  const flags = tf.getBackend() !== 'wasm' || !batchUnit;
  const p = pairLayout(x, y, plan, sizes, flags);
  const [l, r] = p.swap ? [y, x] : [x, y];
  const out = tf.matMul(laidOut(l, p.left), laidOut(r, p.right), p.left.flag, p.right.flag);
  return { t: reshapeIfNeeded(out, p.labels.map((label) => sizes.get(label)!)), labels: [...p.labels] };
}

/** The cheapest layout of one product: which operand goes left, and how each is laid out. */
interface PairLayout {
  swap: boolean;
  left: Side;
  right: Side;
  labels: string[];
}

// Layouts depend only on the labels, their sizes and whether flags are cheap; a decode step
// plans the same ~160 products every time, so each layout is searched for once.
const layoutCache = new Map<string, PairLayout>();
const LAYOUT_CACHE_SIZE = 4096;

function pairLayout(x: Labelled, y: Labelled, plan: ContractionPlan, sizes: ReadonlyMap<string, number>, flags: boolean): PairLayout {
  const shape = (o: Labelled) => o.labels.map((l) => `${l}=${sizes.get(l)}`).join(',');
  const key = `${flags}|${shape(x)}|${shape(y)}|${plan.freeA.join(',')}|${plan.freeB.join(',')}|${plan.batch.join(',')}`;
  let hit = layoutCache.get(key);
  if (!hit) {
    hit = searchLayout(x, y, plan, sizes, flags);
    if (layoutCache.size >= LAYOUT_CACHE_SIZE) layoutCache.clear();
    layoutCache.set(key, hit);
  }
  return hit;
}

/** Tries both operand orders and every batch and contracted label order; keeps the one moving the least data. */
function searchLayout(x: Labelled, y: Labelled, plan: ContractionPlan, sizes: ReadonlyMap<string, number>, flags: boolean): PairLayout {
  let best: PairLayout | undefined;
  let bestCost = Infinity;
  const orders = (ls: readonly string[]) => [x, y].map((o) => o.labels.filter((l) => ls.includes(l)));
  for (const [swap, l, r, freeL, freeR] of [[false, x, y, plan.freeA, plan.freeB], [true, y, x, plan.freeB, plan.freeA]] as const) {
    for (const bo of orders(plan.batch)) {
      for (const co of orders(plan.contracted)) {
        const left = side(l, sizes, bo, [...freeL], co, flags, false);
        const right = side(r, sizes, bo, [...freeR], co, flags, true);
        if (left.moved + right.moved < bestCost) {
          bestCost = left.moved + right.moved;
          best = { swap, left, right, labels: [...bo, ...freeL, ...freeR] };
        }
      }
    }
  }
  return best!;
}

/**
 * Label sizes, checking that every occurrence of a label has one size.
 * @example labelSizes([['a', 'b'], ['b']], [x, y], 'ab,b->a').get('b')
 */
export function labelSizes(inputs: readonly (readonly string[])[], tensors: readonly tf.Tensor[], what: string): Map<string, number> {
  const sizes = new Map<string, number>();
  inputs.forEach((labels, i) => {
    if (labels.length !== tensors[i].rank) throw new RangeError(`${what}: operand ${i} has rank ${tensors[i].rank} but ${labels.length} labels.`);
    labels.forEach((l, d) => {
      const s = tensors[i].shape[d];
      const known = sizes.get(l);
      if (known !== undefined && known !== s) {
        const which = l.startsWith('…') ? `the ellipsis axis ${l}` : `label '${l}'`;
        throw new RangeError(`${what}: ${which} has size ${known} in one operand and ${s} in operand ${i} (shapes ${tensors.map((t) => `[${t.shape}]`).join(', ')}); broadcasting is not supported.`);
      }
      sizes.set(l, s);
    });
  });
  return sizes;
}

/**
 * An einsum over labelled tensors: `inputs[i]` labels the axes of `tensors[i]` (any strings,
 * none repeated within an operand) and `output` lists the labels to keep, in order. Labels
 * missing from the output are summed. Differentiable and backend-independent (batched
 * matMuls only, never `tf.einsum`). `what` names the operation in errors.
 *
 * @example
 * einsumTensors([['@batch', 'D'], ['D', 'r']], ['@batch', 'r'], [x, a]) // x·a
 */
export function einsumTensors(inputs: readonly (readonly string[])[], output: readonly string[], tensors: readonly tf.Tensor[], what = 'einsum'): tf.Tensor {
  if (inputs.length !== tensors.length || !tensors.length) {
    throw new RangeError(`${what}: ${inputs.length} label lists for ${tensors.length} tensors; give one list per tensor (at least one).`);
  }
  const sizes = labelSizes(inputs, tensors, what);
  const missing = output.filter((l) => !sizes.has(l));
  if (missing.length) throw new RangeError(`${what}: output label '${missing[0]}' appears in no operand.`);
  return tf.tidy(() => {
    let acc: Labelled = { t: tensors[0], labels: inputs[0] };
    if (tensors.length === 1) acc = sumOut(acc, acc.labels.filter((l) => !output.includes(l)));
    for (let i = 1; i < tensors.length; i++) {
      acc = contractPair(acc, { t: tensors[i], labels: inputs[i] }, [...output, ...inputs.slice(i + 1).flat()], sizes);
    }
    const perm = output.map((l) => acc.labels.indexOf(l));
    return isIdentity(perm) ? tf.clone(acc.t) : transpose(acc.t, perm);
  });
}
