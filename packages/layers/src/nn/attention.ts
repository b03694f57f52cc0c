import type { NamedArray } from '@penjing/named-array';
import { Layer, type SideInputs } from '../core/layer.js';
import { child } from '../tree/fields.js';

/**
 * The five sublayers of an attention layer, for variants that keep them (e.g. a KV-caching
 * attention adds its cache index: `Layer.define('MyAttention', { ...ATTENTION_FIELDS, ... })`).
 * @example Layer.define('CachedAttention', { ...ATTENTION_FIELDS, cacheIndex: staticField<number>() })
 */
export const ATTENTION_FIELDS = {
  inputToQuery: child<Layer<NamedArray, NamedArray>>(),
  inputToKey: child<Layer<NamedArray, NamedArray>>(),
  inputToValue: child<Layer<NamedArray, NamedArray>>(),
  queryKeyToAttn: child<Layer<readonly NamedArray[], NamedArray>>(),
  attnValueToOutput: child<Layer<readonly NamedArray[], NamedArray>>(),
};

/**
 * Attention as pure dataflow (Penzai's `pz.nn.Attention`): the five sublayers decide
 * everything, including head layout, RoPE, masking and the output projection.
 *
 * ```
 * q = inputToQuery(x); k = inputToKey(x); v = inputToValue(x)
 * attn = queryKeyToAttn([q, k])        // e.g. NamedEinsum → mask → Softmax('kv_seq')
 * out  = attnValueToOutput([attn, v])  // e.g. NamedEinsum → Linear
 * ```
 *
 * @example
 * new Attention({ inputToQuery, inputToKey, inputToValue, queryKeyToAttn, attnValueToOutput }).call(x, { tokenPositions })
 */
export class Attention extends Layer.define('Attention', ATTENTION_FIELDS)<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const q = this.inputToQuery.call(x, side);
    const k = this.inputToKey.call(x, side);
    const v = this.inputToValue.call(x, side);
    const attn = this.queryKeyToAttn.call([q, k], side);
    return this.attnValueToOutput.call([attn, v], side);
  }
}
