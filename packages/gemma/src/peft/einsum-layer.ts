/**
 * A layer with a positional einsum weight (`'BTD,NDH->BTNH'`), after gm.nn.Einsum: the
 * layout that Flax Gemma checkpoints and `LoRAEinsumAdapter` speak. The input's positional
 * axes are the einsum's input term; its named axes pass through untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, ParameterSlot, deriveSeed, lecunNormalInitializer, type Initializer, type ParameterLike, Parameter } from '@penjing/layers';
import { einsumLabelled, expandEllipsis, parseEinsum, type EinsumSpec } from './einsum.js';

/**
 * Runs a parsed `input, w1, w2, ... -> output` einsum on a NamedArray whose positional axes
 * are the input term: each named axis rides along as a batch label, so nothing is transposed
 * to make room for it. Returns the output's positional axes after the named ones.
 */
export function runPositionalEinsum(text: string, spec: EinsumSpec, x: NamedArray, weights: readonly tf.Tensor[], who: string): NamedArray {
  if (!(x instanceof NamedArray)) throw new LayerError(`${who} expects a NamedArray input but got ${typeof x}.`);
  const posRank = x.positionalShape.length;
  let expanded: { inputs: string[][]; output: string[] };
  try {
    expanded = expandEllipsis(spec, [posRank, ...weights.map((w) => w.rank)], text);
  } catch (e) {
    throw new LayerError(`${who}: the input's positional axes [${x.positionalShape}] (named ${formatNamedShape(x.namedShape)}) do not fit the einsum: ${(e as Error).message}`);
  }
  const names = x.names as string[];
  const inLabels = x.axes.map((a) => (typeof a === 'string' ? `@${a}` : expanded.inputs[0][a]));
  const outLabels = [...names.map((n) => `@${n}`), ...expanded.output];
  let t: tf.Tensor;
  try {
    t = einsumLabelled(text, [inLabels, ...expanded.inputs.slice(1)], outLabels, [x.data, ...weights]);
  } catch (e) {
    throw new LayerError(`${who}: ${(e as Error).message} (input positional shape [${x.positionalShape}], named ${formatNamedShape(x.namedShape)}).`);
  }
  return new NamedArray(t, [...names, ...expanded.output.map((_, i) => i)]);
}

/**
 * Makes a positional parameter with a catalogue initializer: the einsum letters act as axis
 * names while initializing (so fan-in means "product of the sizes of `fanInLetters`"), then
 * the value is stored positional in the term's order. `seed: null` gives a slot.
 */
export function makePositionalParameter(p: {
  label: string;
  seed: number | null;
  term: readonly string[];
  shape: readonly number[];
  fanInLetters: readonly string[];
  initializer: Initializer;
}): ParameterLike {
  if (p.term.length !== p.shape.length) {
    throw new RangeError(`Parameter '${p.label}': the term '${p.term.join('')}' has ${p.term.length} letters but the shape [${p.shape}] has ${p.shape.length} sizes.`);
  }
  p.shape.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) throw new RangeError(`Parameter '${p.label}': size ${s} of '${p.term[i]}' must be a positive integer.`);
  });
  if (p.seed === null) return new ParameterSlot({ label: p.label });
  const sizes = (ls: readonly string[]) => Object.fromEntries(ls.map((l) => [l, p.shape[p.term.indexOf(l)]]));
  const named = p.initializer({
    seed: deriveSeed(p.seed, p.label),
    label: p.label,
    inputAxes: sizes(p.fanInLetters),
    outputAxes: sizes(p.term.filter((l) => !p.fanInLetters.includes(l))),
    parallelAxes: {},
  });
  const positional = (named.untag as (...n: string[]) => NamedArray)(...p.term);
  const data = positional.positionalTensor();
  if (data !== named.data) named.data.dispose();
  return new Parameter({ label: p.label, value: new NamedArray(data, p.term.map((_, i) => i)) });
}

/** Options of `Einsum.fromConfig`. */
export interface EinsumConfig {
  /** Label prefix: the weight is `<name>.weights`. */
  name: string;
  seed: number | null;
  /** `inputs,weights->outputs`, e.g. `'BTD,NDH->BTNH'`. */
  einsumStr: string;
  /** The weight's shape, one size per letter of its term. */
  shape: readonly number[];
  /** Default: LeCun normal over the weight letters the input also has. */
  initializer?: Initializer;
}

/**
 * `einsum(einsumStr, x, weights)` with a learned positional weight.
 *
 * @example
 * const q = Einsum.fromConfig({ name: 'attn/q', seed: 0, einsumStr: 'BTD,NDH->BTNH', shape: [4, 64, 16] });
 * q.call(nx.wrap(tf.zeros([2, 7, 64]))).positionalShape; // [2, 7, 4, 16]
 */
export class Einsum extends Layer.define('Einsum', {
  einsumStr: staticField<string>().from((s: string) => {
    const spec = parseEinsum(s);
    if (spec.inputs.length !== 2) throw new RangeError(`Einsum: '${s}' must have exactly two terms, 'inputs,weights->outputs'.`);
    if (spec.inputs[1].includes('...')) throw new RangeError(`Einsum: the weight term of '${s}' cannot contain '...'.`);
    return s;
  }),
  weights: child<ParameterLike>(),
})<NamedArray, NamedArray> {

  /** @example Einsum.fromConfig({ name: 'mlp/linear', seed: 1, einsumStr: '...H,HF->...F', shape: [32, 8] }) */
  static fromConfig(c: EinsumConfig): Einsum {
    const spec = parseEinsum(c.einsumStr);
    if (spec.inputs.length !== 2) throw new RangeError(`Einsum '${c.name}': '${c.einsumStr}' must have exactly two terms, 'inputs,weights->outputs'.`);
    const term = spec.inputs[1];
    const weights = makePositionalParameter({
      label: `${c.name}.weights`,
      seed: c.seed,
      term,
      shape: c.shape,
      fanInLetters: term.filter((l) => spec.inputs[0].includes(l) && !spec.output.includes(l)),
      initializer: c.initializer ?? lecunNormalInitializer,
    });
    return new Einsum({ einsumStr: c.einsumStr, weights });
  }

  protected override forward(x: NamedArray): NamedArray {
    const who = `Einsum '${this.weights.label}' (${this.einsumStr})`;
    const w = this.weights.value;
    if (w.names.length) throw new LayerError(`${who}: the weight must be positional but has named axes ${formatNamedShape(w.namedShape)}.`);
    return runPositionalEinsum(this.einsumStr, parseEinsum(this.einsumStr), x, [w.positionalTensor()], who);
  }
}
