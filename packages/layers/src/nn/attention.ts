import type { NamedArray } from '@penjing/named-array';
import { Layer, type SideInputs } from '../core/layer.js';
import { child } from '../tree/fields.js';

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
export class Attention extends Layer.define('Attention', {
  inputToQuery: child<Layer<NamedArray, NamedArray>>(),
  inputToKey: child<Layer<NamedArray, NamedArray>>(),
  inputToValue: child<Layer<NamedArray, NamedArray>>(),
  queryKeyToAttn: child<Layer<readonly NamedArray[], NamedArray>>(),
  attnValueToOutput: child<Layer<readonly NamedArray[], NamedArray>>(),
})<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const q = this.inputToQuery.call(x, side);
    const k = this.inputToKey.call(x, side);
    const v = this.inputToValue.call(x, side);
    const attn = this.queryKeyToAttn.call([q, k], side);
    return this.attnValueToOutput.call([attn, v], side);
  }
}
