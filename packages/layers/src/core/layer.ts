import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Struct } from '../tree/struct.js';
import { childrenOf, walk } from '../tree/tree.js';
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
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
 * @example catch (e) { if (e instanceof UnhandledSideInputError) e.unhandled.map((u) => u.path) }
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

let depth = 0;
const ERROR_LAYER = Symbol('penjing.errorLayer');
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
 * class Double extends Layer<NamedArray, NamedArray> {
 *   constructor() { super({}); }
 *   protected forward(x: NamedArray) { return x.mul(2); }
 * }
 * new Double().call(nx.ones({ seq: 3 }));
 */
export abstract class Layer<I = any, O = any> extends Struct {
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
    if (!observer) return callLayer(this, input, side);
    observer.enter(this);
    try {
      return callLayer(this, input, side);
    } finally {
      observer.exit();
    }
  }
}

function callLayer<I, O>(layer: Layer<I, O>, input: I, side: SideInputs): O {
  const forward = (layer as unknown as { forward(input: I, side: SideInputs): O }).forward.bind(layer);
  if (depth > 0) {
    try {
      return forward(input, side);
    } catch (e) {
      if (e && typeof e === 'object' && !(ERROR_LAYER in e)) (e as Record<symbol, unknown>)[ERROR_LAYER] = layer;
      throw e;
    }
  }
  assertSideInputsHandled(layer, Object.keys(side));
  depth++;
  try {
    let out!: O;
    tf.tidy(() => {
      out = forward(input, side);
      return tensorsIn(out);
    });
    return out;
  } catch (e) {
    throw locateError(layer, e);
  } finally {
    depth--;
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
  // An error raised by the outermost layer itself carries no tag: then the root is the culprit.
  const tagged = (e as unknown as Record<symbol, unknown>)[ERROR_LAYER];
  const culprit = tagged instanceof Layer ? tagged : root;
  if (e.message.startsWith('At ')) return e;
  const path = pathOf(root, culprit);
  const where = path ? keyPathToString(path) || '(root)' : '(unknown)';
  e.message = `At ${where} (${culprit.typeName()}): ${e.message}`;
  return e;
}
