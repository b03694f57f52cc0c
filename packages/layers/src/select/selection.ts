/**
 * # Selectors: patching immutable trees
 *
 * A model is an immutable tree, so "changing" it means building a new tree. Selectors make
 * that a one-liner: `select(tree)` starts a selection at the root, `at*` methods narrow it
 * to nodes (by class, predicate, key path or accessor), and a write (`apply`, `set`,
 * `insertAfter`, `removeFromParent`, ...) returns a new tree in which only the paths to the
 * selected nodes are rebuilt — every other subtree and tensor is shared with the old tree,
 * which stays valid. Static (metadata) fields are not searched, only children.
 *
 * ```ts
 * import * as nx from '@penjing/named-array';
 * import { CollectSideOutputs, Elementwise, Linear, Parameter, Sequential, Tell, freeze, keyPathToString, select } from '@penjing/layers';
 * await nx.ready();
 *
 * const mlp = new Sequential({
 *   sublayers: [
 *     Linear.fromConfig({ name: 'in', seed: 0, inputAxes: { embedding: 4 }, outputAxes: { neurons: 8 } }),
 *     new Elementwise({ fn: 'relu' }),
 *     Linear.fromConfig({ name: 'out', seed: 1, inputAxes: { neurons: 8 }, outputAxes: { embedding: 4 } }),
 *   ],
 * });
 *
 * // A selection is a tree and a set of paths into it.
 * const linears = select(mlp).atInstancesOf(Linear);
 * linears.paths.map((p) => keyPathToString(p)); //=> ['.sublayers[0]', '.sublayers[2]']
 *
 * // Writing returns a new tree; unselected subtrees are shared, and the old tree is unchanged.
 * const probed = select(mlp).atInstancesOf(Elementwise).insertAfter(new Tell({ tag: 'hidden' }));
 * probed.sublayers.map((l) => l.typeName()); //=> ['Linear', 'Elementwise', 'Tell', 'Linear']
 * probed.sublayers[0] === mlp.sublayers[0]; //=> true
 * mlp.sublayers.length; //=> 3
 *
 * // The inserted probe reports the hidden activation as a side output.
 * const { sideOutputs } = new CollectSideOutputs({ body: probed }).call(nx.ones({ batch: 2, embedding: 4 }));
 * sideOutputs.hidden[0].namedShape; //=> { batch: 2, neurons: 8 }
 *
 * // Selections feed the other tree operations, e.g. freezing the parameters inside them.
 * const frozen = freeze(select(probed).atInstancesOf(Linear));
 * select(frozen).atInstancesOf(Parameter).getSequence().map((p) => p.trainable); //=> [false, false]
 * ```
 */
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
import { pathKey, toKeyPath } from './paths.js';
import { replaceAt, spliceAt } from './rebuild.js';
import { partitionAt } from './partition.js';
import { SelectionCore, TRUSTED } from './selection-core.js';

import type { ApplyOptions } from './selection-core.js';

export type { AnyClass, ApplyOptions, SearchOptions } from './selection-core.js';

/**
 * A set of non-nested nodes of an immutable tree, kept as the tree (`root`) and the key paths
 * of the selected nodes (`paths`, in tree order). Penzai's `pz.select`: build a selection with
 * `at*` / `where` / `pickNth`, then read it (`get`, `getSequence`) or write through it (`apply`,
 * `set`, `insertAfter`, ...), which returns a new tree that shares every unchanged subtree and
 * tensor with the old one. Selections are immutable values.
 *
 * The building and reading methods are in `SelectionCore` (selection-core.ts); the writes,
 * which rebuild the tree, are here. The viewer draws selections from `root` and `paths`.
 *
 * @example
 * const noBias = select(mlp).atInstancesOf(AddBias).removeFromParent();
 * const probed = select(mlp).atInstancesOf(Elementwise).insertAfter(new Tell({ tag: 'act' }));
 * select(mlp).atInstancesOf(Linear).getKeypaths(); // [[field('sublayers'), index(0)], ...]
 */
export class Selection<T = unknown, R = unknown> extends SelectionCore<T, R> {
  /** Use `select(tree)` and the `at*` methods; arbitrary paths are normalised (tree order, outermost wins). */
  constructor(root: R, paths: readonly KeyPath[], trusted?: typeof TRUSTED) {
    super(root, paths, trusted);
  }

  /**
   * How the viewer draws a selection (its `Symbol.for('penjing.view')` hook): the whole tree
   * with the selected nodes boxed.
   * @example view(select(model).atInstancesOf(Attention))
   */
  [Symbol.for('penjing.view')](): { value: R; selected: readonly KeyPath[] } {
    return { value: this.root, selected: this.paths };
  }

  // ---- writing --------------------------------------------------------------------------

  /**
   * Replaces each selected node by `fn(node, path)`; returns the new tree (or, with
   * `keepSelected`, a selection of the new nodes in it). Everything else is shared.
   * @example select(model).atInstancesOf(Linear).apply((l) => new LoRA({ base: l }))
   */
  apply<U>(fn: (node: T, path: KeyPath) => U, opts: ApplyOptions & { keepSelected: true }): Selection<U, R>;
  apply(fn: (node: T, path: KeyPath) => unknown, opts?: ApplyOptions & { keepSelected?: false }): R;
  apply(fn: (node: T, path: KeyPath) => unknown, opts: ApplyOptions = {}): R | Selection<unknown, R> {
    const tree = replaceAt(this.root, this.paths, (node, _i, path) => fn(node as T, path)) as R;
    return opts.keepSelected ? new Selection(tree, this.paths, TRUSTED) : tree;
  }

  /**
   * Like `apply`, with the node's index in the selection.
   * @example select(seq).atChildren().applyWithSelectedIndex((i, l) => i === 0 ? l : new Identity())
   */
  applyWithSelectedIndex(fn: (i: number, node: T, path: KeyPath) => unknown): R {
    return replaceAt(this.root, this.paths, (node, i, path) => fn(i, node as T, path)) as R;
  }

  /** Replaces every selected node by the same value. @example select(m).atInstancesOf(TanhSoftCap).set(new Identity()) */
  set(value: unknown): R {
    return replaceAt(this.root, this.paths, () => value) as R;
  }

  /**
   * Replaces the selected nodes, in tree order, by the given values (one per node).
   * @example select(m).atInstancesOf(Probe).setSequence([new Probe({tag: 'a'}), new Probe({tag: 'b'})])
   */
  setSequence(values: Iterable<unknown>): R {
    const vs = [...values];
    if (vs.length !== this.paths.length) {
      throw new Error(`setSequence() got ${vs.length} value${vs.length === 1 ? '' : 's'} for ${this.paths.length} selected node${this.paths.length === 1 ? '' : 's'}${this.describePaths()}.`);
    }
    return replaceAt(this.root, this.paths, (_n, i) => vs[i]) as R;
  }

  /**
   * Replaces each selected node by the value for its path: a map or record keyed by path text
   * (`'.sublayers[0]'`), or a function of the path. Every selected path must have a value.
   * @example select(mlp).atKeypaths(['.sublayers[1]']).setByPath({ '.sublayers[1]': new Identity() })
   */
  setByPath(values: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>> | ((path: KeyPath) => unknown)): R {
    if (typeof values === 'function') return replaceAt(this.root, this.paths, (_n, _i, p) => values(p)) as R;
    const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
    const byKey = new Map(entries.map(([k, v]) => [pathKey(toKeyPath(k)), v]));
    const missing = this.paths.filter((p) => !byKey.has(pathKey(p)));
    if (missing.length) {
      throw new Error(`setByPath(): no value for ${missing.map((p) => keyPathToString(p) || '(root)').join(', ')}; give one value per selected path.`);
    }
    return replaceAt(this.root, this.paths, (_n, _i, p) => byKey.get(pathKey(p))) as R;
  }

  /**
   * Inserts `value` before each selected node (whose parent must be an array). The same
   * object is inserted everywhere; for distinct values, use `{andSelect: true}` and then
   * `setSequence`.
   * @example select(m).atInstancesOf(Softmax).insertBefore(new Probe({ tag: 'x' }))
   */
  insertBefore<V>(value: V, opts: { andSelect: true }): Selection<V, R>;
  insertBefore(value: unknown, opts?: { andSelect?: false }): R;
  insertBefore(value: unknown, opts: { andSelect?: boolean } = {}): R | Selection<unknown, R> {
    const { tree, selected } = spliceAt(this.root, this.paths, (node) => ({ items: [value, node], select: [0] }), 'insertBefore()');
    return opts.andSelect ? new Selection(tree as R, selected, TRUSTED) : (tree as R);
  }

  /**
   * Inserts `value` after each selected node (whose parent must be an array).
   * @example select(m).atInstancesOf(Softmax).insertAfter(new Probe({ tag: 'attn' }))
   */
  insertAfter<V>(value: V, opts: { andSelect: true }): Selection<V, R>;
  insertAfter(value: unknown, opts?: { andSelect?: false }): R;
  insertAfter(value: unknown, opts: { andSelect?: boolean } = {}): R | Selection<unknown, R> {
    const { tree, selected } = spliceAt(this.root, this.paths, (node) => ({ items: [node, value], select: [1] }), 'insertAfter()');
    return opts.andSelect ? new Selection(tree as R, selected, TRUSTED) : (tree as R);
  }

  /**
   * Replaces each selected array element by the elements `fn` returns (a flat-map).
   * @example select(seq).atInstancesOf(Block).applyAndInline((b) => [b, new Probe({ tag: 'after' })])
   */
  applyAndInline(fn: (node: T, path: KeyPath) => Iterable<unknown>): R {
    return spliceAt(this.root, this.paths, (node, _i, p) => ({ items: [...fn(node as T, p)] }), 'applyAndInline()').tree as R;
  }

  /**
   * Removes each selected node from its parent array.
   * @example select(mlp).atInstancesOf(AddBias).removeFromParent()
   */
  removeFromParent(): R {
    return spliceAt(this.root, this.paths, () => ({ items: [] }), 'removeFromParent()').tree as R;
  }

  /**
   * Splits the tree in two trees of the same shape: `[selected, rest]`. Where a part does not
   * own a subtree it holds `notInThisPartition`; `combine(selected, rest)` restores the tree.
   * With `atLeaves`, both parts keep the full structure and the placeholders sit at leaves.
   * @example const [params, rest] = select(model).atInstancesOf(Parameter).partition({ atLeaves: true })
   */
  partition(opts: { atLeaves?: boolean } = {}): readonly [unknown, unknown] {
    return partitionAt(this.root, this.paths, !!opts.atLeaves);
  }
}


/**
 * Starts a selection at the root of a tree.
 * @example select(model).atInstancesOf(AddBias).removeFromParent()
 */
export function select<R>(tree: R): Selection<R, R> {
  return new Selection<R, R>(tree, [[]], TRUSTED);
}
