import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Layer, type SideInputs } from '../core/layer.js';
import { Struct } from '../tree/struct.js';
import { child } from '../tree/fields.js';
import { childrenOf, isContainer, withChildren } from '../tree/tree.js';
import { keyPathToString } from '../tree/keypath.js';
import type { Selection } from './selection.js';

/** What `callAndExtractSubmodel` returns; the caller owns (and disposes) the saved arrays. */
export interface IsolatedSubmodel<S> {
  /** The selected layer, as it is in the tree. */
  readonly submodel: S;
  /** The input the layer received. */
  readonly savedArg: unknown;
  /** The side inputs the layer received (handlers' values included). */
  readonly savedSideInputs: SideInputs;
  /** What the layer returned. */
  readonly savedOutput: unknown;
}

/**
 * Runs the whole tree on `input` and captures what the one selected layer received and
 * returned (Penzai's `isolate_submodel.call_and_extract_submodel`), so the layer can be
 * studied alone: `submodel.call(savedArg, savedSideInputs)` reproduces `savedOutput`.
 * Saved tensors are copies (sharing data) that outlive the call.
 * @example
 * const { submodel, savedArg, savedSideInputs } = callAndExtractSubmodel(select(model).atInstancesOf(Attention).pickNth(0), tokens);
 */
export function callAndExtractSubmodel<S, I>(selection: Selection<S, Layer<I, unknown>>, input: I, side: SideInputs = {}): IsolatedSubmodel<S> {
  if (selection.count() !== 1) {
    throw new Error(`callAndExtractSubmodel needs exactly one selected layer; ${selection.count()} are selected. Narrow it with pickNth(i) or where(...).`);
  }
  const submodel = selection.get();
  if (!(submodel instanceof Layer)) {
    throw new Error(`callAndExtractSubmodel: the selected node at ${keyPathToString(selection.paths[0]!) || '(root)'} is a ${typeNameOf(submodel)}, not a Layer.`);
  }
  if (!(selection.root instanceof Layer)) throw new Error('callAndExtractSubmodel: the selection must be made in a Layer tree (its root is called).');
  const box: { arg?: unknown; side?: SideInputs; out?: unknown; calls: number } = { calls: 0 };
  const probed = selection.apply(() => new Capture({ body: submodel, box })) as Layer<I, unknown>; // the one selected node is `submodel`
  const out = probed.call(input, side);
  for (const t of new Set(tensorsOf(out))) if (!tensorsOf([input, side, box.arg, box.side, box.out]).includes(t)) t.dispose();
  if (box.calls !== 1) {
    disposeSaved(box);
    throw new Error(`callAndExtractSubmodel: the selected layer ran ${box.calls} times in one call; it must run exactly once.`);
  }
  return { submodel, savedArg: box.arg, savedSideInputs: box.side!, savedOutput: box.out };
}

/** A transparent wrapper that records its body's input, side inputs and output (internal). */
class Capture extends Layer.define('Capture', {
  body: child<Layer>(),
  box: child<{ arg?: unknown; side?: SideInputs; out?: unknown; calls: number }>(),
}) {
  protected override forward(x: unknown, side: SideInputs): unknown {
    const out = this.body.call(x, side);
    this.box.calls++;
    if (this.box.calls === 1) {
      this.box.arg = saved(x);
      // Only the named side inputs: the call machinery's own symbol-keyed marker is not an input.
      this.box.side = saved(Object.fromEntries(Object.entries(side))) as SideInputs;
      this.box.out = saved(out);
    }
    return out;
  }
}

/** A copy of a value whose tensors are kept clones (they survive the call's tidy). */
function saved(v: unknown): unknown {
  if (v instanceof NamedArray) return new NamedArray(tf.keep(tf.clone(v.data)), v.axes);
  if (v instanceof tf.Tensor) return tf.keep(tf.clone(v));
  if (isContainer(v) && (Array.isArray(v) || !(v instanceof Struct))) return withChildren(v, childrenOf(v).map(([, c]) => saved(c)));
  return v;
}

function tensorsOf(v: unknown): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const go = (x: unknown) => {
    if (x instanceof NamedArray) out.push(x.data);
    else if (x instanceof tf.Tensor) out.push(x);
    else if (isContainer(x) && !(x instanceof Struct)) for (const [, c] of childrenOf(x)) go(c);
  };
  go(v);
  return out;
}

function disposeSaved(box: Capture['box']): void {
  for (const t of tensorsOf([box.arg, box.side, box.out])) t.dispose();
}

const typeNameOf = (v: unknown) => (v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v);
