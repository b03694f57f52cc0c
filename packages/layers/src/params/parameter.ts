import type { NamedArray } from '@penjing/named-array';
import { Struct, defineBase } from '../tree/struct.js';
import { child, staticField, type ConstructorArgs, type FieldSpecs, type FieldValues, type StructStatics } from '../tree/fields.js';

/**
 * Raised when a model with unbound parameter slots is read or called.
 * @example expect(() => structureOnly.call(x)).toThrow(UnboundParameterError)
 */
export class UnboundParameterError extends Error {
  override readonly name = 'UnboundParameterError';
}

/**
 * A labelled parameter value. Labels are unique in a model (e.g.
 * `transformer/block_3/attention/query.weights`); the same Parameter object referenced in two
 * places is one tied tensor. `trainable: false` marks it frozen.
 *
 * @example
 * const w = new Parameter({ label: 'mlp/in.weights', value: nx.zeros({ a: 2, b: 3 }) });
 */
export class Parameter<N extends string = string> extends Struct.define('Parameter', {
  label: staticField<string>(),
  value: child<NamedArray>(),
  trainable: staticField<boolean>().default(true),
}) {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly value: NamedArray<N>;
  constructor(f: { label: string; value: NamedArray<N>; trainable?: boolean }) {
    super(f);
  }
}

/** The fields of a slot, which the lazy parameter extends. */
const SLOT_FIELDS = {
  label: staticField<string>(),
  /** The expected named shape, when known; binding checks against it. */
  namedShape: staticField<Readonly<Record<string, number>> | undefined>().default(undefined),
};

/**
 * A placeholder for a parameter with no value yet, built when a model's structure is made
 * without weights (checkpoint loading binds values to slots by label).
 *
 * @example
 * const slot = new ParameterSlot({ label: 'mlp/in.weights', namedShape: { a: 2, b: 3 } });
 */
export class ParameterSlot extends Struct.define('ParameterSlot', SLOT_FIELDS) {
  /**
   * A slot class with more fields (the slot's `label` and `namedShape` first); see `Struct.define`.
   * @example class MySlot extends ParameterSlot.define('MySlot', { origin: staticField<string>() }) {}
   */
  static define<const S extends FieldSpecs>(
    name: string,
    specs: S,
  ): (abstract new (...args: ConstructorArgs<typeof SLOT_FIELDS & S>) => ParameterSlot & FieldValues<S>) & StructStatics {
    return defineBase(ParameterSlot, name, specs);
  }
  /** Reading a slot's value fails with the label and the fix. @example slot.value // throws UnboundParameterError */
  get value(): never {
    throw new UnboundParameterError(`Parameter '${this.label}' has no value: bind one with bindParameters(tree, {...}) or load a checkpoint.`);
  }
  /** A slot has nothing to train. @example slot.trainable // false */
  get trainable(): boolean {
    return false;
  }
}

/** A parameter or a slot for one. */
export type ParameterLike<N extends string = string> = Parameter<N> | ParameterSlot;

/** True for Parameter and ParameterSlot nodes. @example select(model).atSubtreesWhere(isParameterLike).count() */
export function isParameterLike(x: unknown): x is ParameterLike {
  return x instanceof Parameter || x instanceof ParameterSlot;
}

/**
 * Where a lazily held parameter's values come from: a tensor in a file, read only when compiled.
 * Implement it as a class instance (not a plain record), so trees treat it as static metadata.
 */
export interface LazySource {
  /** The stored dtype (e.g. 'bfloat16', 'float16', 'float32', 'int32'); values are decoded on read. */
  readonly storedDtype: string;
  /** The logical shape in the order of `namedShape`'s keys. */
  readonly shape: readonly number[];
  /** Names the origin for messages, e.g. `model-00001-of-00002.safetensors: model.embed_tokens.weight`. */
  readonly describe: string;
  /** Reads and decodes the values (float32 for floating dtypes, int32 otherwise). */
  read(): Promise<Float32Array | Int32Array>;
}

/**
 * A parameter whose values stay on disk (off the wasm heap) until a compiler reads them.
 * Models loaded with lazy weights hold these in place of {@link Parameter}; eager calls fail
 * with a message saying to compile the model with `jit(model)` from `@penjing/jit`.
 *
 * @example
 * const p = new LazyParameter({ label: 'embedder.embeddings', namedShape: { vocabulary: 8, embedding: 4 }, source });
 * await p.source.read(); // Float32Array(32)
 */
export class LazyParameter extends ParameterSlot.define('LazyParameter', {
  /** Where the values are read from when compiled. */
  source: staticField<LazySource>(),
}) {
  constructor(f: { label: string; namedShape: Readonly<Record<string, number>>; source: LazySource }) {
    super(f);
  }
  /** Eager use fails with the fix. @example lazy.value // throws UnboundParameterError */
  override get value(): never {
    throw new UnboundParameterError(
      `Parameter '${this.label}' is held lazily on disk (${this.source.describe}) and cannot run eagerly: ` +
        `compile the model with jit(model) from '@penjing/jit', or load it without the lazy-weights option.`,
    );
  }
}
