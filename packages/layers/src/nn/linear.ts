import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { Layer, LayerError } from '../core/layer.js';
import { child, staticField } from '../tree/fields.js';
import { ParameterSlot, type ParameterLike } from '../params/parameter.js';
import { RenameAxes } from './basic.js';
import { checkInputAxes, nameList, requireNamed } from './checks.js';
import { Sequential } from './combinators.js';
import { makeParameter, xavierUniformInitializer, zerosInitializer, type AxisSizes, type Initializer } from './init.js';

/** Options of `Linear.fromConfig`. */
export interface LinearConfig {
  /** Label prefix: the weights are labelled `<name>.weights`. */
  name: string;
  /** Base seed; `null` builds a ParameterSlot (structure only, for checkpoint loading). */
  seed: number | null;
  /** Axes contracted away, with their sizes. */
  inputAxes: AxisSizes;
  /** Axes created, with their sizes. */
  outputAxes: AxisSizes;
  /** Axes kept, with a separate weight slice per index (e.g. per-head or per-channel scales). */
  parallelAxes?: AxisSizes;
  /** Like parallel axes for initialisation, but only in the output: the input is broadcast over them. */
  parallelBroadcastAxes?: AxisSizes;
  /** Default: `xavierUniformInitializer`. */
  initializer?: Initializer;
  /** When an output axis has an input axis's name, build a LinearInPlace (default true). */
  renameOutputsIfNecessary?: boolean;
}

/**
 * Contracts named input axes with a weight array into named output axes; the weight's other
 * axes are parallel axes the input must also carry. Weights have named shape
 * `{...inputAxes, ...outputAxes, ...parallelAxes}` and label `<name>.weights`.
 *
 * @example
 * const lin = Linear.fromConfig({ name: 'mlp/in', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 } });
 * lin.call(x); // {batch, seq, embedding: 8} -> {batch, seq, neurons: 32}
 */
export class Linear extends Layer.define('Linear', {
  weights: child<ParameterLike>(),
  inAxisNames: staticField<readonly string[]>().from(nameList),
  outAxisNames: staticField<readonly string[]>().from(nameList),
})<NamedArray, NamedArray> {

  /**
   * Builds a Linear, or a LinearInPlace when input and output names overlap (the contraction
   * writes temporary `<axis>_out` axes that are then renamed back).
   * @example Linear.fromConfig({ name: 'attn/query', seed: null, inputAxes: { embedding: 64 }, outputAxes: { heads: 4, projection: 16 } })
   */
  static fromConfig(c: LinearConfig): Linear | LinearInPlace {
    const parallel = c.parallelAxes ?? {};
    const broadcast = c.parallelBroadcastAxes ?? {};
    const overlap = Object.keys(c.outputAxes).filter((n) => n in c.inputAxes);
    for (const n of [...Object.keys(parallel), ...Object.keys(broadcast)]) {
      if (n in c.inputAxes || n in c.outputAxes || (n in parallel && n in broadcast)) {
        throw new RangeError(`Linear '${c.name}': parallel axis '${n}' is also an input, output or other parallel axis.`);
      }
    }
    if (overlap.length && c.renameOutputsIfNecessary === false) {
      throw new RangeError(`Linear '${c.name}': output axes [${overlap.join(', ')}] are also input axes; allow renameOutputsIfNecessary or rename them.`);
    }
    const tmp = (n: string) => (overlap.includes(n) ? `${n}_out` : n);
    const clash = overlap.filter((n) => tmp(n) in c.inputAxes);
    if (clash.length) throw new RangeError(`Linear '${c.name}': cannot rename output axes [${clash.join(', ')}] to '<axis>_out': that name is an input axis too. Rename the axes by hand.`);
    const outAxes = Object.fromEntries(Object.entries(c.outputAxes).map(([n, s]) => [tmp(n), s]));
    const weights = makeParameter({
      label: `${c.name}.weights`,
      seed: c.seed,
      initializer: c.initializer ?? xavierUniformInitializer,
      inputAxes: c.inputAxes,
      outputAxes: outAxes,
      parallelAxes: { ...parallel, ...broadcast },
    });
    const linear = new Linear({ weights, inAxisNames: Object.keys(c.inputAxes), outAxisNames: [...Object.keys(outAxes), ...Object.keys(broadcast)] });
    if (!overlap.length) return linear;
    return new LinearInPlace({ sublayers: [linear, new RenameAxes({ old: overlap.map(tmp), new: overlap })] });
  }

  /** Input axes and sizes (Penzai's `Linear.input_axes`). @example lin.inputAxes // { embedding: 8 } */
  get inputAxes(): Record<string, number> {
    return axisSizes(this.weights, this.inAxisNames);
  }
  /** Output axes and sizes (Penzai's `Linear.output_axes`). @example lin.outputAxes // { neurons: 32 } */
  get outputAxes(): Record<string, number> {
    return axisSizes(this.weights, this.outAxisNames);
  }
  /** Axes kept with a weight slice each (Penzai's `Linear.parallel_axes`). @example lin.parallelAxes // { heads: 4 } */
  get parallelAxes(): Record<string, number> {
    const all = weightShape(this.weights);
    return axisSizes(this.weights, Object.keys(all).filter((n) => !this.inAxisNames.includes(n) && !this.outAxisNames.includes(n)));
  }

  protected override forward(input: NamedArray): NamedArray {
    const who = `Linear '${this.weights.label}'`;
    const x = requireNamed(input, who);
    const w = this.weights.value;
    const ws = w.namedShape as Record<string, number>;
    const parallel = w.names.filter((n) => !this.inAxisNames.includes(n) && !this.outAxisNames.includes(n));
    const expected = Object.fromEntries([...this.inAxisNames, ...parallel].map((n) => [n, ws[n]]));
    checkInputAxes(x, expected, who, this.outAxisNames);
    // With nothing to contract the weight is a per-element scale: skip the matMul.
    if (!this.inAxisNames.length) return x.mul(w);
    return nx.contract(this.inAxisNames, x, w);
  }
}

/** The weight's named shape, from its value or (for a slot) its declared shape. */
function weightShape(w: ParameterLike): Readonly<Record<string, number>> {
  if (w instanceof ParameterSlot) {
    if (!w.namedShape) throw new LayerError(`Linear '${w.label}': the weights are an unbound slot with no declared shape, so the axis sizes are unknown.`);
    return w.namedShape;
  }
  return w.value.namedShape as Record<string, number>;
}

function axisSizes(w: ParameterLike, names: readonly string[]): Record<string, number> {
  const shape = weightShape(w);
  return Object.fromEntries(names.map((n) => [n, shape[n]!]));
}

/**
 * A Linear whose output axes reuse input axis names: `[Linear (into <axis>_out), RenameAxes]`.
 * @example Linear.fromConfig({ name: 'mix', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { embedding: 8 } }) // LinearInPlace
 */
export class LinearInPlace extends Sequential {
  static override readonly structName = 'LinearInPlace';
}

/** Options of `AddBias.fromConfig`. */
export interface AddBiasConfig {
  /** Label prefix: the bias is labelled `<name>.bias`. */
  name: string;
  seed: number | null;
  /** Axes of the input that get a bias each, with their sizes. */
  biasedAxes: AxisSizes;
  /** Axes the bias adds to the output (the input must lack them). */
  newOutputAxes?: AxisSizes;
  /** Default: zeros. */
  initializer?: Initializer;
}

/**
 * Adds a learned bias. Its axes are the biased input axes plus `newAxisNames`, which the
 * input must not have (the output gains them).
 * @example AddBias.fromConfig({ name: 'mlp/out', seed: 0, biasedAxes: { embedding: 8 } })
 */
export class AddBias extends Layer.define('AddBias', {
  bias: child<ParameterLike>(),
  newAxisNames: staticField<readonly string[]>().default([]).from(nameList),
})<NamedArray, NamedArray> {

  /** @example AddBias.fromConfig({ name: 'proj', seed: null, biasedAxes: { neurons: 32 } }) */
  static fromConfig(c: AddBiasConfig): AddBias {
    const bias = makeParameter({
      label: `${c.name}.bias`,
      seed: c.seed,
      initializer: c.initializer ?? zerosInitializer,
      outputAxes: { ...c.biasedAxes, ...(c.newOutputAxes ?? {}) },
    });
    return new AddBias({ bias, newAxisNames: Object.keys(c.newOutputAxes ?? {}) });
  }

  protected override forward(input: NamedArray): NamedArray {
    const who = `AddBias '${this.bias.label}'`;
    const x = requireNamed(input, who);
    const b = this.bias.value;
    const bs = b.namedShape as Record<string, number>;
    const biased = b.names.filter((n) => !this.newAxisNames.includes(n));
    checkInputAxes(x, Object.fromEntries(biased.map((n) => [n, bs[n]])), who, this.newAxisNames);
    return x.add(b);
  }
}

/** Options of `Affine.fromConfig`. */
export interface AffineConfig extends Omit<LinearConfig, 'initializer'> {
  linearInitializer?: Initializer;
  biasInitializer?: Initializer;
}

/**
 * `Linear` then `AddBias` (over the parallel and output axes), labelled `<name>/Linear.weights`
 * and `<name>/AddBias.bias`.
 * @example Affine.fromConfig({ name: 'mlp/in', seed: 0, inputAxes: { features: 2 }, outputAxes: { hidden: 8 } })
 */
export class Affine extends Sequential {
  static override readonly structName = 'Affine';
  /** @example Affine.fromConfig({ name: 'head', seed: 1, inputAxes: { hidden: 8 }, outputAxes: { out: 1 } }) */
  static fromConfig(c: AffineConfig): Affine {
    const linear = Linear.fromConfig({ ...c, name: `${c.name}/Linear`, initializer: c.linearInitializer });
    const bias = AddBias.fromConfig({
      name: `${c.name}/AddBias`,
      seed: c.seed,
      biasedAxes: { ...(c.parallelAxes ?? {}), ...(c.parallelBroadcastAxes ?? {}), ...c.outputAxes },
      initializer: c.biasInitializer,
    });
    // An in-place linear is inlined: [Linear, RenameAxes, AddBias].
    return new Affine({ sublayers: linear instanceof LinearInPlace ? [...linear.sublayers, bias] : [linear, bias] });
  }
}

/**
 * A named einsum over a tuple of inputs: `inputAxes[i]` lists the axes of input i that take
 * part; axes in no output are summed, shared axes kept in the output are batch axes, and any
 * other named axes (e.g. `batch`) pass through, vectorised by name.
 *
 * @example
 * const qk = new NamedEinsum({ inputAxes: [['seq', 'heads', 'projection'], ['kv_seq', 'heads', 'projection']], outputAxes: ['heads', 'seq', 'kv_seq'] });
 * qk.call([q, k]); // {batch, heads, seq, kv_seq}
 */
export class NamedEinsum extends Layer.define('NamedEinsum', {
  inputAxes: staticField<readonly (readonly string[])[]>().from((axes: readonly (readonly string[])[]) => Object.freeze(axes.map((a) => nameList(a)))),
  outputAxes: staticField<readonly string[]>().from(nameList),
})<readonly NamedArray[], NamedArray> {
  constructor(f: { inputAxes: readonly (readonly string[])[]; outputAxes: readonly string[] }) {
    const all = new Set(f.inputAxes.flat());
    const unknown = f.outputAxes.filter((n) => !all.has(n));
    if (unknown.length) throw new RangeError(`NamedEinsum: output axes [${unknown.join(', ')}] appear in no input.`);
    super(f);
  }

  protected override forward(inputs: readonly NamedArray[]): NamedArray {
    // The checks with their messages run only when something is off (a decode step runs 36
    // of these einsums, and building the messages cost more than the checks).
    const fits = Array.isArray(inputs) && inputs.length === this.inputAxes.length &&
      inputs.every((x, i) => x instanceof NamedArray && !x.positionalShape.length && this.inputAxes[i].every((n) => n in x.namedShape));
    const spec = () => einsumSpec(this);
    if (!fits) this.check(inputs, `NamedEinsum '${spec()}'`);
    const listed = new Set(this.inputAxes.flat());
    const spectators = new Set<string>();
    for (const x of inputs) for (const n of x.names) if (!listed.has(n)) spectators.add(n);
    // Spectator axes ride along as batch labels; the planner sums what no output keeps.
    const output = [...spectators, ...this.outputAxes];
    return new NamedArray(nx.einsumTensors(inputs.map((x) => x.names), output, inputs.map((x) => x.data), `NamedEinsum '${spec()}'`), output);
  }

  /** Throws the error describing why `inputs` do not fit this einsum. */
  private check(inputs: readonly NamedArray[], who: string): void {
    if (!Array.isArray(inputs) || inputs.length !== this.inputAxes.length) {
      throw new LayerError(`${who} expects a list of ${this.inputAxes.length} arrays; got ${Array.isArray(inputs) ? `${inputs.length}` : typeof inputs}.`);
    }
    inputs.forEach((x, i) => {
      requireNamed(x, `${who} (input ${i})`);
      checkInputAxes(x, Object.fromEntries(this.inputAxes[i].map((n) => [n, undefined])), `${who} (input ${i})`);
    });
  }
}

// An einsum's spec string, for messages, made once per layer.
const specs = new WeakMap<NamedEinsum, string>();

function einsumSpec(e: NamedEinsum): string {
  let spec = specs.get(e);
  if (spec === undefined) specs.set(e, (spec = `${e.inputAxes.map((a) => a.join(' ')).join(', ')} -> ${e.outputAxes.join(' ')}`));
  return spec;
}
