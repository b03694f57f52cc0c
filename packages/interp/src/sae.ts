/**
 * Sparse autoencoders and transcoders with the JumpReLU activation (Gemma Scope, Gemma Scope 2),
 * as layer trees: the encoder is `Linear → AddBias → JumpReLU`, the decoder `Linear → AddBias`,
 * so an SAE prints, selects, differentiates and splices like every other layer. A transcoder
 * is the same struct whose input is read at one site (MLP in) and whose output replaces
 * another (MLP out), optionally with an affine skip connection `x · W_skip`.
 *
 * JumpReLU as in Gemma Scope: `pre = x·W_enc + b_enc`, `f = pre · (pre > threshold)`,
 * `x̂ = f·W_dec + b_dec`; `b_dec` is not subtracted from the input.
 */
import * as tf from '@tensorflow/tfjs';
import { readSaeFiles } from './sae-files.js';
import { NamedArray } from '@penjing/named-array';
import {
  AddBias, Layer, Linear, Parameter, RenameAxes, Sequential, checkInputAxes, child, requireNamed, staticField, type ParameterLike,
} from '@penjing/layers';

/** The axis an SAE's features live on. */
export const FEATURES_AXIS = 'features';

/** Zeroes every pre-activation at or below its feature's threshold (Gemma Scope's JumpReLU). */
export class JumpReLU extends Layer.define('JumpReLU', { threshold: child<ParameterLike>() })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'JumpReLU');
    const t = (this.threshold as Parameter).value;
    checkInputAxes(x, Object.fromEntries(t.names.map((n) => [n, t.namedShape[n]])), 'JumpReLU');
    // The mask is a constant of x, so gradients flow through pre-activations that are on.
    return x.mul(x.greater(t).astype('float32'));
  }
}

/** What the loaders know about an SAE beyond its weights (Gemma Scope 2's config.json, or the file name). */
export interface SaeInfo {
  /** 'sae' (reads and writes one site) or 'transcoder' (reads `hookPointIn`, writes `hookPointOut`). */
  readonly type: 'sae' | 'transcoder';
  readonly hookPointIn?: string;
  readonly hookPointOut?: string;
  /** Average number of active features, when the release says. */
  readonly l0?: number;
  /** The file the weights came from (for messages). */
  readonly source?: string;
}

/** The raw float32 arrays of a JumpReLU SAE, as Gemma Scope names them (row-major). */
export interface SaeWeights {
  /** [d_in, d_sae] */
  readonly wEnc: { data: Float32Array; shape: readonly number[] };
  /** [d_sae, d_out] */
  readonly wDec: { data: Float32Array; shape: readonly number[] };
  readonly bEnc: { data: Float32Array; shape: readonly number[] };
  readonly bDec: { data: Float32Array; shape: readonly number[] };
  readonly threshold: { data: Float32Array; shape: readonly number[] };
  /** [d_in, d_out], applied as `x · W_skip` (affine transcoders only). */
  readonly wSkip?: { data: Float32Array; shape: readonly number[] };
}

/**
 * A JumpReLU sparse autoencoder (or transcoder) over the `embedding` axis. `encode` maps
 * `{…, embedding}` to `{…, features}`, `decode` maps back, `call` does both (plus the skip
 * connection of an affine transcoder).
 *
 * @example
 * const sae = await SparseAutoencoder.fromPretrained('gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82');
 * const f = sae.encode(resid);   // {batch, seq, features: 16384}
 * const back = sae.decode(f);    // {batch, seq, embedding: 2304}
 */
export class SparseAutoencoder extends Layer.define('SparseAutoencoder', {
  encoder: child<Sequential>(),
  decoder: child<Sequential>(),
  skip: child<Sequential | null>().default(null),
  info: staticField<SaeInfo>().default({ type: 'sae' }),
})<NamedArray, NamedArray> {
  /**
   * Loads a Gemma Scope (`params.npz`), Gemma Scope 2 (`params.safetensors` + `config.json`) or
   * SAELens JumpReLU SAE or transcoder from its directory or file.
   * @example const sae = await SparseAutoencoder.fromPretrained('gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82');
   */
  static async fromPretrained(pathOrDir: string): Promise<SparseAutoencoder> {
    return loadSparseAutoencoder(pathOrDir);
  }

  /**
   * Builds an SAE from raw arrays, checking that their shapes agree.
   * @example SparseAutoencoder.fromWeights({ wEnc, wDec, bEnc, bDec, threshold })
   */
  static fromWeights(w: SaeWeights, info: SaeInfo = { type: 'sae' }, label = 'sae'): SparseAutoencoder {
    const where = info.source ? ` in ${info.source}` : '';
    const [dIn, dSae] = w.wEnc.shape;
    const expect = (name: string, got: readonly number[], want: readonly number[]) => {
      if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
        throw new Error(`SparseAutoencoder: ${name}${where} has shape [${got.join(', ')}] but W_enc [${w.wEnc.shape.join(', ')}] needs [${want.join(', ')}].`);
      }
    };
    if (w.wEnc.shape.length !== 2) throw new Error(`SparseAutoencoder: W_enc${where} must be 2-D [d_in, d_sae]; got [${w.wEnc.shape.join(', ')}].`);
    const dOut = w.wDec.shape[1] ?? -1;
    expect('W_dec', w.wDec.shape, [dSae, dOut]);
    expect('b_enc', w.bEnc.shape, [dSae]);
    expect('threshold', w.threshold.shape, [dSae]);
    expect('b_dec', w.bDec.shape, [dOut]);
    if (w.wSkip) expect('affine_skip_connection', w.wSkip.shape, [dIn, dOut]);
    const param = (name: string, a: { data: Float32Array; shape: readonly number[] }, axes: string[]) =>
      new Parameter({ label: `${label}/${name}`, value: new NamedArray(tf.tensor(a.data, [...a.shape], 'float32'), axes) });
    const encoder = new Sequential({
      sublayers: [
        new Linear({ weights: param('w_enc', w.wEnc, ['embedding', FEATURES_AXIS]), inAxisNames: ['embedding'], outAxisNames: [FEATURES_AXIS] }),
        new AddBias({ bias: param('b_enc', w.bEnc, [FEATURES_AXIS]) }),
        new JumpReLU({ threshold: param('threshold', w.threshold, [FEATURES_AXIS]) }),
      ],
    });
    const decoder = new Sequential({
      sublayers: [
        new Linear({ weights: param('w_dec', w.wDec, [FEATURES_AXIS, 'embedding']), inAxisNames: [FEATURES_AXIS], outAxisNames: ['embedding'] }),
        new AddBias({ bias: param('b_dec', w.bDec, ['embedding']) }),
      ],
    });
    const skip = w.wSkip
      ? new Sequential({
          sublayers: [
            new Linear({ weights: param('w_skip', w.wSkip, ['embedding', 'embedding_out']), inAxisNames: ['embedding'], outAxisNames: ['embedding_out'] }),
            new RenameAxes({ old: ['embedding_out'], new: ['embedding'] }),
          ],
        })
      : null;
    return new SparseAutoencoder({ encoder, decoder, skip, info });
  }

  /** Number of features. @example sae.width // 16384 */
  get width(): number {
    return ((this.encoder.sublayers[0] as Linear).weights as Parameter).value.namedShape[FEATURES_AXIS]!;
  }

  /** Feature activations `{…, features}`. @example sae.encode(x).namedShape */
  encode(x: NamedArray): NamedArray {
    return this.encoder.call(x) as NamedArray;
  }

  /** The reconstruction `{…, embedding}` of feature activations. @example sae.decode(sae.encode(x)) */
  decode(f: NamedArray): NamedArray {
    return this.decoder.call(f) as NamedArray;
  }

  /** Decoder row of one feature, `{embedding}`: the direction it writes (for steering). @example sae.featureDirection(7) */
  featureDirection(feature: number): NamedArray {
    const w = ((this.decoder.sublayers[0] as Linear).weights as Parameter).value;
    if (!Number.isInteger(feature) || feature < 0 || feature >= this.width) throw new RangeError(`featureDirection: feature ${feature} is not in [0, ${this.width}).`);
    return w.index({ [FEATURES_AXIS]: feature });
  }

  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'SparseAutoencoder');
    const out = this.decoder.call(this.encoder.call(x)) as NamedArray;
    return this.skip ? out.add(this.skip.call(x) as NamedArray) : out;
  }
}

/**
 * `SparseAutoencoder.fromPretrained` as a function.
 * @example const sae = await loadSparseAutoencoder('gemma-scope-2-1b-pt/transcoder/layer_5');
 */
export async function loadSparseAutoencoder(pathOrDir: string): Promise<SparseAutoencoder> {
  const { weights, info } = await readSaeFiles(pathOrDir);
  return SparseAutoencoder.fromWeights(weights, info);
}
