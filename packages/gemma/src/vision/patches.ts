/**
 * The two reshaping layers of Gemma 3's vision path: cutting images into patches (so the
 * SigLIP patch-embedding convolution becomes one `Linear` over each patch's pixels) and
 * average-pooling the patch grid down to the soft tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, staticField } from '@penjing/layers';

const positive = (v: number, who: string) => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${who}: must be a positive integer; got ${v}.`);
  return v;
};

function need(x: unknown, axes: readonly string[], who: string): NamedArray {
  if (!(x instanceof NamedArray) || axes.some((a) => !x.names.includes(a)) || x.positionalShape.length) {
    const got = x instanceof NamedArray ? formatNamedShape(x.namedShape) + (x.positionalShape.length ? ` with positional axes [${x.positionalShape}]` : '') : typeof x;
    throw new LayerError(`${who}: expected a NamedArray with axes {${axes.join(', ')}} (and batch axes) and no positional axes; got ${got}.`);
  }
  return x;
}

/**
 * Cuts `{…, height, width, channel}` images into non-overlapping square patches
 * `{…, patches, channel, patch_height, patch_width}`, patches in row-major order (as the
 * flattened output of SigLIP's stride-`patchSize` convolution).
 *
 * @example new Patchify({ patchSize: 14 }).call(images) // {batch, image, height: 896, width: 896, channel: 3} -> {batch, image, patches: 4096, channel: 3, patch_height: 14, patch_width: 14}
 */
export class Patchify extends Layer.define('Patchify', {
  patchSize: staticField<number>().from(positive),
})<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const who = `Patchify(${this.patchSize})`;
    const x = need(input, ['height', 'width', 'channel'], who);
    const p = this.patchSize;
    const { height: h, width: w, channel: c } = x.namedShape as Record<string, number>;
    if (h % p !== 0 || w % p !== 0) {
      throw new LayerError(`${who}: image height ${h} and width ${w} must be multiples of the patch size ${p}; resize the images to the tower's image_size (preprocessImages does).`);
    }
    const batch = x.names.filter((n) => n !== 'height' && n !== 'width' && n !== 'channel');
    const bs = batch.map((n) => (x.namedShape as Record<string, number>)[n]);
    const data = tf.tidy(() => {
      const t = tf.reshape(x.unwrap(...batch, 'height', 'width', 'channel'), [...bs, h / p, p, w / p, p, c]);
      const k = bs.length;
      const perm = [...bs.keys(), k, k + 2, k + 4, k + 1, k + 3];
      return tf.reshape(tf.transpose(t, perm), [...bs, (h / p) * (w / p), c, p, p]);
    });
    return new NamedArray(data, [...batch, 'patches', 'channel', 'patch_height', 'patch_width']);
  }
}

/**
 * Averages a square grid of `{…, patches, <feature>}` (row-major) over `poolSize × poolSize`
 * windows, giving `{…, tokens, <feature>}` in row-major order: Gemma 3's projector pooling
 * (4096 patches → 256 soft tokens with poolSize 4).
 *
 * @example new AveragePoolPatches({ poolSize: 4 }).call(patches) // {…, patches: 4096, embedding} -> {…, tokens: 256, embedding}
 */
export class AveragePoolPatches extends Layer.define('AveragePoolPatches', {
  poolSize: staticField<number>().from(positive),
})<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const who = `AveragePoolPatches(${this.poolSize})`;
    const x = need(input, ['patches'], who);
    const n = (x.namedShape as Record<string, number>).patches;
    const g = Math.round(Math.sqrt(n));
    const k = this.poolSize;
    if (g * g !== n || g % k !== 0) {
      throw new LayerError(`${who}: ${n} patches are not a square grid whose side is a multiple of ${k}.`);
    }
    const rest = x.names.filter((a) => a !== 'patches');
    const shape = x.namedShape as Record<string, number>;
    const batch = rest.slice(0, -1);
    const feature = rest[rest.length - 1];
    if (rest.length === 0) throw new LayerError(`${who}: expected a feature axis besides 'patches'; got ${formatNamedShape(x.namedShape)}.`);
    const bs = batch.map((a) => shape[a]);
    const t = g / k;
    const data = tf.tidy(() => {
      const grid = tf.reshape(x.unwrap(...batch, 'patches', feature), [...bs, t, k, t, k, shape[feature]]);
      const pooled = tf.mean(grid, [bs.length + 1, bs.length + 3]);
      return tf.reshape(pooled, [...bs, t * t, shape[feature]]);
    });
    return new NamedArray(data, [...batch, 'tokens', feature]);
  }
}
