/**
 * # Layers and side inputs
 *
 * A layer is an immutable struct with a forward pass: `call(input, sideInputs)`. Its fields
 * are declared once (`Layer.define`); sublayers are `child` fields, settings `staticField`s.
 *
 * Most of what a layer reads arrives as its input. The rest — token positions, attention
 * masks, a KV cache, a collector for captured activations — arrives as a *side input*: a
 * named value that travels down the whole call unchanged, so that a layer deep in the tree
 * can read it without every layer above passing it on by hand. A layer that reads one lists
 * it in `sideInputRequests()`. Someone must supply it: the caller (`call(x, { name })`), or
 * a *handler* layer in the tree (`WithSideInputsFromInput`, `WithConstantSideInputs`) that
 * lists it in `handledSideInputs()`. The outermost `call` checks the whole tree before it
 * computes anything and names the layer path of every request no one answers; errors during
 * the forward pass are prefixed with the path of the layer that raised them.
 *
 * ```ts
 * import * as nx from '@penjing/named-array';
 * import { Layer, Sequential, WithSideInputsFromInput, staticField, unhandledSideInputs, type SideInputs } from '@penjing/layers';
 * await nx.ready();
 *
 * // A layer that reads the side input `tokenPositions`.
 * class AddPositions extends Layer.define('AddPositions', { scale: staticField<number>().default(1) })<nx.NamedArray, nx.NamedArray> {
 *   override sideInputRequests() { return ['tokenPositions']; }
 *   protected override forward(x: nx.NamedArray, side: SideInputs) {
 *     return x.add((side.tokenPositions as nx.NamedArray).astype('float32').mul(this.scale));
 *   }
 * }
 * const model = new Sequential({ sublayers: [new AddPositions({ scale: 10 })] });
 * const x = nx.zeros({ batch: 1, seq: 3 });
 *
 * // Nobody supplies it yet, and the tree says where it is needed, before anything runs.
 * unhandledSideInputs(model); //=> [{ path: '.sublayers[0]', layer: 'AddPositions', name: 'tokenPositions' }]
 *
 * // The caller can pass it...
 * model.call(x, { tokenPositions: nx.arange('seq', 3) }).unwrap('batch', 'seq').arraySync(); //=> [[0, 10, 20]]
 *
 * // ...or a handler computes it from the input, and `call(x)` just works.
 * const positionsOf = (tokens: nx.NamedArray) => nx.arange('seq', tokens.namedShape.seq);
 * const handled = new WithSideInputsFromInput({ body: model, sideInputs: { tokenPositions: positionsOf } });
 * unhandledSideInputs(handled); //=> []
 * handled.call(x).unwrap('batch', 'seq').arraySync(); //=> [[0, 10, 20]]
 *
 * // A failure inside names the layer's path and type.
 * let message = '';
 * try { model.call(x, { tokenPositions: nx.arange('seq', 4) }); } catch (e) { message = (e as Error).message; }
 * message.startsWith('At .sublayers[0] (AddPositions): '); //=> true
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Struct, defineBase } from '../tree/struct.js';
import type { ConstructorArgs, FieldSpecs, FieldValues, StructStatics } from '../tree/fields.js';
import { childrenOf, walk } from '../tree/tree.js';
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
import { assertNotStale } from '../train/stale.js';
import { layerCallObserver } from './trace-hooks.js';

/** Side inputs by name (token positions, attention masks, caches, ...). */
export type SideInputs = Readonly<Record<string, unknown>>;

/**
 * Raised by a layer that received the wrong axes or values; the top-level call adds its path.
 * @example throw new LayerError(`MyLayer expected axis 'seq', got ${nx.formatNamedShape(x.namedShape)}`);
 */
export class LayerError extends Error {
  override name = 'LayerError';
}

/**
 * Raised before any computation when a layer requests a side input nobody supplies; lists
 * each request's layer path, type and name.
 * @example try { model.call(x); } catch (e) { if (e instanceof UnhandledSideInputError) console.log(e.unhandled.map((u) => u.path)); }
 */
export class UnhandledSideInputError extends Error {
  override readonly name = 'UnhandledSideInputError';
  constructor(readonly unhandled: readonly UnhandledRequest[]) {
    super(
      `This tree has side-input requests that no enclosing handler answers:\n` +
        unhandled.map((u) => `  ${u.path || '(root)'} (${u.layer}) needs '${u.name}'`).join('\n') +
        `\nWrap the layers in a handler that supplies them (e.g. WithSideInputsFromInput or WithConstantSideInputs), ` +
        `or pass them to call(input, { ${[...new Set(unhandled.map((u) => u.name))].map((n) => `${n}: ...`).join(', ')} }).`,
    );
  }
}

/** One side-input request with no handler. */
export interface UnhandledRequest {
  /** Key path of the requesting layer, e.g. `.body.blocks[0].attention`. */
  path: string;
  /** The requesting layer's type. */
  layer: string;
  /** The side input's name. */
  name: string;
}

/**
 * Marks the side inputs of calls made inside an outer `call`: the mark travels with the side
 * inputs (combinators pass them on, spreads copy it), so nested calls skip the checks and
 * the tidy, and an unrelated model called from inside a forward pass still gets its own.
 */
const INSIDE = Symbol('penjing.insideCall');
/** The innermost layer each error passed through, for the outermost call's message. */
const errorLayers = new WeakMap<object, Layer>();
const checked = new WeakMap<object, Set<string>>();

/**
 * The base of every layer: an immutable struct with `call(input, sideInputs)`.
 *
 * Layers ignore side inputs they do not use and combinators pass all of them on. A layer that
 * reads a side input lists it in `sideInputRequests()`; a handler layer lists what it supplies
 * to its children in `handledSideInputs()`. The outermost `call` checks that every request is
 * answered (failing with the layer's path before computing anything), runs the forward pass
 * inside `tf.tidy`, and reports errors with the path of the layer that raised them.
 *
 * @example
 * class Scale extends Layer.define('Scale', { by: staticField<number>().default(2) })<NamedArray, NamedArray> {
 *   protected override forward(x: NamedArray) { return x.mul(this.by); }
 * }
 * new Scale().call(nx.ones({ seq: 3 })); // [2, 2, 2]
 */
export abstract class Layer<I = unknown, O = unknown> extends Struct {
  /**
   * A layer base class with the given fields (see \`Struct.define\`); the layer's input and
   * output types follow as type arguments.
   * @example
   * class Scale extends Layer.define('Scale', { by: staticField<number>() })<NamedArray, NamedArray> {
   *   protected override forward(x: NamedArray) { return x.mul(this.by); }
   * }
   */
  static override define<const S extends FieldSpecs>(
    name: string,
    specs: S,
  ): (abstract new <I = unknown, O = unknown>(...args: ConstructorArgs<S>) => Layer<I, O> & FieldValues<S>) & StructStatics {
    return defineBase(Layer, name, specs);
  }

  /** The computation; called by `call`. Sublayers are invoked with `child.call(x, side)`. */
  protected abstract forward(input: I, side: SideInputs): O;

  /** Names of the side inputs this layer itself reads. @example new ApplyRoPE({ embeddingAxis: 'projection', maxWavelength: 1e4 }).sideInputRequests() // ['tokenPositions'] */
  sideInputRequests(): readonly string[] {
    return [];
  }

  /** Names of the side inputs this layer supplies to its sublayers. @example new CollectSideOutputs({ body }).handledSideInputs() // ['sideOutputs'] */
  handledSideInputs(): readonly string[] {
    return [];
  }

  /**
   * Runs the layer. At the outermost call: checks side inputs, tidies intermediate tensors
   * and prefixes errors with the failing layer's path.
   * @example const logits = model.call(tokens, { tokenPositions });
   */
  call(input: I, side: SideInputs = {}): O {
    const observer = layerCallObserver;
    // `forward` is protected: the class hands it to the module's call machinery.
    const forward = (x: I, s: SideInputs): O => this.forward(x, s);
    if (!observer) return callLayer(this, forward, input, side);
    observer.enter(this);
    try {
      return callLayer(this, forward, input, side);
    } finally {
      observer.exit();
    }
  }
}

/** `call` without the trace observer (a compiler observes which layer is running). */
function callLayer<I, O>(layer: Layer<I, O>, forward: (input: I, side: SideInputs) => O, input: I, side: SideInputs): O {
  if ((side as Record<symbol, unknown>)[INSIDE]) {
    try {
      return forward(input, side);
    } catch (e) {
      if (e && typeof e === 'object' && !errorLayers.has(e)) errorLayers.set(e, layer);
      throw e;
    }
  }
  assertNotStale(layer, `${layer.typeName()}.call`);
  assertSideInputsHandled(layer, Object.keys(side));
  const inner: SideInputs = { ...side, [INSIDE]: true };
  try {
    let out!: O;
    tf.tidy(() => {
      out = forward(input, inner);
      return tensorsIn(out);
    });
    return out;
  } catch (e) {
    throw locateError(layer, e);
  }
}

/** Every tensor reachable from a value (through NamedArrays, arrays, records and structs). @example tensorsIn(model).length */
export function tensorsIn(value: unknown): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown) => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof tf.Tensor) out.push(v);
    else if (v instanceof NamedArray) out.push(v.data);
    else if (v instanceof Struct || Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) {
      for (const [, c] of childrenOf(v)) visit(c);
    }
  };
  visit(value);
  return out;
}

/**
 * Lists side-input requests that no enclosing handler answers (names in `provided` count as
 * supplied by the caller).
 * @example unhandledSideInputs(model) // [{ path: '.blocks[0].attention', layer: 'ApplyRoPE', name: 'tokenPositions' }]
 */
export function unhandledSideInputs(tree: unknown, provided: readonly string[] = []): UnhandledRequest[] {
  const out: UnhandledRequest[] = [];
  const visit = (node: unknown, path: KeyPath, handled: ReadonlySet<string>) => {
    let inner = handled;
    if (node instanceof Layer) {
      for (const r of node.sideInputRequests()) {
        if (!handled.has(r)) out.push({ path: keyPathToString(path), layer: node.typeName(), name: r });
      }
      const h = node.handledSideInputs();
      if (h.length) inner = new Set([...handled, ...h]);
    }
    for (const [k, v] of childrenOf(node)) visit(v, [...path, k], inner);
  };
  visit(tree, [], new Set(provided));
  return out;
}

function assertSideInputsHandled(layer: Layer, provided: string[]): void {
  const sig = [...provided].sort().join('\u0000');
  let seen = checked.get(layer);
  if (seen?.has(sig)) return;
  const missing = unhandledSideInputs(layer, provided);
  if (missing.length) throw new UnhandledSideInputError(missing);
  if (!seen) checked.set(layer, (seen = new Set()));
  seen.add(sig);
}

/** The key path of a node inside a tree, by identity (first match). @example keyPathToString(pathOf(model, someLinear)!) // '.sublayers[0]' */
export function pathOf(tree: unknown, target: unknown): KeyPath | undefined {
  let found: KeyPath | undefined;
  walk(tree, (node, path) => {
    if (found) return false;
    if (node === target) {
      found = path;
      return false;
    }
  });
  return found;
}

function locateError(root: Layer, e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  // A disposed parameter surfaces from tfjs as a bare TypeError ("reading 'backend'"); say what happened.
  if (!(e instanceof LayerError) && /disposed|backend|undefined/i.test(e.message)) {
    const dead = tensorsIn(root).find((t) => t.isDisposed);
    if (dead) {
      return new LayerError(
        `${root.typeName()}.call: this model's tensors were disposed (disposeTree ran on it, or on a tree sharing its parameters), ` +
          `so it cannot run. Load or build the model again, and dispose it only when done with it. (${e.message})`,
      );
    }
  }
  // An error raised by the outermost layer itself carries no tag: then the root is the culprit.
  const culprit = errorLayers.get(e) ?? root;
  if (e.message.startsWith('At ')) return e;
  const path = pathOf(root, culprit);
  const where = path ? keyPathToString(path) || '(root)' : '(unknown)';
  e.message = `At ${where} (${culprit.typeName()}): ${e.message}`;
  return e;
}
