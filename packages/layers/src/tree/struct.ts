import { fieldValuesFromInput, type ConstructorArgs, type FieldInfo, type FieldSpecs, type FieldValues, type StructStatics } from './fields.js';

/**
 * The base of every immutable tree node (Penzai's `pz.Struct`).
 *
 * Declare a struct with `Struct.define(name, fields)` (or `Layer.define` for layers): each
 * field once, as a `child` (a subtree) or a `staticField` (metadata). The name is the class's
 * stable name — printing, parsing, errors and the viewer use it, and it survives
 * minification. Structs are frozen: updates build new ones (`replace`), sharing every
 * unchanged child.
 *
 * @example
 * class Pair extends Struct.define('Pair', { left: child<Parameter>(), right: child<Parameter>(), note: staticField<string>().default('') }) {
 *   swap() { return this.replace({ left: this.right, right: this.left }); }
 * }
 * new Pair({ left: a, right: b }).swap();
 *
 * The older form — `static fields`, `declare readonly` per field and a constructor calling
 * `super(fields)` — still works; its fields all count as children.
 */
export abstract class Struct {
  /** Field names in order (set by `define`; older classes may list them by hand). */
  static readonly fields?: readonly string[];
  /** The class's stable name (set by `define`; older classes may set it by hand). */
  static readonly structName?: string;

  constructor(fields?: object) {
    const ctor = this.constructor as typeof Struct;
    const specs = specsOf(ctor);
    if (specs) {
      // An older-style subclass of a defined class lists its extra fields in `static fields`.
      const given: Record<string, unknown> = { ...fields };
      const extra = (ctor.fields ?? []).filter((k) => !(k in specs));
      const extraValues = Object.fromEntries(extra.filter((k) => k in given).map((k) => [k, given[k]]));
      for (const k of extra) delete given[k];
      Object.assign(this, fieldValuesFromInput(structNameOf(ctor), specs, given), extraValues);
    } else {
      const order = ctor.fields;
      const given = (fields ?? {}) as Record<string, unknown>;
      if (order) for (const k of order) if (k in given) Object.assign(this, { [k]: given[k] });
      Object.assign(this, given);
    }
    Object.freeze(this);
  }

  /**
   * A base class with the given fields, for `class X extends Struct.define('X', {...}) {...}`.
   * The constructor takes the fields object (with defaults and conversions applied), the
   * instance has each field as a readonly property, and `typeName()` is `name`.
   * @example class Box extends Struct.define('Box', { value: child<NamedArray>() }) {}
   */
  static define<const S extends FieldSpecs>(name: string, specs: S): (abstract new (...args: ConstructorArgs<S>) => Struct & FieldValues<S>) & StructStatics {
    return defineBase(Struct, name, specs);
  }

  /** Field names in order. @example new Parameter({ label: 'w', value }).fieldNames() // ['label', 'value', 'trainable'] */
  fieldNames(): string[] {
    return Object.keys(this);
  }

  /**
   * A copy with some fields replaced; the copy shares all other fields.
   * @example layer.replace({ sublayers: [...layer.sublayers, extra] })
   */
  replace(changes: Partial<FieldsOf<this>>): this {
    return withFields(this, changes);
  }

  /** The name shown for this node in printed trees, errors and the viewer. @example layer.typeName() // 'Linear' */
  typeName(): string {
    return structNameOf(this.constructor as typeof Struct);
  }
}

/** Any struct class, abstract or not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStructClass = abstract new (...args: any[]) => Struct;

/** Marks the anonymous base classes `define` returns. */
const DEFINED = new WeakSet<Function>();
/** The field declarations of each defined base class. */
const SPECS = new WeakMap<Function, FieldSpecs>();

/**
 * Creates the base class for a definition on top of `parent` (Struct or Layer).
 * @internal used by `Struct.define` and `Layer.define`
 */
export function defineBase<R>(parent: AnyStructClass, name: string, specs: FieldSpecs): R {
  if (!/^[A-Za-z_$][A-Za-z0-9_$.]*$/.test(name)) throw new TypeError(`Struct.define: '${name}' is not a usable class name (letters, digits, _ and $; dots for namespaces).`);
  abstract class Defined extends parent {}
  // A definition on a defined class extends its fields (the parent's first).
  const all: FieldSpecs = { ...specsOf(parent), ...specs };
  Object.defineProperties(Defined, { structName: { value: name }, fields: { value: Object.freeze(Object.keys(all)) } });
  DEFINED.add(Defined);
  SPECS.set(Defined, all);
  // The one place the declared field types meet the runtime class.
  return Defined as unknown as R;
}

function specsOf(ctor: Function): FieldSpecs | undefined {
  for (let c: Function | null = ctor; c && c !== Struct; c = Object.getPrototypeOf(c)) {
    const s = SPECS.get(c);
    if (s) return s;
  }
  return undefined;
}

/**
 * A copy of a struct with some fields replaced (by name), sharing everything else; the
 * struct itself when nothing changes, so selector writes preserve sharing.
 * @example withFields(linear, { weights: frozen })
 */
export function withFields<T extends Struct>(node: T, changes: Readonly<Record<string, unknown>>): T {
  if (Object.entries(changes).every(([k, v]) => Object.hasOwn(node, k) && Object.is(fieldValue(node, k), v))) return node;
  const copy: T = Object.create(Object.getPrototypeOf(node));
  return Object.freeze(Object.assign(copy, node, changes));
}

/** A struct's field by name (`undefined` when it has none). @example fieldValue(linear, 'weights') */
export function fieldValue(node: Struct, name: string): unknown {
  return Object.getOwnPropertyDescriptor(node, name)?.value;
}

/**
 * A class's stable name: its own `structName`; a class written directly on a definition
 * takes the definition's name; any other subclass its JS name.
 * @example structNameOf(Linear) // 'Linear'
 */
export function structNameOf(ctor: Function): string {
  if (Object.hasOwn(ctor, 'structName')) return (ctor as typeof Struct).structName!;
  const parent = Object.getPrototypeOf(ctor) as Function;
  if (parent && DEFINED.has(parent)) return (parent as typeof Struct).structName!;
  return ctor.name;
}

/**
 * The declared fields of a struct with their kinds; fields of older classes (no definition)
 * count as children.
 * @example structFields(new Softmax({ axes: 'kv_seq' })) // [{ name: 'axes', kind: 'static' }]
 */
export function structFields(x: Struct): FieldInfo[] {
  const specs = specsOf(x.constructor);
  return x.fieldNames().map((name) => ({ name, kind: specs?.[name]?.kind ?? 'child' }));
}

/**
 * The declared field specs of a struct class, if it was made with `define`.
 * @example fieldSpecsOf(Linear)?.weights.kind // 'child'
 */
export function fieldSpecsOf(ctor: Function): FieldSpecs | undefined {
  return specsOf(ctor);
}

/** The data fields of a struct type (methods excluded). */
export type FieldsOf<T> = {
  [K in keyof T as K extends keyof Struct ? never : T[K] extends (...args: never[]) => unknown ? (K extends 'fn' | `${string}Fn` ? K : never) : K]: T[K];
};

/** True for Struct instances. @example isStruct(new Identity()) // true */
export function isStruct(x: unknown): x is Struct {
  return x instanceof Struct;
}
