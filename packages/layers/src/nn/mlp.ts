import { Sequential } from './combinators.js';
import { Elementwise, type ElementwiseName } from './basic.js';
import { Affine } from './linear.js';
import { Dropout } from './dropout.js';
import type { NamedArray } from '@penjing/named-array';

/** Options of `MLP.fromConfig`. */
export interface MLPConfig {
  /** Label prefix (`<name>/Affine_0/Linear.weights`, ...). */
  name: string;
  /** Base seed (layer i uses seed + i); `null` builds parameter slots. */
  seed: number | null;
  /** Sizes of the feature axis from input to output, at least two. */
  featureSizes: readonly number[];
  /** Between Affine layers. Default `'relu'`. */
  activation?: ElementwiseName | ((x: NamedArray) => NamedArray);
  /** Default `'features'`. */
  featureAxis?: string;
  /** With a rate, a Dropout (reading the `randomStream` side input) precedes each activation. */
  dropoutRate?: number;
}

/**
 * A stack of Affine layers over one feature axis with activations between them (Penzai's
 * example `MLP` / `DropoutMLP`).
 * @example MLP.fromConfig({ name: 'mlp', seed: 0, featureSizes: [2, 32, 1] }).call(x) // {batch, features: 2} -> {batch, features: 1}
 */
export class MLP extends Sequential {
  /** @example MLP.fromConfig({ name: 'mlp', seed: 0, featureSizes: [8, 16, 8], activation: 'gelu' }) */
  static fromConfig(c: MLPConfig): MLP {
    const sizes = c.featureSizes;
    if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new RangeError(`MLP '${c.name}': featureSizes needs at least two positive integer sizes (input and output); got [${sizes.join(', ')}].`);
    }
    const axis = c.featureAxis ?? 'features';
    const layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      if (i) {
        if (c.dropoutRate !== undefined) layers.push(new Dropout({ rate: c.dropoutRate }));
        layers.push(new Elementwise({ fn: c.activation ?? 'relu' }));
      }
      layers.push(Affine.fromConfig({ name: `${c.name}/Affine_${i}`, seed: c.seed === null ? null : c.seed + i, inputAxes: { [axis]: sizes[i]! }, outputAxes: { [axis]: sizes[i + 1]! } }));
    }
    return new MLP({ sublayers: layers });
  }
}
