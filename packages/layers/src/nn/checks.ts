import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { LayerError } from '../core/layer.js';
import { describe } from '../tree/tree.js';

/**
 * Requires a NamedArray with no positional axes (every layer works on named axes only).
 * @example const x = requireNamed(input, "Linear 'mlp/in.weights'");
 */
export function requireNamed(x: unknown, who: string): NamedArray {
  if (!(x instanceof NamedArray)) throw new LayerError(`${who} expects a NamedArray input but got ${describe(x)}.`);
  if (x.positionalShape.length) {
    throw new LayerError(
      `${who} expects only named axes but the input has positional axes [${x.positionalShape.join(', ')}] ` +
        `(named shape ${formatNamedShape(x.namedShape)}); tag them first.`,
    );
  }
  return x;
}

/**
 * Checks that `x` has every axis in `expected` with the given size (`undefined`: any size);
 * other axes pass through. Axes in `forbidden` must be absent (they would collide with an
 * axis the layer creates). The message lists expected and actual axes and each problem.
 *
 * For custom layers: throw from `forward` and the outermost call adds the layer's path.
 *
 * @example checkInputAxes(x, { embedding: 8 }, "Linear 'mlp/in.weights'", ['neurons']);
 */
export function checkInputAxes(
  x: NamedArray,
  expected: Readonly<Record<string, number | undefined>>,
  who: string,
  forbidden: readonly string[] = [],
): void {
  const have = x.namedShape as Record<string, number>;
  const problems: string[] = [];
  for (const [name, size] of Object.entries(expected)) {
    if (!(name in have)) problems.push(`missing axis '${name}'`);
    else if (size !== undefined && have[name] !== size) problems.push(`axis '${name}' has size ${have[name]}, expected ${size}`);
  }
  for (const name of forbidden) {
    if (name in have) problems.push(`axis '${name}' is already present but this layer creates it`);
  }
  if (problems.length) {
    const exp = Object.entries(expected).map(([k, v]) => `${k}: ${v ?? '*'}`).join(', ');
    throw new LayerError(
      `${who} expected input axes {${exp}}${forbidden.length ? ` and none of [${forbidden.map((f) => `'${f}'`).join(', ')}]` : ''} ` +
        `(other axes pass through) but got ${formatNamedShape(have)}: ${problems.join('; ')}.`,
    );
  }
}

/** Normalises `'a'` or `['a', 'b']` to a frozen list of names (internal). */
export function nameList(names: string | readonly string[]): readonly string[] {
  return Object.freeze(typeof names === 'string' ? [names] : [...names]);
}

/** A frozen copy of a list (list fields of structs are frozen like the structs). @example frozenList(layers) */
export function frozenList<T>(xs: readonly T[]): readonly T[] {
  return Object.freeze([...xs]);
}

/** A frozen shallow copy of a record field. @example frozenRecord({ attnMask }) */
export function frozenRecord<T>(r: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze({ ...r });
}
