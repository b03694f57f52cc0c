import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { getAtPath, walk } from '../tree/tree.js';
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
import { Parameter } from '../params/parameter.js';
import type { Selection } from '../select/selection.js';

/** True when a selection holds no Parameter but does reach NamedArray leaves (gradients by path). */
export function selectsLeavesOnly(sel: Selection<unknown, unknown>): boolean {
  let params = false;
  let arrays = false;
  for (const p of sel.paths) {
    walk(getAtPath(sel.root, p), (node) => {
      if (node instanceof Parameter) params = true;
      else if (node instanceof NamedArray) arrays = true;
    });
  }
  return arrays && !params;
}

/** The NamedArray leaves inside the selected subtrees of `tree`, keyed by key-path text. */
export function selectedLeaves(tree: unknown, sel: Selection<unknown, unknown>): { key: string; array: NamedArray }[] {
  const out: { key: string; array: NamedArray }[] = [];
  for (const p of sel.paths) {
    let node: unknown;
    try {
      node = getAtPath(tree, p);
    } catch {
      throw new Error(`valueAndGrad: the selected path ${keyPathToString(p) || '(root)'} does not exist in the tree being differentiated; make the selection on that tree.`);
    }
    walk(node, (leaf, rel: KeyPath) => {
      if (leaf instanceof NamedArray) {
        if (leaf.dtype !== 'float32') throw new Error(`valueAndGrad: the selected array at ${keyPathToString([...p, ...rel]) || '(root)'} is ${leaf.dtype}; only float32 arrays have gradients.`);
        out.push({ key: keyPathToString([...p, ...rel]), array: leaf });
        return false;
      }
    });
  }
  return out;
}

/**
 * The loss and its gradients with respect to arbitrary NamedArray leaves (keyed by key-path
 * text); a leaf the loss does not use gets zeros.
 */
export function gradAtLeaves(loss: () => tf.Tensor, leaves: readonly { key: string; array: NamedArray }[]): { value: tf.Tensor; grads: Record<string, NamedArray> } {
  const xs = leaves.map((l) => l.array.data);
  const { value, grads } = tf.engine().gradients(loss, xs, undefined, true);
  const out: Record<string, NamedArray> = {};
  leaves.forEach((l, k) => {
    out[l.key] = new NamedArray(grads[k] ?? tf.zerosLike(xs[k]!), l.array.axes);
  });
  return { value, grads: out };
}
