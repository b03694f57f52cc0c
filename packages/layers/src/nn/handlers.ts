import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { Struct, defineBase } from '../tree/struct.js';
import type { ConstructorArgs, FieldSpecs, FieldValues, StructStatics } from '../tree/fields.js';
import { child, staticField } from '../tree/fields.js';
import { frozenRecord } from './checks.js';

/**
 * Supplies fixed side inputs to its body (they are children of the tree, so they print,
 * and selectors and `disposeTree` see them).
 * @example new WithConstantSideInputs({ body, values: { attnMask } }).call(x)
 */
export class WithConstantSideInputs<I = any, O = any> extends Layer.define('WithConstantSideInputs', {
  body: child<Layer>(),
  values: child<Readonly<Record<string, unknown>>>().from(frozenRecord),
})<I, O> {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly body: Layer<I, O>;
  constructor(f: { body: Layer<I, O>; values: Readonly<Record<string, unknown>> }) {
    super(f);
  }
  override handledSideInputs(): readonly string[] {
    return Object.keys(this.values);
  }
  protected override forward(x: I, side: SideInputs): O {
    return this.body.call(x, { ...side, ...this.values });
  }
}

/**
 * A standard way to compute a side input from a layer's input. Subclass it (a struct, so it
 * prints with its settings) or use a plain named function instead.
 * @example
 * class CausalMaskFromTokens extends SideInputComputation.define('CausalMaskFromTokens', { seqAxis: staticField<string>().default('seq') }) {
 *   compute(tokens: NamedArray) {
 *     const n = tokens.namedShape[this.seqAxis];
 *     return nx.arange('seq', n).greaterEqual(nx.arange('kv_seq', n));
 *   }
 * }
 */
export abstract class SideInputComputation extends Struct {
  /**
   * A computation base class with the given fields (see `Struct.define`).
   * @example class Offset extends SideInputComputation.define('Offset', { by: staticField<number>() }) { compute(x: NamedArray) { return x.add(this.by); } }
   */
  static override define<const S extends FieldSpecs>(name: string, specs: S): (abstract new (...args: ConstructorArgs<S>) => SideInputComputation & FieldValues<S>) & StructStatics {
    return defineBase(SideInputComputation, name, specs);
  }
  /** Computes the value from the handler's input and the side inputs computed so far. @example new PositionsFromTokens().compute(tokens) */
  abstract compute(input: unknown, side: SideInputs): unknown;
}

/** A function computing a side input; give it a name, which is what printed trees show. */
export type SideInputFunction = (input: any, side: SideInputs) => unknown;

/**
 * Token positions `{batch…, seq}` (int32) from int tokens `{batch…, seq}`. Without `padId`
 * they are `0, 1, 2, …` along `seq`. With `padId`, pad tokens get −1 (masked everywhere)
 * and other tokens count only non-pad tokens before them (`cumsum(nonPad) − 1`), so left-
 * or right-padded prompts get the same positions as unpadded ones.
 *
 * @example new WithSideInputsFromInput({ body, sideInputs: { tokenPositions: new PositionsFromTokens({ padId: 0 }) } })
 */
export class PositionsFromTokens extends SideInputComputation.define('PositionsFromTokens', {
  seqAxis: staticField<string>().default('seq'),
  padId: staticField<number | null>().default(null),
}) {
  override compute(input: unknown): NamedArray {
    if (!(input instanceof NamedArray) || !input.names.includes(this.seqAxis)) {
      const got = input instanceof NamedArray ? formatNamedShape(input.namedShape) : typeof input;
      throw new LayerError(`PositionsFromTokens: expected tokens with a '${this.seqAxis}' axis; got ${got}.`);
    }
    const n = (input.namedShape as Record<string, number>)[this.seqAxis];
    if (this.padId === null) {
      return nx.arange(this.seqAxis, n).broadcastTo({ namedShape: input.namedShape }).orderLike(input);
    }
    const nonPad = input.notEqual(this.padId).astype('int32');
    return nx.where(nonPad.astype('bool'), nonPad.cumsum(this.seqAxis).sub(1), -1).orderLike(input);
  }
}

/**
 * Computes side inputs from the input before running the body (e.g. token positions from
 * the tokens). Computations run in the order given; each sees the ones before it in `side`.
 *
 * @example
 * new WithSideInputsFromInput({ body, sideInputs: { tokenPositions: new PositionsFromTokens() } }).call(tokens)
 */
export class WithSideInputsFromInput<I = any, O = any> extends Layer.define('WithSideInputsFromInput', {
  body: child<Layer>(),
  sideInputs: child<Readonly<Record<string, SideInputComputation | SideInputFunction>>>().from(frozenRecord),
})<I, O> {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly body: Layer<I, O>;
  constructor(f: { body: Layer<I, O>; sideInputs: Readonly<Record<string, SideInputComputation | SideInputFunction>> }) {
    super(f);
  }
  override handledSideInputs(): readonly string[] {
    return Object.keys(this.sideInputs);
  }
  protected override forward(x: I, side: SideInputs): O {
    const all: Record<string, unknown> = { ...side };
    for (const [name, c] of Object.entries(this.sideInputs)) {
      all[name] = c instanceof SideInputComputation ? c.compute(x, all) : c(x, all);
    }
    return this.body.call(x, all);
  }
}
