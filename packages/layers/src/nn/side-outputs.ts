import type { NamedArray } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { child, staticField } from '../tree/fields.js';

/** The side-input name under which `CollectSideOutputs` passes its collector down. @example unhandledSideInputs(m).filter((u) => u.name === SIDE_OUTPUTS) */
export const SIDE_OUTPUTS = 'sideOutputs';

/** Values emitted by `Tell` layers, by tag, in emission order. */
export type SideOutputs = Record<string, NamedArray[]>;

/**
 * Receives emitted values during one call of `CollectSideOutputs`. A fresh collector is made
 * per call, so the model tree itself never changes.
 * @example layer.call(x, { sideOutputs: new SideOutputCollector(null) }) // collect by hand
 */
export class SideOutputCollector {
  readonly #values: SideOutputs = {};
  constructor(
    /** Tags this collector keeps; `null` keeps every tag. */
    readonly tags: readonly string[] | null,
    /** An enclosing collector that receives the tags this one does not keep. */
    readonly outer?: SideOutputCollector,
  ) {}
  /** Records a value under a tag (or hands it to the enclosing collector). @example collector.emit('attn', probs) */
  emit(tag: string, value: NamedArray): void {
    if (this.tags === null || this.tags.includes(tag)) (this.#values[tag] ??= []).push(value);
    else this.outer?.emit(tag, value);
  }
  /** What was collected so far, by tag. @example collector.collected().attn.length */
  collected(): SideOutputs {
    return Object.fromEntries(Object.entries(this.#values).map(([k, v]) => [k, [...v]]));
  }
}

/**
 * Emits its input as a side output under `tag` and passes it through unchanged (Penzai's
 * `SaveIntermediate`, and `tell` in Penzai v1). Needs an enclosing `CollectSideOutputs`.
 *
 * @example
 * select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attention' }))
 */
export class Tell extends Layer.define('Tell', { tag: staticField<string>() })<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [SIDE_OUTPUTS];
  }
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const c = side[SIDE_OUTPUTS];
    if (!(c instanceof SideOutputCollector)) {
      throw new LayerError(`Tell('${this.tag}'): side input '${SIDE_OUTPUTS}' must be the collector that CollectSideOutputs supplies; wrap the model in CollectSideOutputs.`);
    }
    c.emit(this.tag, x);
    return x;
  }
}

/** Penzai's name for `Tell`. @example new SaveIntermediate({ tag: 'mlp_in' }) */
export const SaveIntermediate = Tell;
export type SaveIntermediate = Tell;

/** What `CollectSideOutputs.call` returns. */
export interface WithSideOutputs<O> {
  output: O;
  sideOutputs: SideOutputs;
}

/**
 * Runs its body with a fresh collector and returns `{output, sideOutputs}`: every value the
 * `Tell` layers inside emitted, by tag, in emission order. With `tags`, only those tags are
 * kept here; others go to an enclosing collector (or are dropped if there is none). The
 * captured arrays are part of the return value, so the outermost call's tidy keeps them.
 *
 * @example
 * const { output, sideOutputs } = new CollectSideOutputs({ body: model }).call(tokens);
 * nx.stack(sideOutputs.attention, 'blocks');
 */
export class CollectSideOutputs<I = any, O = any> extends Layer.define('CollectSideOutputs', {
  body: child<Layer>(),
  tags: staticField<readonly string[] | null>().default(null).from((t: readonly string[] | null) => (t ? Object.freeze([...t]) : null)),
})<I, WithSideOutputs<O>> {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly body: Layer<I, O>;
  constructor(f: { body: Layer<I, O>; tags?: readonly string[] | null }) {
    super(f);
  }
  override handledSideInputs(): readonly string[] {
    return [SIDE_OUTPUTS];
  }
  protected override forward(x: I, side: SideInputs): WithSideOutputs<O> {
    const outer = side[SIDE_OUTPUTS];
    const collector = new SideOutputCollector(this.tags, outer instanceof SideOutputCollector ? outer : undefined);
    const output = this.body.call(x, { ...side, [SIDE_OUTPUTS]: collector });
    return { output, sideOutputs: collector.collected() };
  }
}
