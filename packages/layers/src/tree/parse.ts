import * as tf from '@tensorflow/tfjs';
import { NamedArray, fromArray, wrap } from '@penjing/named-array';
import { Struct, fieldSpecsOf, structNameOf } from './struct.js';
import type { FieldSpecs } from './fields.js';
import { field, index, key, keyPathToString, parseKeyPath, type KeyPath } from './keypath.js';

/** A struct class, abstract or not. */
type StructClass = abstract new (...args: never[]) => Struct;

/** What `parseTree` may construct. */
export interface ParseOptions {
  /**
   * Struct classes: an array (keyed by their stable names, as `typeName()` prints them) or a
   * record keyed by the name they print with, needed when a class overrides `typeName()`.
   */
  classes: Readonly<Record<string, StructClass>> | readonly StructClass[];
  /** Values for bare names in the text, e.g. functions held by `Elementwise` layers. */
  values?: Readonly<Record<string, unknown>>;
  /** The table filled by `formatTree(tree, {roundTrip: true, arrays})`. */
  arrays?: readonly unknown[];
}

/**
 * Raised for text `parseTree` cannot read, with the line and the text near it.
 * @example expect(() => parseTree('Unknown({})', { classes: [] })).toThrow(TreeParseError)
 */
export class TreeParseError extends Error {
  override readonly name = 'TreeParseError';
}

type Tok = { t: 'id' | 'num' | 'str' | 'p'; v: string; at: number };
const TOKEN = /(?:\s|\/\/[^\n]*)*(?:([A-Za-z_$][A-Za-z0-9_$]*)|(-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity))|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([()[\]{},:.<>]))/y;

/**
 * Rebuilds a tree from the text `formatTree` prints (with `roundTrip` for arrays). Structs are
 * rebuilt field by field from the named classes — without running their constructors, so the
 * result has exactly the printed fields — except `Parameter`, whose constructor supplies the
 * default `trainable: true` the printer leaves out. `shared('.path')` yields the object
 * already built at that path, so ties survive the round trip.
 *
 * @example
 * const text = formatTree(model, { roundTrip: true });
 * const again = parseTree(text, { classes: [Sequential, Linear, Parameter] });
 */
export function parseTree(text: string, opts: ParseOptions): unknown {
  const list: readonly StructClass[] | undefined = Array.isArray(opts.classes) ? opts.classes : undefined;
  const classes = new Map<string, StructClass>(list ? list.map((c) => [structNameOf(c), c]) : Object.entries(opts.classes));
  const toks = tokenize(text);
  let i = 0;
  const built = new Map<string, unknown>();
  const fail = (msg: string, at = toks[i]?.at ?? text.length): never => {
    const line = text.slice(0, at).split('\n').length;
    throw new TreeParseError(`parseTree: ${msg} at line ${line}, near '${text.slice(at, at + 30).split('\n')[0]}'.`);
  };
  const peek = (v?: string) => toks[i] && (v === undefined || (toks[i].t === 'p' && toks[i].v === v));
  const expect = (v: string) => (peek(v) ? toks[i++] : fail(`expected '${v}'`));
  const commaList = <T>(close: string, item: (n: number) => T): T[] => {
    const out: T[] = [];
    while (!peek(close)) {
      out.push(item(out.length));
      if (!peek(close)) expect(',');
    }
    expect(close);
    return out;
  };

  const value = (path: KeyPath): unknown => {
    const tok = toks[i] ?? fail('unexpected end of text');
    if (tok.t === 'num') return (i++, Number(tok.v));
    if (tok.t === 'str') return (i++, unquote(tok.v));
    if (tok.t === 'p' && tok.v === '[') return (i++, commaList(']', (n) => value([...path, index(n)])));
    if (tok.t === 'p' && tok.v === '{') return (i++, record(path, (k) => key(k)));
    if (tok.t === 'p' && tok.v === '<') return fail('this node was printed as a summary (<...>); print with formatTree(tree, {roundTrip: true})');
    if (tok.t !== 'id') return fail(`unexpected '${tok.v}'`);
    return named(path);
  };

  const record = (path: KeyPath, entry: (k: string) => ReturnType<typeof key>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    commaList('}', () => {
      const k = toks[i++] ?? fail('unexpected end of text');
      if (k.t !== 'id' && k.t !== 'str') fail(`expected a field name, got '${k.v}'`, k.at);
      const name = k.t === 'str' ? unquote(k.v) : k.v;
      expect(':');
      // Defined, not assigned: a key named '__proto__' is data here, not the object's prototype.
      Object.defineProperty(out, name, { value: value([...path, entry(name)]), enumerable: true, writable: true, configurable: true });
    });
    return out;
  };

  const named = (path: KeyPath): unknown => {
    const start = toks[i].at;
    let name = toks[i++].v;
    while (peek('.') && toks[i + 1]?.t === 'id' && !isMethod(toks[i + 1].v)) name += '.' + toks[(i += 2) - 1].v;
    let out: unknown;
    if (peek('(')) {
      i++;
      if (name === 'shared') {
        const p = value(path);
        expect(')');
        const hit = built.get(keyPathToString(parseKeyPath(String(p))));
        out = hit ?? fail(`shared(${JSON.stringify(p)}) refers to no node printed before it`, start);
      } else if (classes.has(name)) {
        expect('{');
        const fields = record(path, (k) => field(k));
        expect(')');
        out = revive(classes.get(name)!, fields, (msg) => fail(msg, start));
      } else if (name === 'nx.fromArray' || name === 'tf.tensor' || name === 'nx.wrap') {
        // Arguments are not tree nodes: keep them out of the table `shared(...)` reads.
        const args = commaList(')', () => value([...path, key('\u0000')]));
        out = array(name, args, start);
      } else {
        return fail(`unknown class '${name}'; pass it in {classes}`, start);
      }
    } else if (name === 'arrays' && peek('[')) {
      i++;
      const n = value(path);
      expect(']');
      if (!opts.arrays || typeof n !== 'number' || !(n in opts.arrays)) return fail(`arrays[${n}] is not in the {arrays} table`, start);
      out = opts.arrays[n];
    } else {
      out = bare(name, start);
    }
    while (peek('.') && toks[i + 1] && isMethod(toks[i + 1].v)) {
      const method = toks[i + 1].v;
      i += 2;
      expect('(');
      const args = commaList(')', () => value(path)) as string[];
      if (!(out instanceof NamedArray)) return fail(`.${method}() applies to arrays only`);
      const names = args.map(String);
      out = method === 'tag' ? out.tag(...names) : out.tagPrefix(...names);
    }
    if (out instanceof Struct || out instanceof NamedArray || out instanceof tf.Tensor) {
      const k = keyPathToString(path);
      if (!built.has(k)) built.set(k, out);
    }
    return out;
  };

  const bare = (name: string, at: number): unknown => {
    switch (name) {
      case 'true': return true;
      case 'false': return false;
      case 'null': return null;
      case 'undefined': return undefined;
      case 'NaN': return NaN;
      case 'Infinity': return Infinity;
    }
    if (opts.values && name in opts.values) return opts.values[name];
    if (name === 'NotInThisPartition') return fail('NotInThisPartition placeholders cannot be parsed; combine() the parts first', at);
    return fail(`unknown name '${name}'; pass it in {values}`, at);
  };

  const array = (fn: string, args: unknown[], at: number): unknown => {
    try {
      if (fn === 'nx.fromArray') return fromArray(args[0] as tf.TensorLike, args[1] as string[], args[2] as tf.DataType);
      if (fn === 'tf.tensor') return tf.tensor(args[0] as tf.TensorLike, args[1] as number[], args[2] as tf.DataType);
      return wrap(args[0] as tf.Tensor);
    } catch (e) {
      return fail(`${fn}(...) failed: ${(e as Error).message}`, at);
    }
  };

  const out = value([]);
  if (i < toks.length) fail('unexpected text after the tree');
  return out;
}

function isMethod(name: string): boolean {
  return name === 'tagPrefix' || name === 'tag';
}

/**
 * Builds a struct from printed fields without running its constructor (so it has exactly the
 * printed values); a defined class's declaration supplies the defaults the printer leaves out
 * (`trainable: true`) and rejects fields it does not declare.
 */
function revive(cls: StructClass, fields: Record<string, unknown>, fail: (msg: string) => never): Struct {
  const specs = fieldSpecsOf(cls);
  const obj: Struct = Object.create(cls.prototype as object);
  const values: Record<string, unknown> = {};
  if (specs) {
    const unknown = Object.keys(fields).filter((k) => !(k in specs));
    if (unknown.length) fail(`${structNameOf(cls)} has no field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; its fields are ${Object.keys(specs).join(', ')}`);
    for (const [k, spec] of Object.entries(specs)) values[k] = Object.hasOwn(fields, k) ? fields[k] : spec.hasDefault ? defaultOf(spec) : undefined;
  } else {
    for (const k of Object.keys(fields)) Object.defineProperty(values, k, { value: fields[k], enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(Object.defineProperties(obj, Object.getOwnPropertyDescriptors(values)));
}

function defaultOf(spec: FieldSpecs[string]): unknown {
  return spec.convert ? (spec.convert as (v: unknown, who: string) => unknown)(spec.defaultValue, '') : spec.defaultValue;
}

function unquote(s: string): string {
  if (s.startsWith('"')) return JSON.parse(s) as string;
  return JSON.parse(`"${s.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  // Whitespace and `//` line comments (printed trees start with a hint comment).
  const space = /(?:\s|\/\/[^\n]*)*/y;
  let pos = 0;
  for (;;) {
    space.lastIndex = pos;
    space.exec(text);
    if (space.lastIndex >= text.length) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    const at = space.lastIndex;
    if (!m) throw new TreeParseError(`parseTree: cannot read '${text.slice(at, at + 20)}' at character ${at}.`);
    if (m[1] !== undefined) out.push({ t: 'id', v: m[1], at });
    else if (m[2] !== undefined) out.push({ t: 'num', v: m[2], at });
    else if (m[3] !== undefined) out.push({ t: 'str', v: m[3], at });
    else out.push({ t: 'p', v: m[4], at });
    pos = TOKEN.lastIndex;
  }
  return out;
}
