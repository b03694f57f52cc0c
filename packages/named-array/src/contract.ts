import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray } from './named-array.js';
import { isIdentity, transpose } from './axes.js';
import { cachedLayout, wantsGemvLayout } from './gemv-layout.js';
import { alignNames } from './nmap.js';
import { sum } from './ops.js';
import type { EinsumOperands, EinsumOutput } from './types.js';

function requireNoPositional(a: NamedArray<string>, which: string): void {
  if (a.positionalShape.length) {
    throw new NamedAxisError(
      `contract: the ${which} operand has positional axes [${a.positionalShape}] (named shape ${formatNamedShape(a.namedShape)}); tag them first.`,
    );
  }
}

/**
 * Contracts (sums the product over) named axes shared by `a` and `b`; other shared names
 * are batch axes, the rest are kept. Built on one batched `tf.matMul`, transposing an
 * operand only when its layout cannot be expressed with matMul's transpose flags. The
 * result is laid out as [batch…, a's free axes…, b's free axes…].
 *
 * @example
 * const scores = nx.contract(['projection'], q, k); // {batch, heads, seq, kv_seq}
 */
export function contract<A extends string, B extends string, const C extends readonly (A & B)[]>(
  names: C,
  a: NamedArray<A>,
  b: NamedArray<B>,
): NamedArray<Exclude<A | B, C[number]>> {
  const x = a as NamedArray<string>;
  const y = b as NamedArray<string>;
  requireNoPositional(x, 'first');
  requireNoPositional(y, 'second');
  const contracted = [...names] as string[];
  const sa = x.namedShape;
  const sb = y.namedShape;
  const dup = contracted.filter((n, i) => contracted.indexOf(n) !== i);
  if (dup.length) throw new NamedAxisError(`contract: repeated axis names ${formatNames([...new Set(dup)])} in ${formatNames(contracted)}.`);
  const missing = contracted.filter((n) => !(n in sa) || !(n in sb));
  if (missing.length) {
    throw new NamedAxisError(
      `contract(${formatNames(contracted)}): axes ${formatNames(missing)} must appear in both operands; ` +
        `got ${formatNamedShape(sa)} and ${formatNamedShape(sb)}.`,
    );
  }
  const aNames = x.names;
  const bNames = y.names;
  const batch = aNames.filter((n) => n in sb && !contracted.includes(n));
  const clash = [...batch, ...contracted].filter((n) => sa[n] !== sb[n]);
  if (clash.length) {
    throw new NamedAxisError(
      `contract(${formatNames(contracted)}): axes ${formatNames(clash)} have different sizes in the two operands ` +
        `(${formatNamedShape(sa)} vs ${formatNamedShape(sb)}); shared axes must match exactly.`,
    );
  }
  const freeA = aNames.filter((n) => !(n in sb));
  const freeB = bNames.filter((n) => !(n in sa));
  // tfjs-wasm runs batched matMuls on its naive kernel anyway, so flags only cost when unbatched.
  const unbatched = batch.every((n) => sa[n] === 1);
  const plan =
    (unbatched && gemvPlan(x, y, batch, contracted, freeA, freeB)) ||
    planMatMul(x, y, batch, contracted, freeA, freeB, tf.getBackend() !== 'wasm' || !unbatched);
  const t = tf.tidy(() => {
    const out = tf.matMul(layout(plan.left), layout(plan.right), plan.left.flag, plan.right.flag);
    return reshapeIfNeeded(out, plan.outShape);
  });
  return new NamedArray(t, plan.outAxes) as NamedArray<Exclude<A | B, C[number]>>;
}

/**
 * A few rows times a large matrix on wasm: the matrix goes right, in a [K, N] layout made
 * once and kept (see gemv-layout.ts), so XNNPACK streams it as packed weights.
 */
function gemvPlan(a: NamedArray<string>, b: NamedArray<string>, batch: string[], contracted: string[], freeA: string[], freeB: string[]): Plan | undefined {
  const bigIsB = b.size >= a.size;
  const [small, big, freeS, freeBig] = bigIsB ? [a, b, freeA, freeB] : [b, a, freeB, freeA];
  const rows = freeS.reduce((p, n) => p * small.namedShape[n], 1);
  if (!wantsGemvLayout(big.data, rows)) return undefined;
  const right = side(big, batch, freeBig, contracted, false, true);
  if (!right.perm) return undefined; // already [K, N]: the ordinary plan is the fast one
  const left = side(small, batch, freeS, contracted, false, false);
  const cached: Side = { data: cachedLayout(big.data, right.perm, right.shape), perm: null, shape: right.shape, flag: false, moved: 0 };
  const outAxes = [...batch, ...freeS, ...freeBig];
  const sizeOf = (n: string) => (n in a.namedShape ? a.namedShape[n] : b.namedShape[n]);
  return { left, right: cached, outAxes, outShape: outAxes.map(sizeOf) };
}

/** How one matMul operand is laid out: an optional transpose, a reshape, a transpose flag. */
interface Side {
  data: tf.Tensor;
  perm: number[] | null;
  shape: number[];
  flag: boolean;
  moved: number;
}

interface Plan {
  left: Side;
  right: Side;
  outShape: number[];
  outAxes: string[];
}

function layout(s: Side): tf.Tensor {
  return reshapeIfNeeded(s.perm ? transpose(s.data, s.perm) : s.data, s.shape);
}

/** A Reshape kernel only when the shape changes (a decode step runs hundreds of these). */
function reshapeIfNeeded(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.reshape(t, [...shape]);
}

/**
 * Lays an operand out as [batch, outer, inner] (sizes flattened), using a transpose flag for
 * [batch, inner, outer] when flags are cheap, or a physical transpose otherwise.
 */
function side(a: NamedArray<string>, batch: string[], outer: string[], inner: string[], flags: boolean, asRight: boolean): Side {
  const shape = a.namedShape;
  const size = (ns: string[]) => ns.reduce((p, n) => p * shape[n], 1);
  const [nb, no, ni] = [size(batch), size(outer), size(inner)];
  const dims = (first: number, second: number) => (nb === 1 ? [first, second] : [nb, first, second]);
  const idx = (ns: string[]) => ns.map((n) => a.axes.indexOf(n));
  // The left operand is [batch, outer(M), inner(K)]; the right one is [batch, inner(K), outer(N)].
  const straight = asRight ? [...idx(batch), ...idx(inner), ...idx(outer)] : [...idx(batch), ...idx(outer), ...idx(inner)];
  const straightShape = asRight ? dims(ni, no) : dims(no, ni);
  if (isIdentity(straight)) return { data: a.data, perm: null, shape: straightShape, flag: false, moved: 0 };
  const flipped = asRight ? [...idx(batch), ...idx(outer), ...idx(inner)] : [...idx(batch), ...idx(inner), ...idx(outer)];
  if (flags && isIdentity(flipped)) return { data: a.data, perm: null, shape: asRight ? dims(no, ni) : dims(ni, no), flag: true, moved: 0 };
  return { data: a.data, perm: straight, shape: straightShape, flag: false, moved: a.size };
}

/**
 * Chooses how to express a contraction as one matMul with the least data movement: which
 * operand goes left (the result's axis order follows), and which batch and contracted axis
 * orders to use. On wasm, an unbatched matMul with a transpose flag (like any batched one)
 * runs a naive kernel, over 10× slower than XNNPACK's, so there flags are replaced by
 * transposing whichever operand is cheaper to move — often by swapping the operands, since
 * the result's layout is free to choose.
 */
function planMatMul(
  a: NamedArray<string>,
  b: NamedArray<string>,
  batch: string[],
  contracted: string[],
  freeA: string[],
  freeB: string[],
  flags: boolean,
): Plan {
  let best: Plan | undefined;
  let bestCost = Infinity;
  const orders = (ns: string[]) => [a, b].map((arr) => arr.names.filter((n) => ns.includes(n)));
  for (const [l, r, freeL, freeR] of [[a, b, freeA, freeB], [b, a, freeB, freeA]] as const) {
    for (const bo of orders(batch)) {
      for (const co of orders(contracted)) {
        const left = side(l, bo, freeL, co, flags, false);
        const right = side(r, bo, freeR, co, flags, true);
        const cost = left.moved + right.moved;
        if (cost < bestCost) {
          bestCost = cost;
          const sizeOf = (n: string) => (n in a.namedShape ? a.namedShape[n] : b.namedShape[n]);
          const outAxes = [...bo, ...freeL, ...freeR];
          best = { left, right, outAxes, outShape: outAxes.map(sizeOf) };
        }
      }
    }
  }
  return best!;
}

/**
 * Named einsum: `'seq heads projection, kv_seq heads projection -> heads seq kv_seq'`.
 * Each operand must have exactly the listed axes (in any data order); axes missing from the
 * output are summed. Operands are folded left to right with `contract` (one batched
 * `tf.matMul` each), never with `tf.einsum` (slow on cpu, absent on wasm, no gradient).
 * With tracked names, the result's names come from the spec and an operand whose names
 * differ from its term is a compile error.
 *
 * @example
 * const out = nx.einsum('heads seq kv_seq, heads kv_seq projection -> heads seq projection', probs, v);
 */
export function einsum<const S extends string, const A extends readonly NamedArray<string>[]>(
  spec: S,
  ...operands: A & EinsumOperands<S, A>
): NamedArray<EinsumOutput<S>> {
  const ops = operands as readonly NamedArray<string>[];
  const { inputs, output } = parseEinsum(spec, ops.length);
  inputs.forEach((names, i) => {
    const a = ops[i];
    if (!(a instanceof NamedArray)) throw new NamedAxisError(`einsum '${spec}': operand ${i} is not a NamedArray.`);
    if (a.positionalShape.length) {
      throw new NamedAxisError(`einsum '${spec}': operand ${i} has positional axes [${a.positionalShape}]; tag them first.`);
    }
    const have = a.names as string[];
    if (names.length !== have.length || names.some((n) => !have.includes(n))) {
      throw new NamedAxisError(
        `einsum '${spec}': operand ${i} should have exactly the axes ${formatNames(names)} but has ${formatNamedShape(a.namedShape)}.`,
      );
    }
  });
  alignNames(ops, `einsum('${spec}')`);
  let acc = ops[0];
  let accNames = inputs[0];
  for (let i = 1; i < ops.length; i++) {
    const later = new Set([...output, ...inputs.slice(i + 1).flat()]);
    const summed = accNames.filter((n) => inputs[i].includes(n) && !later.has(n));
    const next = contract(summed as never[], acc, ops[i]);
    if (acc !== ops[0]) acc.dispose();
    acc = next;
    accNames = acc.names as string[];
  }
  const drop = accNames.filter((n) => !output.includes(n));
  const reduced = drop.length ? sum(acc, ...drop) : acc;
  if (reduced !== acc && acc !== ops[0]) acc.dispose();
  const ordered = (reduced.orderAs as (...n: string[]) => NamedArray<string>)(...output);
  if (ordered !== reduced && reduced !== ops[0]) reduced.dispose();
  return ordered as NamedArray<EinsumOutput<S>>;
}

/** Splits and checks an einsum spec. */
function parseEinsum(spec: string, count: number): { inputs: string[][]; output: string[] } {
  const m = /^([^>]*)->([^>]*)$/.exec(spec);
  if (!m) {
    throw new NamedAxisError(`einsum spec '${spec}' must look like 'a b, b c -> a c' (names separated by spaces, operands by commas).`);
  }
  const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);
  const inputs = m[1].split(',').map(words);
  const output = words(m[2]);
  if (inputs.length !== count) {
    throw new NamedAxisError(`einsum spec '${spec}' names ${inputs.length} operand${inputs.length === 1 ? '' : 's'} but ${count} ${count === 1 ? 'was' : 'were'} given.`);
  }
  for (const [i, term] of [...inputs.map((t, j) => [`operand ${j}`, t] as const), ['the output', output] as const]) {
    const dup = term.filter((n, j) => term.indexOf(n) !== j);
    if (dup.length) throw new NamedAxisError(`einsum '${spec}': ${i} repeats axes ${formatNames(dup)}; each name may appear once per term.`);
  }
  const all = new Set(inputs.flat());
  const unknown = output.filter((n) => !all.has(n));
  if (unknown.length) throw new NamedAxisError(`einsum '${spec}': output axes ${formatNames(unknown)} appear in no input.`);
  return { inputs, output };
}
