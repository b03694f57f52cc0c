import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray } from './named-array.js';
import { alignNames } from './nmap.js';
import { contractPair, einsumTensors } from './planner.js';
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
 * are batch axes, the rest are kept. One batched `tf.matMul`, laid out by the planner
 * (`planner.ts`) to move the least data; the result's data order follows that layout.
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
  const keep = [...aNames, ...bNames].filter((n) => !contracted.includes(n));
  const sizes = new Map(Object.entries({ ...sa, ...sb }));
  let labels: readonly string[] = [];
  const t = tf.tidy(() => {
    const out = contractPair({ t: x.data, labels: aNames }, { t: y.data, labels: bNames }, keep, sizes);
    labels = out.labels;
    return out.t;
  });
  return new NamedArray(t, labels) as NamedArray<Exclude<A | B, C[number]>>;
}

/**
 * Named einsum: `'seq heads projection, kv_seq heads projection -> heads seq kv_seq'`.
 * Each operand must have exactly the listed axes (in any data order); axes missing from the
 * output are summed. Operands are folded left to right by the planner (one batched
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
  const t = einsumTensors(ops.map((o) => o.names), output, ops.map((o) => o.data), `einsum '${spec}'`);
  return new NamedArray(t, output) as NamedArray<EinsumOutput<S>>;
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
