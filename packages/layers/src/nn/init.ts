import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Parameter, ParameterSlot, type ParameterLike } from '../params/parameter.js';

/** Named sizes, e.g. `{ embedding: 64, heads: 4 }`. */
export type AxisSizes = Readonly<Record<string, number>>;

/** What an initializer is told about the parameter it makes. */
export interface InitContext {
  /** The parameter's own seed (derived from the base seed and the label). */
  readonly seed: number;
  readonly label: string;
  /** Axes contracted with the input (fan-in). */
  readonly inputAxes: AxisSizes;
  /** Axes produced in the output (fan-out). */
  readonly outputAxes: AxisSizes;
  /** Axes carried in parallel (one independent slice each; no fan). */
  readonly parallelAxes: AxisSizes;
}

/**
 * Makes a parameter value of named shape `{...inputAxes, ...outputAxes, ...parallelAxes}`.
 * Initializers are plain functions: they are used by `fromConfig` and not kept in the tree.
 */
export type Initializer = (ctx: InitContext) => NamedArray;

/**
 * The full named shape of a parameter: input axes, then output axes, then parallel axes.
 * @example paramShape({ inputAxes: { a: 2 }, outputAxes: { b: 3 }, parallelAxes: {} }) // {a: 2, b: 3}
 */
export function paramShape(ctx: Pick<InitContext, 'inputAxes' | 'outputAxes' | 'parallelAxes'>): Record<string, number> {
  return { ...ctx.inputAxes, ...ctx.outputAxes, ...ctx.parallelAxes };
}

const prod = (s: AxisSizes) => Object.values(s).reduce((a, b) => a * b, 1);

function fromTensor(ctx: InitContext, make: (shape: number[]) => tf.Tensor): NamedArray {
  const shape = paramShape(ctx);
  return new NamedArray(make(Object.values(shape)), Object.keys(shape));
}

/**
 * Fills with a constant.
 * @example const ones = constantInitializer(1);   // how RMSLayerNorm scales start
 */
export function constantInitializer(value: number): Initializer {
  const init: Initializer = (ctx) => fromTensor(ctx, (s) => tf.fill(s, value, 'float32'));
  Object.defineProperty(init, 'name', { value: `constant(${value})` });
  return init;
}

/** All zeros (the default for biases). @example AddBias.fromConfig({ name: 'proj', seed: 0, biasedAxes: { neurons: 32 }, initializer: zerosInitializer }) */
export const zerosInitializer: Initializer = constantInitializer(0);
/** All ones (the default for norm scales). @example RMSLayerNorm.fromConfig({ name: 'norm', seed: 0, acrossAxes: { embedding: 8 }, scaleInitializer: onesInitializer }) */
export const onesInitializer: Initializer = constantInitializer(1);

/**
 * Normal values with a fixed standard deviation.
 * @example EmbeddingTable.fromConfig({ name: 'embed', seed: 0, vocabSize: 64, embeddingAxes: { embedding: 16 }, initializer: normalInitializer(0.02) })
 */
export function normalInitializer(std: number): Initializer {
  const init: Initializer = (ctx) => fromTensor(ctx, (s) => tf.randomNormal(s, 0, std, 'float32', ctx.seed));
  Object.defineProperty(init, 'name', { value: `normal(${std})` });
  return init;
}

/** Options of `varianceScalingInitializer` (the JAX/Keras family). */
export interface VarianceScaling {
  scale: number;
  mode: 'fanIn' | 'fanOut' | 'fanAvg';
  distribution: 'uniform' | 'normal' | 'truncatedNormal';
}

/**
 * Variance scaling: variance `scale / fan`, where fan-in is the product of the input axis
 * sizes and fan-out that of the output axes (parallel axes count in neither).
 * @example varianceScalingInitializer({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' }) // He
 */
export function varianceScalingInitializer(opts: VarianceScaling): Initializer {
  const init: Initializer = (ctx) => {
    const fanIn = prod(ctx.inputAxes);
    const fanOut = prod(ctx.outputAxes);
    const fan = opts.mode === 'fanIn' ? fanIn : opts.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = opts.scale / Math.max(1, fan);
    return fromTensor(ctx, (s) => {
      if (opts.distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return tf.randomUniform(s, -limit, limit, 'float32', ctx.seed);
      }
      if (opts.distribution === 'normal') return tf.randomNormal(s, 0, Math.sqrt(variance), 'float32', ctx.seed);
      // Truncating at two standard deviations shrinks the spread by this factor; undo it.
      return tf.truncatedNormal(s, 0, Math.sqrt(variance) / 0.8796256610342398, 'float32', ctx.seed);
    });
  };
  Object.defineProperty(init, 'name', { value: `varianceScaling(${opts.scale}, ${opts.mode}, ${opts.distribution})` });
  return init;
}

/** Glorot/Xavier uniform (Penzai's default for Linear). @example Linear.fromConfig({ name: 'proj', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 }, initializer: xavierUniformInitializer }) */
export const xavierUniformInitializer: Initializer = varianceScalingInitializer({ scale: 1, mode: 'fanAvg', distribution: 'uniform' });
/** Glorot/Xavier normal. @example Linear.fromConfig({ name: 'proj', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 }, initializer: xavierNormalInitializer }) */
export const xavierNormalInitializer: Initializer = varianceScalingInitializer({ scale: 1, mode: 'fanAvg', distribution: 'normal' });
/** LeCun normal (variance 1/fan-in, truncated). @example Linear.fromConfig({ name: 'proj', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 }, initializer: lecunNormalInitializer }) */
export const lecunNormalInitializer: Initializer = varianceScalingInitializer({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' });

/**
 * A parameter's own seed: the base seed mixed with a hash of its label, so every parameter
 * of a model built from one seed differs, and rebuilding gives the same values.
 * @example deriveSeed(0, 'mlp/in.weights')
 */
export function deriveSeed(base: number, label: string): number {
  let h = 0x811c9dc5 ^ (base | 0);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ Math.floor(base / 2 ** 32), 0x01000193);
  return (h >>> 0) % 2147483647;
}

/** What `makeParameter` needs. */
export interface MakeParameter {
  label: string;
  /** Base seed; `null` makes a `ParameterSlot` (structure-only builds, e.g. before loading a checkpoint). */
  seed: number | null;
  initializer: Initializer;
  inputAxes?: AxisSizes;
  outputAxes?: AxisSizes;
  parallelAxes?: AxisSizes;
}

/**
 * Makes an initialised Parameter, or a ParameterSlot with the expected named shape when
 * `seed` is null (Penzai's `make_parameter` with `init_base_rng=None`).
 * @example makeParameter({ label: 'mlp/in.weights', seed: 0, initializer: xavierUniformInitializer, inputAxes: { a: 2 }, outputAxes: { b: 3 } })
 */
export function makeParameter(p: MakeParameter): ParameterLike {
  const ctx = { inputAxes: p.inputAxes ?? {}, outputAxes: p.outputAxes ?? {}, parallelAxes: p.parallelAxes ?? {} };
  for (const [n, s] of Object.entries(paramShape(ctx))) {
    if (!Number.isInteger(s) || s < 1) throw new RangeError(`Parameter '${p.label}': axis '${n}' must have a positive integer size; got ${s}.`);
  }
  const shape = paramShape(ctx);
  const dup = Object.keys(ctx.inputAxes).filter((n) => n in ctx.outputAxes || n in ctx.parallelAxes).concat(Object.keys(ctx.outputAxes).filter((n) => n in ctx.parallelAxes));
  if (dup.length) throw new RangeError(`Parameter '${p.label}': axes [${dup.map((d) => `'${d}'`).join(', ')}] appear in more than one of input, output and parallel axes.`);
  if (p.seed === null) return new ParameterSlot({ label: p.label, namedShape: Object.freeze(shape) });
  const value = p.initializer({ ...ctx, seed: deriveSeed(p.seed, p.label), label: p.label });
  const got = value.namedShape as Record<string, number>;
  const ok = Object.keys(shape).length === Object.keys(got).length && Object.entries(shape).every(([n, s]) => got[n] === s);
  if (!ok) throw new RangeError(`Parameter '${p.label}': the initializer returned named shape ${JSON.stringify(got)}, expected ${JSON.stringify(shape)}.`);
  return new Parameter({ label: p.label, value });
}
