/**
 * Positional einsum (`'BTD,NDH->BTNH'`) on batched `tf.matMul`.
 *
 * tfjs's own `tf.einsum` is slow, has no wasm kernel and no gradient, so LoRA on einsum
 * weights cannot use it. This module parses the spec (letters and `...`) into one label per
 * axis; named-array's contraction planner (`nx.einsumTensors`) does the rest.
 */
import type * as tf from '@tensorflow/tfjs';
import { einsumTensors } from '@penjing/named-array';

/** A parsed einsum: one label list per operand and the output labels, with `...` still unexpanded. */
export interface EinsumSpec {
  readonly inputs: readonly (readonly string[])[];
  readonly output: readonly string[];
}

const ELLIPSIS = '...';

/** Labels of one operand: letters, and at most one `...` (kept as the token `'...'`). */
function parseTerm(term: string, spec: string): string[] {
  const out: string[] = [];
  const s = term.replace(/\s+/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s.startsWith(ELLIPSIS, i)) {
      if (out.includes(ELLIPSIS)) throw new RangeError(`einsum '${spec}': the term '${term}' has more than one '...'.`);
      out.push(ELLIPSIS);
      i += 2;
    } else if (/[A-Za-z0-9]/.test(s[i])) {
      out.push(s[i]);
    } else {
      throw new RangeError(`einsum '${spec}': unexpected character '${s[i]}' in '${term}'; use letters, digits and '...'.`);
    }
  }
  return out;
}

/**
 * Parses `'in1,in2->out'`. Without `->` the output is every letter that occurs once, in
 * alphabetical order, after `...` (numpy's implicit mode).
 * @example parseEinsum('BTD,NDH->BTNH') // { inputs: [['B','T','D'], ['N','D','H']], output: ['B','T','N','H'] }
 */
export function parseEinsum(spec: string): EinsumSpec {
  const [lhs, rhs, extra] = spec.split('->');
  if (extra !== undefined) throw new RangeError(`einsum '${spec}': more than one '->'.`);
  const inputs = lhs.split(',').map((t) => parseTerm(t, spec));
  let output: string[];
  if (rhs === undefined) {
    const all = inputs.flat();
    const once = [...new Set(all)].filter((l) => l !== ELLIPSIS && all.filter((x) => x === l).length === 1).sort();
    output = all.includes(ELLIPSIS) ? [ELLIPSIS, ...once] : once;
  } else {
    output = parseTerm(rhs, spec);
  }
  for (const [i, term] of inputs.entries()) {
    const dup = term.filter((l, j) => term.indexOf(l) !== j);
    if (dup.length) {
      throw new RangeError(`einsum '${spec}': operand ${i} repeats '${dup[0]}'; diagonals are not supported (take the diagonal first).`);
    }
  }
  const dup = output.filter((l, j) => output.indexOf(l) !== j);
  if (dup.length) throw new RangeError(`einsum '${spec}': the output repeats '${dup[0]}'.`);
  const known = new Set(inputs.flat());
  const unknown = output.filter((l) => !known.has(l));
  if (unknown.length) throw new RangeError(`einsum '${spec}': output label '${unknown[0]}' appears in no operand.`);
  return { inputs, output };
}

/**
 * Replaces `...` by one label per covered axis (`'…0'` for the last such axis, `'…1'` before
 * it), so operands with different numbers of ellipsis axes line up from the right.
 */
export function expandEllipsis(spec: EinsumSpec, ranks: readonly number[], text = ''): { inputs: string[][]; output: string[] } {
  let most = 0;
  const inputs = spec.inputs.map((term, i) => {
    const at = term.indexOf(ELLIPSIS);
    const named = term.length - (at >= 0 ? 1 : 0);
    if (at < 0 ? ranks[i] !== named : ranks[i] < named) {
      throw new RangeError(`einsum '${text}': operand ${i} has rank ${ranks[i]} but its term '${term.join('')}' needs ${at < 0 ? '' : 'at least '}${named}.`);
    }
    if (at < 0) return [...term];
    const n = ranks[i] - named;
    most = Math.max(most, n);
    const dots = Array.from({ length: n }, (_, k) => `…${n - 1 - k}`);
    return [...term.slice(0, at), ...dots, ...term.slice(at + 1)];
  });
  const at = spec.output.indexOf(ELLIPSIS);
  const output = at < 0 ? [...spec.output] : [...spec.output.slice(0, at), ...Array.from({ length: most }, (_, k) => `…${most - 1 - k}`), ...spec.output.slice(at + 1)];
  return { inputs, output };
}

/**
 * Evaluates a positional einsum with batched matMuls (differentiable; runs on every backend).
 * Supports any number of operands, `...`, summed and batch letters; not diagonals or
 * broadcasting of size-1 axes.
 *
 * @example
 * const y = einsumMatMul('BTD,NDH->BTNH', x, w); // x [2, 5, 8], w [4, 8, 16] -> [2, 5, 4, 16]
 */
export function einsumMatMul(spec: string, ...tensors: tf.Tensor[]): tf.Tensor {
  return einsumParsed(spec, parseEinsum(spec), tensors);
}

/**
 * Like `einsumMatMul` for a parsed spec (still with `...`).
 * @example einsumParsed('x,y->', parseEinsum('i,i->'), [a, b])
 */
export function einsumParsed(text: string, parsed: EinsumSpec, tensors: readonly tf.Tensor[]): tf.Tensor {
  if (parsed.inputs.length !== tensors.length) {
    throw new RangeError(`einsum '${text}' has ${parsed.inputs.length} operand terms but was given ${tensors.length} tensors.`);
  }
  const { inputs, output } = expandEllipsis(parsed, tensors.map((t) => t.rank), text);
  return einsumLabelled(text, inputs, output, tensors);
}

/**
 * The core: every operand axis carries a label (a string of any length; one label per data
 * axis, none repeated within an operand) and the output lists the labels to keep, in order.
 * Callers use it to pass named axes through as extra batch labels without moving data.
 * The contraction is planned by named-array's planner, the one `nx.contract` uses.
 * @example einsumLabelled('', [['@batch', 'D'], ['D', 'r']], ['@batch', 'r'], [x, a])
 */
export function einsumLabelled(text: string, inputs: readonly (readonly string[])[], output: readonly string[], tensors: readonly tf.Tensor[]): tf.Tensor {
  return einsumTensors(inputs, output, tensors, `einsum '${text}'`);
}
