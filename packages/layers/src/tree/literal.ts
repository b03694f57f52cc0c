/**
 * How leaf values are written in Penjing's printed trees — `formatTree`'s text and the
 * viewer's HTML and text forms share these functions, so a string, a number or a key reads
 * the same everywhere (and `parseTree` reads it back). Free of tfjs, so the viewer's browser
 * bundle imports it as `@penjing/layers/literal`.
 *
 * @example
 * quote("it's")               // "'it\\'s'"
 * propertyKey('kv_seq')       // 'kv_seq'
 * propertyKey('0')            // "'0'"
 * leafLiteral(-0)             // { kind: 'number', text: '-0' }
 */

/**
 * A single-quoted JS string literal (quotes, backslashes, control and line-separator
 * characters escaped).
 * @example quote("it's") // "'it\\'s'"
 */
export function quote(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Control characters (C0, DEL, C1), line separators and bidirectional overrides are shown as
    // escapes: raw, they would ring the bell, drive the terminal or reorder the text around them.
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}'`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `name` can follow a dot in JS. @example isIdentifier('kv_seq') // true */
export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/** A record or struct key as written: bare when it is an identifier, quoted otherwise. @example propertyKey('a b') // "'a b'" */
export function propertyKey(k: string): string {
  return isIdentifier(k) ? k : quote(k);
}

/** How a leaf is drawn: its text and its kind (the viewer colours by kind). */
export interface LeafLiteral {
  readonly kind: 'string' | 'number' | 'keyword' | 'other';
  readonly text: string;
}

/**
 * The literal of a leaf value: strings quoted, `-0` kept, bigints with `n`, functions by
 * name, other objects as `<ClassName>`.
 * @example leafLiteral(Math.exp) // { kind: 'other', text: 'exp' }
 */
export function leafLiteral(x: unknown): LeafLiteral {
  switch (typeof x) {
    case 'string':
      return { kind: 'string', text: quote(x) };
    case 'number':
      return { kind: 'number', text: Object.is(x, -0) ? '-0' : String(x) };
    case 'bigint':
      return { kind: 'number', text: `${x}n` };
    case 'boolean':
    case 'undefined':
      return { kind: 'keyword', text: String(x) };
    case 'function':
      return { kind: 'other', text: x.name && isIdentifier(x.name) ? x.name : '<anonymous function>' };
    case 'symbol':
      return { kind: 'other', text: `<${String(x)}>` };
    default: {
      if (x === null) return { kind: 'keyword', text: 'null' };
      const name = (x as object).constructor?.name;
      return { kind: 'other', text: `<${name && isIdentifier(name) ? name : 'object'}>` };
    }
  }
}
