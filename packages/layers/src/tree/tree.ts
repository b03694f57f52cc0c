import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Struct, fieldSpecsOf, fieldValue, withFields } from './struct.js';
import { field, index, key, keyPathToString, type KeyEntry, type KeyPath } from './keypath.js';

/** True for plain records (`{...}` literals), which are containers in a tree. @example isRecord({ a: 1 }) // true; isRecord(new Identity()) // false */
export function isRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** True for nodes with children: structs, arrays and plain records. @example isContainer([1]) // true; isContainer(nx.zeros({ a: 1 })) // false */
export function isContainer(x: unknown): x is Struct | readonly unknown[] | Record<string, unknown> {
  return x instanceof Struct || Array.isArray(x) || isRecord(x);
}

/** True for array leaves (NamedArray or raw tensor). @example isArrayLeaf(nx.zeros({ a: 1 })) // true */
export function isArrayLeaf(x: unknown): x is NamedArray | tf.Tensor {
  return x instanceof NamedArray || x instanceof tf.Tensor;
}

/**
 * The children of a node with their key entries (struct fields in order, array indices,
 * record keys); leaves have none.
 * @example childrenOf(layer).map(([k]) => k)
 */
export function childrenOf(node: unknown): [KeyEntry, unknown][] {
  if (node instanceof Struct) return node.fieldNames().map((n) => [field(n), fieldValue(node, n)]);
  if (Array.isArray(node)) return node.map((v, i) => [index(i), v]);
  if (isRecord(node)) return Object.keys(node).map((k) => [key(k), node[k]]);
  return [];
}

/**
 * The children selectors search: like `childrenOf`, without the static (metadata) fields of
 * defined structs — Penzai's `pytree_node=False` fields are not part of the tree's search.
 * @example searchableChildrenOf(new Softmax({ axes: 'kv_seq' })) // []
 */
export function searchableChildrenOf(node: unknown): [KeyEntry, unknown][] {
  const specs = node instanceof Struct ? fieldSpecsOf(node.constructor) : undefined;
  const kids = childrenOf(node);
  return specs ? kids.filter(([e]) => e.kind !== 'field' || specs[e.name]?.kind !== 'static') : kids;
}

/**
 * Rebuilds a container with new children (same keys, same order), sharing the node when
 * nothing changed.
 * @example withChildren(seq, [[newFirst, ...seq.sublayers.slice(1)]])
 */
export function withChildren(node: unknown, values: readonly unknown[]): unknown {
  const kids = childrenOf(node);
  if (kids.length !== values.length) {
    throw new Error(`withChildren: a ${typeNameOf(node)} has ${kids.length} children but ${values.length} values were given; pass one value per child, in order.`);
  }
  if (kids.every(([, v], i) => v === values[i])) return node;
  if (node instanceof Struct) {
    const changes: Record<string, unknown> = {};
    kids.forEach(([k], i) => (changes[(k as { name: string }).name] = values[i]));
    return withFields(node, changes);
  }
  if (Array.isArray(node)) return Object.freeze([...values]);
  const out: Record<string, unknown> = {};
  kids.forEach(([k], i) => (out[(k as { key: string }).key] = values[i]));
  return Object.freeze(out);
}

/**
 * Reads the node at a path; throws naming the first step that does not exist and the
 * children that do.
 * @example getAtPath(model, parseKeyPath('.sublayers[0].weights'))
 */
export function getAtPath(tree: unknown, path: KeyPath): unknown {
  let cur = tree;
  path.forEach((e, i) => {
    const kids = childrenOf(cur);
    const hit = kids.find(([k]) => sameEntry(k, e));
    if (!hit) throw new Error(noChild('getAtPath', path, i, cur));
    cur = hit[1];
  });
  return cur;
}

/**
 * Replaces the node at a path, rebuilding only the nodes along it (the rest is shared).
 * @example setAtPath(model, parseKeyPath('.sublayers[1]'), new Identity())
 */
export function setAtPath(tree: unknown, path: KeyPath, value: unknown): unknown {
  const go = (node: unknown, depth: number): unknown => {
    if (depth === path.length) return value;
    const kids = childrenOf(node);
    const at = kids.findIndex(([k]) => sameEntry(k, path[depth]));
    if (at < 0) throw new Error(noChild('setAtPath', path, depth, node));
    const values = kids.map(([, v]) => v);
    values[at] = go(values[at], depth + 1);
    return withChildren(node, values);
  };
  return go(tree, 0);
}

/** The message for a path step that does not exist: the path, the step, the parent and its children. */
function noChild(what: string, path: KeyPath, step: number, parent: unknown): string {
  const kids = childrenOf(parent).map(([k]) => describeEntry(k));
  const shown = kids.length > 12 ? [...kids.slice(0, 12), '...'] : kids;
  return (
    `${what}: no child ${describeEntry(path[step])} at step ${step} of the path '${keyPathToString(path)}': ` +
    `the ${typeNameOf(parent)} at '${keyPathToString(path.slice(0, step)) || '(root)'}' has ` +
    (kids.length ? `children [${shown.join(', ')}].` : 'no children.')
  );
}

function sameEntry(a: KeyEntry, b: KeyEntry): boolean {
  if (a.kind === 'index' || b.kind === 'index') return a.kind === 'index' && b.kind === 'index' && a.index === b.index;
  const an = a.kind === 'field' ? a.name : a.key;
  const bn = b.kind === 'field' ? b.name : b.key;
  return an === bn;
}

function describeEntry(e: KeyEntry): string {
  return e.kind === 'field' ? `.${e.name}` : e.kind === 'index' ? `[${e.index}]` : `[${JSON.stringify(e.key)}]`;
}

/** The display name of any tree value. @example typeNameOf(nx.zeros({ a: 1 })) // 'NamedArray' */
export function typeNameOf(x: unknown): string {
  if (x instanceof Struct) return x.typeName();
  if (x instanceof NamedArray) return 'NamedArray';
  if (x instanceof tf.Tensor) return 'Tensor';
  if (Array.isArray(x)) return 'Array';
  if (x === null) return 'null';
  if (isRecord(x)) return 'Object';
  return typeof x;
}

/**
 * Describes a value for an error message: what it is, with the detail that helps fix the
 * call (a string's text, an array's length, a tensor's shape and how to name it).
 * @example describe(tf.zeros([2, 3])) // 'a raw tf.Tensor of shape [2, 3] (wrap it with nx.wrap(t, ...names))'
 */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return `the string ${JSON.stringify(x)}`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return `the ${typeof x} ${String(x)}`;
  if (typeof x === 'function') return x.name ? `the function ${x.name}` : 'a function';
  if (Array.isArray(x)) return `an array of ${x.length} values`;
  if (x instanceof tf.Tensor) return `a raw tf.Tensor of shape [${x.shape.join(', ')}] (wrap it with nx.wrap(t, ...names))`;
  if (x instanceof NamedArray) return `a NamedArray ${formatNamedShape(x.namedShape)}`;
  if (typeof x === 'object') return `a ${typeNameOf(x) === 'object' ? ((x as object).constructor?.name ?? 'object') : typeNameOf(x)}`;
  return typeof x;
}

/**
 * Visits every node depth-first (pre-order) with its path; return `false` to skip a subtree.
 * @example walk(model, (node, path) => console.log(keyPathToString(path), typeNameOf(node)))
 */
export function walk(tree: unknown, visit: (node: unknown, path: KeyPath) => boolean | void, path: KeyPath = []): void {
  if (visit(tree, path) === false) return;
  for (const [k, v] of childrenOf(tree)) walk(v, visit, [...path, k]);
}

/**
 * Every leaf (a node with no children) with its path; `isLeaf` can stop descent earlier.
 * @example flattenWithPaths(model, (x) => x instanceof Parameter)
 */
export function flattenWithPaths(tree: unknown, isLeaf: (x: unknown) => boolean = () => false): [KeyPath, unknown][] {
  const out: [KeyPath, unknown][] = [];
  walk(tree, (node, path) => {
    if (isLeaf(node) || !isContainer(node)) {
      out.push([path, node]);
      return false;
    }
  });
  return out;
}

/**
 * Maps every leaf (or every node where `isLeaf` holds), rebuilding only changed paths.
 * @example mapLeaves(tree, (x) => (x instanceof NamedArray ? x.mul(2) : x))
 */
export function mapLeaves(tree: unknown, fn: (leaf: unknown, path: KeyPath) => unknown, isLeaf: (x: unknown) => boolean = () => false, path: KeyPath = []): unknown {
  if (isLeaf(tree) || !isContainer(tree)) return fn(tree, path);
  const kids = childrenOf(tree);
  return withChildren(tree, kids.map(([k, v]) => mapLeaves(v, fn, isLeaf, [...path, k])));
}

/**
 * True when two trees have the same node types, keys and metadata (array values may differ,
 * but their named shapes and dtypes must agree).
 * @example structureEquals(buildModel({ seed: 0 }), buildModel({ seed: 1 })) // true
 */
export function structureEquals(a: unknown, b: unknown): boolean {
  if (isContainer(a) || isContainer(b)) {
    if (typeNameOf(a) !== typeNameOf(b)) return false;
    if (a instanceof Struct && b instanceof Struct && a.constructor !== b.constructor) return false;
    const ka = childrenOf(a);
    const kb = childrenOf(b);
    return ka.length === kb.length && ka.every(([k, v], i) => sameEntry(k, kb[i][0]) && structureEquals(v, kb[i][1]));
  }
  if (a instanceof NamedArray && b instanceof NamedArray) {
    return a.dtype === b.dtype && JSON.stringify(a.namedShape) === JSON.stringify(b.namedShape) && a.positionalShape.join() === b.positionalShape.join();
  }
  if (a instanceof tf.Tensor && b instanceof tf.Tensor) return a.dtype === b.dtype && a.shape.join() === b.shape.join();
  if (typeof a === 'function' && typeof b === 'function') return a.name === b.name;
  return Object.is(a, b);
}
