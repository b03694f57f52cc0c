/**
 * Field declarations for structs: each field is declared once, as a child or a static field
 * (Penzai's dataclass fields, with `pytree_node=False` for static ones), and the
 * constructor's type, the field order, printing, parsing, selectors and the viewer all read
 * that one declaration.
 *
 * - `child<T>()`: a subtree — a layer, a Parameter, a NamedArray, or a list or record of
 *   them. Selectors search children, `disposeTree` frees their tensors, the viewer folds them.
 * - `staticField<T>()`: metadata — axis names, sizes, flags, functions. Part of the node's
 *   identity (printed, compared, rebuilt by `parseTree`) but never searched by selectors.
 *
 * Both take `.default(value)` (the constructor argument becomes optional) and
 * `.from(convert)` (the constructor accepts `convert`'s input type and stores its result;
 * throw from `convert` to reject bad input).
 *
 * @example
 * class Scale extends Layer.define('Scale', {
 *   by: staticField<number>().default(1),
 *   axes: staticField<readonly string[]>().from((a: string | readonly string[]) => (typeof a === 'string' ? [a] : [...a])),
 * })<NamedArray, NamedArray> {
 *   protected override forward(x: NamedArray) { return x.mul(this.by); }
 * }
 * new Scale({ axes: 'embedding' }); // { by: 1, axes: ['embedding'] }
 */

/** Whether a field holds a subtree (`'child'`) or metadata (`'static'`). */
export type FieldKind = 'child' | 'static';

/**
 * One declared field: its kind, optional default and input conversion. `T` is the stored
 * type, `In` what the constructor accepts, `Opt` whether the constructor may omit it.
 */
export class FieldDef<T, In = T, K extends FieldKind = FieldKind, Opt extends boolean = false> {
  /** Phantom members carrying the types (never set at run time). */
  declare readonly __type: T;
  declare readonly __input: In;
  declare readonly __optional: Opt;
  private constructor(
    readonly kind: K,
    readonly hasDefault: boolean,
    readonly defaultValue: unknown,
    readonly convert: ((v: never, typeName: string) => unknown) | undefined,
  ) {
    Object.freeze(this);
  }

  /** @internal */
  static make<T, K extends FieldKind>(kind: K): FieldDef<T, T, K, false> {
    return new FieldDef<T, T, K, false>(kind, false, undefined, undefined);
  }

  /**
   * The value used when the constructor omits the field (or passes `undefined`); it is
   * converted like a given value.
   * @example staticField<boolean>().default(true)
   */
  default(value: In): FieldDef<T, In, K, true> {
    return new FieldDef<T, In, K, true>(this.kind, true, value, this.convert);
  }

  /**
   * Accepts `In2` in the constructor and stores `convert(input, typeName)` (also the place to
   * validate: throw a RangeError that names the type, says what is wrong and the fix).
   * @example staticField<readonly string[]>().from(nameList) // accepts 'seq' or ['seq']
   */
  from<In2>(convert: (input: In2, typeName: string) => T): FieldDef<T, In2, K, Opt> {
    return new FieldDef<T, In2, K, Opt>(this.kind, this.hasDefault, this.defaultValue, convert);
  }
}

/**
 * Declares a child field: a subtree that selectors search and the viewer folds.
 * @example sublayers: child<readonly Layer<NamedArray, NamedArray>[]>()
 */
export function child<T>(): FieldDef<T, T, 'child', false> {
  return FieldDef.make<T, 'child'>('child');
}

/**
 * Declares a static (metadata) field: axis names, sizes, flags or functions.
 * @example softCap: staticField<number>()
 */
export function staticField<T>(): FieldDef<T, T, 'static', false> {
  return FieldDef.make<T, 'static'>('static');
}

/** A struct definition: field name → declaration, in field order. */
// `any` here only bounds the generic: each field keeps its own precise types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FieldSpecs = Readonly<Record<string, FieldDef<any, any, FieldKind, boolean>>>;

/** The static members every defined class has. */
export interface StructStatics {
  /** Field names in declaration order. */
  readonly fields?: readonly string[];
  /** The stable class name. */
  readonly structName?: string;
}

/** The stored (instance) type of a definition's fields. */
export type FieldValues<S extends FieldSpecs> = { readonly [K in keyof S]: S[K]['__type'] };

type OptionalKeys<S extends FieldSpecs> = { [K in keyof S]: S[K]['__optional'] extends true ? K : never }[keyof S];

/** What the constructor accepts: each field's input type; defaulted fields optional. */
export type FieldInputs<S extends FieldSpecs> = Simplify<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: S[K]['__input'] } & { [K in OptionalKeys<S>]?: S[K]['__input'] }
>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The constructor's argument list: the fields object, omissible when every field is. */
export type ConstructorArgs<S extends FieldSpecs> = {} extends FieldInputs<S> ? [fields?: FieldInputs<S>] : [fields: FieldInputs<S>];

/** One field of a struct as declared: its name and kind. */
export interface FieldInfo {
  readonly name: string;
  readonly kind: FieldKind;
}

/**
 * Builds the field values for a constructor call: defaults, conversions, and a clear error
 * for names the definition lacks.
 */
export function fieldValuesFromInput(typeName: string, specs: FieldSpecs, input: object | undefined): Record<string, unknown> {
  const given = (input ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !(k in specs));
  if (unknown.length) {
    throw new TypeError(`${typeName}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; its fields are ${Object.keys(specs).join(', ') || '(none)'}.`);
  }
  const missing = Object.keys(specs).filter((k) => !(k in given) && !specs[k]!.hasDefault);
  if (missing.length) {
    throw new TypeError(`${typeName}: missing field${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}; pass ${missing.map((k) => `${k}: ...`).join(', ')} to the constructor.`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let v = given[name];
    if (v === undefined && spec.hasDefault) v = spec.defaultValue;
    if (spec.convert && (v !== undefined || !spec.hasDefault)) v = (spec.convert as (x: unknown, typeName: string) => unknown)(v, typeName);
    out[name] = v;
  }
  return out;
}
