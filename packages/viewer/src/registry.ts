/**
 * An open viewer: any type can say how it is drawn, in one of two ways.
 *
 * - A method under `Symbol.for('penjing.view')` on the value (the hook; like treescope's
 *   `__treescope_repr__`). The symbol is global, so a library can implement it without
 *   importing the viewer.
 * - `registerRenderer(match, render)` for types you do not own (a class or a predicate).
 *
 * Either returns a `ViewRepr`: a node with a type name and named children (drawn like a
 * struct, foldable, children drawn as usual), one line of text, or another value to draw in
 * its place. The hook wins over the registry; later registrations win over earlier ones;
 * structs, arrays and records without either draw as before.
 *
 * @example
 * class Temperature {
 *   constructor(readonly celsius: number) {}
 *   [Symbol.for('penjing.view')]() { return { node: 'Temperature', fields: { celsius: this.celsius } }; }
 * }
 * renderText({ outside: new Temperature(21.5) }) // {outside: Temperature({celsius: 21.5})}
 *
 * const off = registerRenderer(Date, (d) => ({ text: d.toISOString() }));
 * off(); // unregisters
 */
import type { KeyPath } from '@penjing/layers';

/** The hook's key: a method returning a `ViewRepr`. */
export const VIEW: unique symbol = Symbol.for('penjing.view');

/** Drawn like a struct: `node({field: …, …})`, with a colour (CSS) when given. */
export interface NodeRepr {
  readonly node: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly color?: string;
}

/** Drawn as one line of text. */
export interface TextRepr {
  readonly text: string;
}

/**
 * Draw `value` instead. At the top of a view, `selected` paths (into `value`) are boxed and
 * `caption` heads the view (how a `Selection` draws itself).
 */
export interface ValueRepr {
  readonly value: unknown;
  readonly selected?: readonly KeyPath[];
  readonly caption?: string;
}

/** How a value asks to be drawn. */
export type ViewRepr = NodeRepr | TextRepr | ValueRepr;

/** A value with the view hook. */
export interface Viewable {
  [VIEW](): ViewRepr;
}

/** What a renderer applies to: instances of a class, or values an arrow-function predicate accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class, whatever its constructor takes
export type RendererMatch<T> = (abstract new (...args: any[]) => T) | ((x: unknown) => x is T);

interface Entry {
  readonly test: (x: unknown) => boolean;
  readonly render: (x: unknown) => ViewRepr;
}

const renderers: Entry[] = [];

/**
 * Registers how values of a type are drawn; returns a function that unregisters it.
 * @example
 * registerRenderer(Map, (m) => ({ node: 'Map', fields: Object.fromEntries(m) }));
 */
export function registerRenderer<T>(match: RendererMatch<T>, render: (x: T) => ViewRepr): () => void {
  if (typeof match !== 'function') throw new TypeError(`registerRenderer: the first argument must be a class or a predicate; got ${typeof match}.`);
  if (typeof render !== 'function') throw new TypeError(`registerRenderer: the second argument must be a function returning a ViewRepr; got ${typeof render}.`);
  // Classes (and built-in constructors such as Date) have a prototype; arrow functions do not.
  const isClass = match.prototype !== undefined;
  const test = isClass ? (x: unknown) => x instanceof match : (x: unknown) => (match as (x: unknown) => boolean)(x);
  const entry: Entry = { test, render: (x) => render(x as T) };
  renderers.unshift(entry);
  return () => {
    const i = renderers.indexOf(entry);
    if (i >= 0) renderers.splice(i, 1);
  };
}

/**
 * How a value asks to be drawn: its hook, else the latest matching renderer, else nothing.
 * A hook or renderer that throws is drawn as an error line naming the type.
 * @example reprOf({ [VIEW]: () => ({ text: '21.5 °C' }) }) // { text: '21.5 °C' }
 */
export function reprOf(x: unknown): ViewRepr | undefined {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return undefined;
  const hook: unknown = Reflect.get(x, VIEW);
  try {
    if (typeof hook === 'function') return checkRepr(hook.call(x));
    const entry = renderers.find((r) => r.test(x));
    return entry ? checkRepr(entry.render(x)) : undefined;
  } catch (e) {
    return { text: `<${typeLabel(x)}: its view failed: ${e instanceof Error ? e.message : String(e)}>` };
  }
}

function checkRepr(r: unknown): ViewRepr {
  if (r && typeof r === 'object') {
    if ('node' in r && typeof r.node === 'string' && 'fields' in r && r.fields && typeof r.fields === 'object') return r as NodeRepr;
    if ('text' in r && typeof r.text === 'string') return r as TextRepr;
    if ('value' in r) return r as ValueRepr;
  }
  throw new TypeError(`expected { node, fields }, { text } or { value }, got ${r === null ? 'null' : typeof r}`);
}

function typeLabel(x: unknown): string {
  // A struct's declared name survives minification; a plain class's own name may not.
  const ctor = (typeof x === 'function' ? x : (x as object).constructor) as { name?: string; structName?: string } | undefined;
  const name = ctor && Object.hasOwn(ctor, 'structName') ? ctor.structName : ctor?.name;
  return name || 'object';
}
