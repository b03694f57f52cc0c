import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { getAtPath } from '../tree/tree.js';
import type { KeyPath } from '../tree/keypath.js';
import { Selection } from '../select/selection.js';
import { Parameter } from '../params/parameter.js';
import { assertNotStale } from './stale.js';
import { gradAtLeaves, selectedLeaves, selectsLeavesOnly } from './grad-leaves.js';
import { parameters, visitParameterNodes, type ParameterInfo } from '../params/collect.js';

/** A loss: a scalar NamedArray (no axes left) or a rank-0 tensor. */
export type LossValue = NamedArray<never> | NamedArray<string> | tf.Tensor;

/**
 * Which parameters to differentiate: a selection (the Parameters inside its selected
 * subtrees), a predicate, or a list of labels. Frozen parameters are always left out.
 * Selections may come from an earlier version of the tree: they resolve to labels. A
 * selection with no Parameter inside differentiates the NamedArray leaves it reaches
 * (constants, ParameterValues, inputs stored in the tree), keyed by key-path text.
 */
export type Wrt = Selection<unknown, unknown> | ((p: Parameter, paths: readonly KeyPath[]) => boolean) | readonly string[];

/** Gradients by parameter label, each laid out like the parameter's value. */
export type Grads = Record<string, NamedArray>;

/** The result of a `valueAndGrad` call; the caller owns (and disposes) `grads`. */
export interface ValueAndGrads {
  /** The loss. */
  readonly value: number;
  readonly grads: Grads;
}

/**
 * The trainable parameters of `tree` that `wrt` picks (all trainable ones by default).
 * @example trainableParameters(model, select(model).atInstancesOf(Linear))
 */
export function trainableParameters(tree: unknown, wrt?: Wrt): ParameterInfo[] {
  const all = parameters(tree).filter((i) => i.parameter.trainable);
  if (wrt === undefined) return all;
  if (typeof wrt === 'function') return all.filter((i) => wrt(i.parameter, i.paths));
  const labels = new Set<string>();
  if (wrt instanceof Selection) {
    for (const p of wrt.paths) {
      visitParameterNodes(getAtPath(wrt.root, p), (node) => {
        if (node instanceof Parameter) labels.add(node.label);
      });
    }
  } else {
    const known = new Set(all.map((i) => i.label));
    const unknown = wrt.filter((l) => !known.has(l));
    if (unknown.length) {
      const shown = [...known].slice(0, 8).map((l) => `'${l}'`).join(', ') + (known.size > 8 ? ', ...' : '');
      throw new Error(
        `wrt names ${unknown.map((l) => `'${l}'`).join(', ')}, which ${unknown.length === 1 ? 'is not a trainable parameter' : 'are not trainable parameters'} of this tree ` +
          `(frozen, or a typo?); the trainable ones are [${shown}].`,
      );
    }
    for (const l of wrt) labels.add(l);
  }
  return all.filter((i) => labels.has(i.label));
}

/**
 * Turns a loss function of a tree into one returning the loss and its gradients with respect
 * to the chosen trainable parameters (by label). A tied Parameter gets one gradient, the sum
 * over its uses; a chosen parameter the loss does not use gets zeros. Runs under
 * `tf.engine().gradients`, so intermediate tensors are freed; the returned gradients belong
 * to the caller (`disposeGrads`).
 *
 * @example
 * const { value, grads } = valueAndGrad((m: Mlp) => mse(m.call(x), y))(model, { wrt: select(model).atInstancesOf(Linear) });
 */
export function valueAndGrad<T>(lossFn: (tree: T) => LossValue): (tree: T, opts?: { wrt?: Wrt }) => ValueAndGrads {
  return (tree, opts = {}) => {
    assertNotStale(tree, 'valueAndGrad');
    // A selection of plain arrays (no Parameter inside): gradients keyed by key path.
    if (opts.wrt instanceof Selection && selectsLeavesOnly(opts.wrt)) {
      const leaves = selectedLeaves(tree, opts.wrt);
      let r: ReturnType<typeof gradAtLeaves>;
      try {
        r = gradAtLeaves(() => scalarLoss(lossFn(tree)), leaves);
      } catch (e) {
        releaseAbandonedTape();
        throw e;
      }
      try {
        return { value: (r.value.dataSync() as Float32Array)[0], grads: r.grads };
      } finally {
        r.value.dispose();
      }
    }
    const chosen = trainableParameters(tree, opts.wrt);
    if (!chosen.length) {
      throw new Error('valueAndGrad: no trainable parameter is selected (check wrt, and that the parameters are not frozen).');
    }
    const xs = chosen.map((i) => i.parameter.value.data);
    // The loss reads the very tensors listed in xs (they are the tree's parameter values), so
    // the tape connects them without rebuilding the tree. allowNoGradients: an unused
    // parameter yields no gradient here and zeros below, rather than an exception.
    let result: { value: tf.Tensor; grads: tf.Tensor[] };
    try {
      result = tf.engine().gradients(() => scalarLoss(lossFn(tree)), xs, undefined, true);
    } catch (e) {
      releaseAbandonedTape();
      throw e;
    }
    const { value, grads } = result;
    try {
      const out: Grads = {};
      chosen.forEach((info, k) => {
        const g = grads[k] ?? tf.zerosLike(xs[k]);
        out[info.label] = new NamedArray(g, info.parameter.value.axes);
      });
      return { value: (value.dataSync() as Float32Array)[0], grads: out };
    } finally {
      value.dispose();
    }
  };
}

/**
 * Disposes the tensors of a gradient record.
 * @example const { grads } = valueAndGrad(loss)(model); use(grads); disposeGrads(grads);
 */
export function disposeGrads(grads: Grads): void {
  for (const g of Object.values(grads)) g.data.dispose();
}

/**
 * When the loss throws, tfjs leaves the tensors it saved for the backward pass on the tape
 * (kept outside every tidy scope) until the next gradient call replaces the tape, so each
 * failed call would leak a forward pass's worth of tensors. Outside any enclosing gradient
 * computation nothing else can use that tape, so its saved tensors are released here.
 */
function releaseAbandonedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = [];
}

function scalarLoss(v: LossValue): tf.Tensor {
  const t = v instanceof NamedArray ? v.data : v;
  if (!(t instanceof tf.Tensor)) throw new TypeError(`The loss function must return a scalar NamedArray or tensor; it returned ${typeof v}.`);
  if (t.rank !== 0) {
    const shape = v instanceof NamedArray ? `named shape ${formatNamedShape(v.namedShape)}${v.positionalShape.length ? ` and positional shape [${v.positionalShape}]` : ''}` : `shape [${t.shape}]`;
    throw new Error(`The loss must be a scalar, but it has ${shape}; reduce it, e.g. loss.mean('batch').`);
  }
  return t.dtype === 'float32' ? t : t.toFloat();
}
