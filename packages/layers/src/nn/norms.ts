import * as tf from '@tensorflow/tfjs';
import { NamedArray, fusedRmsNorm } from '@penjing/named-array';
import { Layer, type SideInputs } from '../core/layer.js';
import { Parameter } from '../params/parameter.js';
import { staticField } from '../tree/fields.js';
import { checkInputAxes, nameList, requireNamed } from './checks.js';
import { Sequential } from './combinators.js';
import { onesInitializer, zerosInitializer, type AxisSizes, type Initializer } from './init.js';
import { AddBias, Linear } from './linear.js';

/**
 * A parameter-free normalisation over the `across` axes; subclasses give the formula.
 * Shared so both standardisers check their input and print the same way.
 */
abstract class NormalizeAcross extends Layer.define('NormalizeAcross', {
  across: staticField<readonly string[]>().from(nameList),
  epsilon: staticField<number>().default(1e-6),
})<NamedArray, NamedArray> {
  protected abstract normalize(x: NamedArray): NamedArray;
  protected override forward(input: NamedArray): NamedArray {
    const who = `${this.typeName()} across [${this.across.join(', ')}]`;
    const x = requireNamed(input, who);
    checkInputAxes(x, Object.fromEntries(this.across.map((a) => [a, undefined])), who);
    return this.normalize(x);
  }
}

/**
 * `(x − mean) / sqrt(var + ε)` over the `across` axes (no parameters).
 * @example new Standardize({ across: 'embedding' }).call(x)
 */
export class Standardize extends NormalizeAcross {
  static override readonly structName = 'Standardize';
  protected override normalize(x: NamedArray): NamedArray {
    const centred = x.sub(x.mean(...this.across));
    return centred.mul(centred.square().mean(...this.across).add(this.epsilon).rsqrt());
  }
}

/**
 * `x · rsqrt(mean(x²) + ε)` over the `across` axes (no parameters).
 * @example new RMSStandardize({ across: 'embedding', epsilon: 1e-6 }).call(x)
 */
export class RMSStandardize extends NormalizeAcross {
  static override readonly structName = 'RMSStandardize';
  protected override normalize(x: NamedArray): NamedArray {
    // On wasm (no gradients recorded), one fused kernel when the axis is innermost.
    const fused = this.across.length === 1 ? fusedRmsNorm(x, this.across[0], this.epsilon) : null;
    if (fused) return fused;
    // On wasm, the same kernels with the mean kept in place (keepDims), so the factor
    // broadcasts without a reshape (a decode step runs 109 of these norms). Elsewhere the
    // plain form, which the jit compiler recognises as one RMS-norm node.
    if (tf.getBackend() !== 'wasm') return x.mul(x.square().mean(...this.across).add(this.epsilon).rsqrt());
    const dims = this.across.map((a) => x.dataAxisOf(a));
    return new NamedArray(tf.tidy(() => tf.mul(x.data, tf.rsqrt(tf.add(tf.mean(tf.square(x.data), dims, true), tf.scalar(this.epsilon, 'float32'))))), x.axes);
  }
}

/** Options of `LayerNorm.fromConfig` and `RMSLayerNorm.fromConfig`. */
export interface NormConfig {
  /** Label prefix: `<name>/scale.weights` (and `<name>/shift.bias` for LayerNorm). */
  name: string;
  /** Base seed; `null` builds ParameterSlots. */
  seed: number | null;
  /** The normalised axes with their sizes, e.g. `{ embedding: 2048 }`. */
  acrossAxes: AxisSizes;
  /** Default 1e-6. */
  epsilon?: number;
  /** Scale initializer; default ones. */
  scaleInitializer?: Initializer;
}

/**
 * `Standardize` → per-element scale (`<name>/scale.weights`, init 1) → bias
 * (`<name>/shift.bias`, init 0).
 * @example LayerNorm.fromConfig({ name: 'ln', seed: 0, acrossAxes: { embedding: 8 } })
 */
export class LayerNorm extends Sequential {
  static override readonly structName = 'LayerNorm';
  /** @example LayerNorm.fromConfig({ name: 'block_0/ln', seed: null, acrossAxes: { embedding: 64 } }) */
  static fromConfig(c: NormConfig & { biasInitializer?: Initializer }): LayerNorm {
    return new LayerNorm({
      sublayers: [
        new Standardize({ across: Object.keys(c.acrossAxes), epsilon: c.epsilon }),
        scaleLinear(c),
        AddBias.fromConfig({ name: `${c.name}/shift`, seed: c.seed, biasedAxes: c.acrossAxes, initializer: c.biasInitializer ?? zerosInitializer }),
      ],
    });
  }
}

/**
 * `RMSStandardize` → per-element scale (`<name>/scale.weights`, init 1). Gemma's checkpoint
 * stores the scale as an offset `w` and multiplies by `1 + w`; the model loader folds that in
 * when it binds the weights, so this layer multiplies by the bound value as is.
 * @example RMSLayerNorm.fromConfig({ name: 'transformer/final_norm', seed: null, acrossAxes: { embedding: 64 } })
 */
export class RMSLayerNorm extends Sequential {
  static override readonly structName = 'RMSLayerNorm';

  /**
   * As a Sequential, except that the unmodified pair (this class's `RMSStandardize` over one
   * axis, then a per-element scale `Linear` over that axis) runs as one fused kernel where
   * one applies (wasm, no gradients recorded; see `fusedRmsNorm`). A tree edited by a
   * selector (a probe inserted between the two, a replaced scale) runs its sublayers.
   */
  protected override forward(x: unknown, side: SideInputs): unknown {
    const [norm, scale] = this.sublayers;
    if (this.sublayers.length === 2 && x instanceof NamedArray && norm?.constructor === RMSStandardize && scale?.constructor === Linear) {
      const { across, epsilon } = norm as RMSStandardize;
      const { weights, inAxisNames, outAxisNames } = scale as Linear;
      if (across.length === 1 && !inAxisNames.length && !outAxisNames.length && weights instanceof Parameter) {
        const fused = fusedRmsNorm(x, across[0], epsilon, weights.value);
        if (fused) return fused;
      }
    }
    return super.forward(x, side);
  }

  /** @example RMSLayerNorm.fromConfig({ name: 'norm', seed: 0, acrossAxes: { embedding: 8 }, epsilon: 1e-6 }) */
  static fromConfig(c: NormConfig): RMSLayerNorm {
    return new RMSLayerNorm({ sublayers: [new RMSStandardize({ across: Object.keys(c.acrossAxes), epsilon: c.epsilon }), scaleLinear(c)] });
  }
}

function scaleLinear(c: NormConfig): Linear {
  return Linear.fromConfig({
    name: `${c.name}/scale`,
    seed: c.seed,
    inputAxes: {},
    outputAxes: {},
    parallelAxes: c.acrossAxes,
    initializer: c.scaleInitializer ?? onesInitializer,
  }) as Linear;
}
