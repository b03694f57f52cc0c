/**
 * Number and string formatting shared by the text renderer and the browser components.
 */

/**
 * The shortest decimal that reads back as the same float32, so a float32 0.1 prints as `0.1`
 * rather than its float64 expansion `0.10000000149011612`.
 * @example formatFloat32(Math.fround(0.1)) // '0.1'
 */
export function formatFloat32(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const target = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === target) return String(candidate);
  }
  // Nine significant digits always identify a float32; reaching here means v was not one.
  return String(target);
}

/**
 * Formats a value of an array with the given dtype (float32 shortest form, integers as is,
 * bools as true/false).
 * @example formatValue(1, 'bool') // 'true'
 */
export function formatValue(v: number, dtype: string): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32' || dtype === 'int64' || dtype === 'int16' || dtype === 'int8' || dtype.startsWith('uint')) {
    return Number.isFinite(v) ? String(Math.round(v)) : formatFloat32(v);
  }
  return formatFloat32(v);
}

/**
 * Python's `format(x, '.2')`, the precision treescope uses for means and deviations: two
 * significant digits, scientific notation below 1e-4 or from 100 up, and fixed notation
 * that always keeps a digit after the point.
 * @example formatG2(0.35355) // '0.35'; formatG2(1) // '1.0'; formatG2(123) // '1.2e+02'
 */
export function formatG2(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential(1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 2) {
    const m = mant.replace(/\.?0+$/, '');
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let s = x.toFixed(Math.max(0, 1 - exp));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  else s += '.0';
  return s;
}

/**
 * An integer with `_` between thousands, as treescope prints integer bounds.
 * @example formatInt(-1234567) // '-1_234_567'
 */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return formatFloat32(n);
  const s = String(Math.abs(Math.round(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  return n < 0 ? `-${grouped}` : grouped;
}

/** Quoting and identifiers are the tree printer's (`formatTree`), so both forms read alike. */
export { quote as quoteString, isIdentifier, propertyKey } from '@penjing/layers/literal';

/**
 * Shortens a quoted string literal for one-line forms, keeping its quotes visible.
 * @example abbreviateQuoted("'a very long token string here'", 12) // "'a very long …'"
 */
export function abbreviateQuoted(quoted: string, max: number): string {
  const chars = [...quoted];
  if (chars.length <= max) return quoted;
  return `${chars.slice(0, max - 2).join('')}…'`;
}
