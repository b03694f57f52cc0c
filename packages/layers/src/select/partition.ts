import { Struct } from '../tree/struct.js';
import { childrenOf, isContainer, typeNameOf, withChildren } from '../tree/tree.js';
import { keyPathToString, type KeyPath } from '../tree/keypath.js';
import { complementPaths, isUnder, pathKey, searchSubtrees } from './paths.js';
import { replaceAt } from './rebuild.js';

/**
 * The placeholder that `Selection.partition` leaves where a part does not own a subtree.
 * It is a leaf; `combine` fills every placeholder from another part.
 *
 * @example
 * const [weights, rest] = select(model).atInstancesOf(Parameter).partition();
 * combine(weights, rest); // a tree equal to model
 */
export class NotInThisPartition {
  private constructor() {
    Object.freeze(this);
  }
  /** The one instance. */
  static readonly instance = new NotInThisPartition();
  toString(): string {
    return 'NotInThisPartition';
  }
}

/** The placeholder value of `partition`; compare with `===`. @example select(rest).atEqualTo(notInThisPartition).count() */
export const notInThisPartition = NotInThisPartition.instance;

/**
 * `Selection.partition`: `[selected, rest]`, two trees shaped like `root` with placeholders
 * where the other part owns the subtree (at leaves, with `atLeaves`, so both parts keep the
 * whole structure).
 */
export function partitionAt(root: unknown, paths: readonly KeyPath[], atLeaves: boolean): readonly [unknown, unknown] {
  const mark = () => notInThisPartition;
  if (!atLeaves) return [replaceAt(root, complementPaths(root, paths), mark), replaceAt(root, paths, mark)];
  const selected = new Set(paths.map(pathKey));
  // Every leaf, static fields included, so each part can be combined back position by position.
  const leaves = searchSubtrees(root, [], (x) => !isContainer(x), false, childrenOf);
  return [
    replaceAt(root, leaves.filter((p) => !isUnder(p, selected)), mark),
    replaceAt(root, leaves.filter((p) => isUnder(p, selected)), mark),
  ];
}

/**
 * Merges the parts made by `Selection.partition` (or any trees of the same structure in which
 * each position is owned by exactly one part) back into one tree. Subtrees a single part owns
 * are taken as they are (shared, not copied).
 *
 * @example
 * const [sel, rest] = select(tree).atInstancesOf(Linear).partition();
 * combine(sel, rest) // same structure and values as tree
 */
export function combine<T>(...parts: readonly unknown[]): T {
  if (parts.length === 0) throw new Error('combine() needs at least one part.');
  return merge(parts, []) as T;
}

function merge(parts: readonly unknown[], path: KeyPath): unknown {
  const owners = parts.filter((p) => p !== notInThisPartition);
  if (owners.length === 0) {
    throw new Error(`combine(): no part supplies the value at ${keyPathToString(path) || '(root)'}; every part has NotInThisPartition there.`);
  }
  if (owners.length === 1) return owners[0];
  const [first] = owners;
  if (!owners.every((o) => isContainer(o) && sameKind(o, first))) {
    const kinds = owners.map(typeNameOf).join(', ');
    throw new Error(
      `combine(): ${owners.length} parts supply a value at ${keyPathToString(path) || '(root)'} (${kinds}); ` +
        `exactly one part may own each leaf. Were these parts made by one partition() call?`,
    );
  }
  const kids = childrenOf(first);
  const others = owners.map(childrenOf);
  if (!others.every((k) => k.length === kids.length)) {
    throw new Error(`combine(): the parts have different numbers of children at ${keyPathToString(path) || '(root)'}.`);
  }
  return withChildren(
    first,
    kids.map(([e], i) => merge(others.map((k) => k[i][1]), [...path, e])),
  );
}

function sameKind(a: unknown, b: unknown): boolean {
  if (a instanceof Struct || b instanceof Struct) return a instanceof Struct && b instanceof Struct && a.constructor === b.constructor;
  return Array.isArray(a) === Array.isArray(b);
}
