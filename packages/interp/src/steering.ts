/**
 * Steering: add a vector to the activation at a site, at chosen absolute positions. The
 * positions come from the `tokenPositions` side input, which both the plain forward pass and
 * the KV-caching form supply, so a steered model generates with the cache as it is: prefill
 * and each decoding step add the vector where their tokens' positions qualify. Padding
 * (position −1) is never steered.
 */
import { NamedArray } from '@penjing/named-array';
import { Layer, child, requireNamed, staticField, type SideInputs } from '@penjing/layers';
import { insertAtSite } from './sites.js';
import type { SparseAutoencoder } from './sae.js';

/** Adds `vector` where the token position is ≥ `fromPosition` (and in `positions`, when given). */
export class SteerActivation extends Layer.define('SteerActivation', {
  vector: child<NamedArray>(),
  fromPosition: staticField<number>().default(0),
  positions: staticField<readonly number[] | null>().default(null),
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return ['tokenPositions'];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const x = requireNamed(input, 'SteerActivation');
    const pos = side.tokenPositions as NamedArray;
    let on = pos.greaterEqual(Math.max(0, this.fromPosition));
    if (this.positions) {
      let any = pos.equal(this.positions[0] ?? -2);
      for (const p of this.positions.slice(1)) any = any.logicalOr(pos.equal(p));
      on = on.logicalAnd(any);
    }
    return x.add(on.astype('float32').mul(this.vector));
  }
}

/** Options of `steer`. */
export interface SteerOptions {
  /** First absolute position steered (default 0: every token). */
  readonly from?: number;
  /** Only these absolute positions (default: all from `from` on). */
  readonly positions?: readonly number[];
  /** Multiplies the vector (default 1). */
  readonly scale?: number;
}

/**
 * A copy of `model` that adds `vector` (`{embedding}`, or an SAE feature's index with `sae`)
 * at `site`. Pass the copy to `generate` to steer generation (the KV cache works unchanged).
 * The copy owns the scaled vector: free it with `disposeTree(steered, { except: [model] })`.
 *
 * @example
 * const steered = steer(model, 'blocks.1.hook_resid_post', direction, { from: promptIds.length, scale: 8 });
 * await generate(steered, promptIds, { maxNewTokens: 10 });
 */
export function steer<R>(model: R, site: string, vector: NamedArray | { readonly sae: SparseAutoencoder; readonly feature: number }, options: SteerOptions = {}): R {
  const base = vector instanceof NamedArray ? vector : vector.sae.featureDirection(vector.feature);
  // Copy a caller's vector so the tree owns every array in it (disposing it never frees the caller's).
  if (options.positions?.some((p) => !Number.isInteger(p) || p < 0)) throw new RangeError(`steer: positions must be integers ≥ 0; got [${options.positions.join(', ')}].`);
  const v = base.mul(options.scale ?? 1);
  if (base !== vector) base.dispose();
  return insertAtSite(model, site, new SteerActivation({ vector: v, fromPosition: options.from ?? 0, positions: options.positions ?? null }));
}
