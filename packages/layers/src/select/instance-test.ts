import { isRecord } from '../tree/tree.js';
import type { AnyClass } from './selection-core.js';

/**
 * What `atInstancesOf(cls)` matches. JS primitives are not instances of their wrapper classes
 * (`3 instanceof Number` is false), so Penzai's `at_instances_of(int)` would silently select
 * nothing; the built-in constructors stand for the JS types instead:
 *
 * - `Number`, `String`, `Boolean`, `BigInt`, `Symbol`: primitives of that type (and wrapper objects)
 * - `Function`: functions
 * - `Array`: arrays
 * - `Object`: plain records (`{...}` literals) only — every struct is an Object too, and
 *   selecting the whole tree is never what `Object` means here
 *
 * Any other class matches with `instanceof`.
 * @example instanceTest(Number)(3) // true
 */
export function instanceTest(cls: AnyClass): (x: unknown) => boolean {
  const builtin = BUILTINS.get(cls as unknown);
  if (builtin) return builtin;
  if (typeof cls !== 'function') {
    throw new TypeError(`atInstancesOf() needs a class (or a list of them); got ${cls === null ? 'null' : typeof cls}. To select values, use atEqualTo(value) or atSubtreesWhere(pred).`);
  }
  return (x) => x instanceof cls;
}

const primitive = (type: string, wrapper: unknown) => (x: unknown) => typeof x === type || (typeof wrapper === 'function' && x instanceof (wrapper as AnyClass));

const BUILTINS = new Map<unknown, (x: unknown) => boolean>([
  [Number, primitive('number', Number)],
  [String, primitive('string', String)],
  [Boolean, primitive('boolean', Boolean)],
  [BigInt, primitive('bigint', BigInt)],
  [Symbol, primitive('symbol', Symbol)],
  [Function, (x) => typeof x === 'function'],
  [Array, (x) => Array.isArray(x)],
  [Object, isRecord],
]);
