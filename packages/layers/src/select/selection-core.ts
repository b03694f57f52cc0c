import { childrenOf, getAtPath, isContainer } from '../tree/tree.js';
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
import { treeEquals } from '../tree/equal.js';
import { accessorPaths } from './accessor.js';
import { instanceTest } from './instance-test.js';
import { complementPaths, normalizePaths, searchSubtrees, toKeyPath } from './paths.js';
import type { Selection } from './selection.js';

/** Any class, abstract or not (used by `atInstancesOf`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyClass = abstract new (...args: any[]) => unknown;

/** What `atInstancesOf(C)` selects: JS primitives for the wrapper classes, else instances. */
export type InstanceOf<C extends AnyClass> = C extends NumberConstructor
  ? number
  : C extends StringConstructor
    ? string
    : C extends BooleanConstructor
      ? boolean
      : C extends ArrayConstructor
        ? unknown[]
        : C extends ObjectConstructor
          ? Record<string, unknown>
          : InstanceType<C>;

/** Options of the searches that may match nested nodes. */
export interface SearchOptions {
  /** Keep the innermost matches instead of the outermost (default false). */
  innermost?: boolean;
  /**
   * Accepted for Penzai familiarity; callbacks always receive the key path as their second
   * argument, so the flag changes nothing.
   */
  withKeypath?: boolean;
}

/** Options of `apply`. */
export interface ApplyOptions {
  /** See `SearchOptions.withKeypath`: the path is always the callback's second argument. */
  withKeypath?: boolean;
  /** Return a selection of the new nodes in the new tree instead of the tree. */
  keepSelected?: boolean;
}

/** Marks paths that are already normalised (internal). */
export const TRUSTED = Symbol('penjing.trustedPaths');

/**
 * The building and reading half of a `Selection` (see there); writes live in `Selection`.
 * @example select(model).atInstancesOf(Linear).count()
 */
export abstract class SelectionCore<T = unknown, R = unknown> {
  /** The tree this selection was made in. */
  readonly root: R;
  /** Key paths of the selected nodes, in tree order; no path is a prefix of another. */
  readonly paths: readonly KeyPath[];

  /** Use `select(tree)` and the `at*` methods; arbitrary paths are normalised (tree order, outermost wins). */
  constructor(root: R, paths: readonly KeyPath[], trusted?: typeof TRUSTED) {
    this.root = root;
    this.paths = Object.freeze(trusted === TRUSTED ? [...paths] : normalizePaths(root, paths));
    Object.freeze(this);
  }

  /** A selection of already-normalised paths in the same tree. */
  protected with<U>(paths: readonly KeyPath[]): Selection<U, R> {
    return this.derive<U>(paths, true);
  }

  /**
   * A new selection in the same tree, of this selection's own concrete class (`Selection`):
   * the core builds through `this.constructor`, so it needs no runtime import of, nor a
   * factory registered by, the subclass.
   */
  private derive<U>(paths: readonly KeyPath[], trusted: boolean): Selection<U, R> {
    const Concrete = this.constructor as new (root: R, paths: readonly KeyPath[], trusted?: typeof TRUSTED) => Selection<U, R>;
    return new Concrete(this.root, paths, trusted ? TRUSTED : undefined);
  }

  /** Collects sub-paths below each selected node, keeping tree order (the nodes are disjoint). */
  protected within<U>(fn: (node: T, path: KeyPath) => KeyPath[]): Selection<U, R> {
    return this.with<U>(this.paths.flatMap((p) => fn(getAtPath(this.root, p) as T, p)));
  }

  // ---- building -------------------------------------------------------------------------

  /**
   * Selects the part of each selected node that an accessor reaches (recorded through a
   * Proxy, so shared objects are told apart by where they were reached). With
   * `{multiple: true}` the accessor returns several nodes.
   * @example select(model).at((m) => m.body.blocks[3].attention)
   * @example select(seq).at((s) => [s.sublayers[0], s.sublayers[2]], { multiple: true })
   */
  at<U>(fn: (node: T) => U, opts?: { multiple?: false }): Selection<U, R>;
  at<U>(fn: (node: T) => Iterable<U>, opts: { multiple: true }): Selection<U, R>;
  at(fn: (node: T) => unknown, opts: { multiple?: boolean } = {}): Selection<unknown, R> {
    const paths = this.paths.flatMap((p) => accessorPaths(getAtPath(this.root, p), fn as (x: never) => unknown, !!opts.multiple).map((r) => [...p, ...r]));
    return this.derive(paths, false);
  }

  /**
   * Selects instances of a class (or of any of several), searching each selected subtree
   * including its root; the outermost match wins unless `innermost`. `Number`, `String`,
   * `Boolean`, `Array` and `Object` (plain records) select JS values by type (see instanceTest).
   * @example select(model).atInstancesOf(Linear).apply((l) => l) // l: Linear
   * @example select(model).atInstancesOf(Number).getSequence() // every number in the tree
   */
  atInstancesOf<C extends AnyClass>(cls: C | readonly C[], opts: SearchOptions = {}): Selection<InstanceOf<C>, R> {
    const tests = (Array.isArray(cls) ? (cls as readonly C[]) : [cls as C]).map(instanceTest);
    return this.atSubtreesWhere((x): x is InstanceOf<C> => tests.some((t) => t(x)), opts);
  }

  /**
   * Selects subtrees for which `pred(node, path)` holds (`path` is absolute); outermost
   * matches win unless `innermost`.
   * @example select(tree).atSubtreesWhere((x, path) => x instanceof Parameter && path.length > 2)
   */
  atSubtreesWhere<U>(pred: (node: unknown, path: KeyPath) => node is U, opts?: SearchOptions): Selection<U, R>;
  atSubtreesWhere(pred: (node: unknown, path: KeyPath) => boolean, opts?: SearchOptions): Selection<unknown, R>;
  atSubtreesWhere(pred: (node: unknown, path: KeyPath) => boolean, opts: SearchOptions = {}): Selection<unknown, R> {
    return this.within((node, p) => searchSubtrees(node, p, pred, !!opts.innermost));
  }

  /**
   * Selects nodes at key paths relative to each selected node (entries or text like
   * `'.sublayers[2]'`). Paths that do not exist are skipped; when one path is a prefix of
   * another, the shorter one wins.
   * @example select(mlp).atKeypaths(['.sublayers[0]', '.sublayers[2]'])
   */
  atKeypaths(paths: readonly (KeyPath | string)[]): Selection<unknown, R> {
    const rel = paths.map(toKeyPath);
    const abs: KeyPath[] = [];
    for (const p of this.paths) {
      const node = getAtPath(this.root, p);
      for (const r of rel) if (exists(node, r)) abs.push([...p, ...r]);
    }
    return this.derive(abs, false);
  }

  /**
   * Selects the direct children of each selected node (for generic recursion).
   * @example select(seq).atChildren().atChildren() // each sublayer of a Sequential
   */
  atChildren(): Selection<unknown, R> {
    return this.within((node, p) => childrenOf(node).map(([e]) => [...p, e]));
  }

  /**
   * Selects subtrees equal to `value` (`treeEquals`: structs by type and fields, leaves by
   * `Object.is`; so arrays and tensors match only themselves).
   * @example select(layer).atEqualTo('embedding')
   */
  atEqualTo<U>(value: U): Selection<U, R> {
    return this.atSubtreesWhere((x): x is U => treeEquals(x, value));
  }

  /**
   * Selects every leaf (a node that is not a struct, array or record: NamedArrays, numbers,
   * strings, functions — static metadata included).
   * @example select(layer).atLeaves().getSequence()
   */
  atLeaves(): Selection<unknown, R> {
    return this.atSubtreesWhere((x) => !isContainer(x));
  }

  /**
   * Selects every node with no children (leaves, empty arrays and records, field-less structs).
   * @example select(tree).atChildless().count()
   */
  atChildless(): Selection<unknown, R> {
    return this.atSubtreesWhere((x) => childrenOf(x).length === 0);
  }

  /**
   * Keeps the selected nodes for which `pred(node, path)` holds.
   * @example select(model).atInstancesOf(Linear).where((l) => l.outAxisNames.includes('neurons'))
   */
  where<U extends T>(pred: (node: T, path: KeyPath) => node is U): Selection<U, R>;
  where(pred: (node: T, path: KeyPath) => boolean): Selection<T, R>;
  where(pred: (node: T, path: KeyPath) => boolean): Selection<T, R> {
    return this.with<T>(this.paths.filter((p) => pred(getAtPath(this.root, p) as T, p)));
  }

  /**
   * Keeps the n-th selected node(s) in tree order; negative indices count from the end.
   * @example select(model).atInstancesOf(Block).pickNth(-1)
   */
  pickNth(n: number | readonly number[]): Selection<T, R> {
    const count = this.paths.length;
    const wanted = new Set<number>();
    for (const i of typeof n === 'number' ? [n] : n) {
      if (!Number.isInteger(i) || i >= count || i < -count) {
        throw new RangeError(`pickNth(${i}): the selection has ${count} node${count === 1 ? '' : 's'}, so indices run from ${-count} to ${count - 1}.`);
      }
      wanted.add(i < 0 ? i + count : i);
    }
    return this.with<T>(this.paths.filter((_, i) => wanted.has(i)));
  }

  /**
   * Selects the largest subtrees that contain no selected node (the complement).
   * @example select(tree).atInstancesOf(Parameter).invert()
   */
  invert(): Selection<unknown, R> {
    return this.with(complementPaths(this.root, this.paths));
  }

  /**
   * Replaces each selected node by a selection made inside it: `fn` gets the node and must
   * return a selection whose root is that node.
   * @example select(model).atInstancesOf(Block).refine((b) => select(b).atInstancesOf(Linear).pickNth(0))
   */
  refine<U>(fn: (node: T, path: KeyPath) => SelectionCore<U, unknown>): Selection<U, R> {
    return this.within<U>((node, p) => {
      const sub = fn(node, p);
      if (!(sub instanceof SelectionCore) || sub.root !== node) {
        throw new Error(`refine(): the callback must return select(node)... for the node it was given (at ${keyPathToString(p) || '(root)'}).`);
      }
      return sub.paths.map((r) => [...p, ...r]);
    });
  }

  // ---- reading --------------------------------------------------------------------------

  /** The number of selected nodes. @example select(m).atInstancesOf(Linear).count() // 4 */
  count(): number {
    return this.paths.length;
  }

  /** True when nothing is selected. @example select(m).atInstancesOf(AddBias).isEmpty() */
  isEmpty(): boolean {
    return this.paths.length === 0;
  }

  /**
   * Fails unless exactly `n` nodes are selected; returns the selection (chainable).
   * @example select(model).atInstancesOf(Softmax).assertCountIs(4).insertAfter(probe)
   */
  assertCountIs(n: number): this {
    if (this.paths.length !== n) {
      throw new Error(`Expected ${n} selected node${n === 1 ? '' : 's'}, got ${this.paths.length}${this.describePaths()}.`);
    }
    return this;
  }

  /**
   * The single selected node; fails with the count (and paths) otherwise.
   * @example select(m).at((x) => x.sublayers[0]).get()
   */
  get(): T {
    if (this.paths.length !== 1) {
      throw new Error(`get() needs exactly one selected node, but ${this.paths.length} are selected${this.describePaths()}. Use getSequence() for several, or narrow with pickNth/where.`);
    }
    return getAtPath(this.root, this.paths[0]) as T;
  }

  /** The selected nodes in tree order. @example select(m).atInstancesOf(Parameter).getSequence().map((p) => p.label) */
  getSequence(): T[] {
    return this.paths.map((p) => getAtPath(this.root, p) as T);
  }

  /** The key paths of the selected nodes (same as `paths`, as a fresh array). @example s.getKeypaths().map(keyPathToString) */
  getKeypaths(): KeyPath[] {
    return [...this.paths];
  }

  /** The key paths of the selected nodes, for viewers that box them in the drawn `root`. @example const paths = s.selectedPaths();   // what view(s) boxes in s.root */
  selectedPaths(): KeyPath[] {
    return [...this.paths];
  }

  /** The selected nodes keyed by their path text. @example s.getByPath().get('.sublayers[0]') */
  getByPath(): Map<string, T> {
    return new Map(this.paths.map((p) => [keyPathToString(p), getAtPath(this.root, p) as T]));
  }

  /** The tree, forgetting the selection. @example select(m).atInstancesOf(Linear).deselect() === m */
  deselect(): R {
    return this.root;
  }

  /** The selected paths for error messages (at most eight). */
  protected describePaths(): string {
    if (!this.paths.length) return '';
    const shown = this.paths.slice(0, 8).map((p) => keyPathToString(p) || '(root)');
    return ` (${shown.join(', ')}${this.paths.length > 8 ? ', ...' : ''})`;
  }
}

function exists(node: unknown, path: KeyPath): boolean {
  try {
    getAtPath(node, path);
    return true;
  } catch {
    return false;
  }
}
