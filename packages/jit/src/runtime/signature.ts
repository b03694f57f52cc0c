/** Input signatures: what must match for a compiled graph to be reused. */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Struct, childrenOf } from '@penjing/layers';

/**
 * A string that equals another exactly when two call arguments compile to the same graph:
 * array dtypes, axis names and sizes, the structure of records, arrays and structs, and every
 * other value (flags, numbers) as is.
 *
 * @example signatureOf([tokens, { returnLastOnly: true }]) // '[NA(int32;batch,seq;2,7),{returnLastOnly:true}]'
 */
export function signatureOf(value: unknown): string {
  if (value instanceof NamedArray) return `NA(${value.dtype};${value.axes.join(',')};${value.data.shape.join(',')})`;
  if (value instanceof tf.Tensor) return `T(${value.dtype};${value.shape.join(',')})`;
  if (Array.isArray(value)) return `[${value.map(signatureOf).join(',')}]`;
  if (value instanceof Struct) return `${value.typeName()}{${childrenOf(value).map(([k, v]) => `${(k as { name: string }).name}:${signatureOf(v)}`).join(',')}}`;
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${signatureOf((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    return `<${value.constructor?.name ?? 'object'}>`;
  }
  if (typeof value === 'function') return `fn:${value.name}`;
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
