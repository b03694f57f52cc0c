import { NamedArray } from '@penjing/named-array';
import { childrenOf, isContainer, withChildren } from './tree.js';
import { keyPathToString, type KeyEntry, type KeyPath } from './keypath.js';

/**
 * Lays out every NamedArray of `tree` like the NamedArray at the same place in `reference`
 * (Penzai's tree-level `nx.order_like`): same names, data axes in the reference's order. The
 * two trees must have the same structure; other leaves are kept as they are.
 * @example const aligned = orderLike(grads, params); // each gradient in its parameter's layout
 */
export function orderLike<T>(tree: T, reference: unknown): T {
  const go = (x: unknown, ref: unknown, path: KeyPath): unknown => {
    if (x instanceof NamedArray) {
      if (!(ref instanceof NamedArray)) throw new Error(`orderLike: at ${where(path)} the tree has a NamedArray but the reference has ${describe(ref)}.`);
      const missing = x.names.filter((n) => !ref.names.includes(n));
      const extra = ref.names.filter((n) => !x.names.includes(n));
      if (missing.length || extra.length) {
        throw new Error(`orderLike: at ${where(path)} the arrays have different names: [${x.names.join(', ')}] vs the reference's [${ref.names.join(', ')}].`);
      }
      return x.orderLike(ref);
    }
    if (!isContainer(x)) return x;
    const kids = childrenOf(x);
    const refKids = childrenOf(ref);
    const key = (e: KeyEntry) => JSON.stringify(e);
    if (kids.length !== refKids.length || kids.some(([e], i) => key(e) !== key(refKids[i]![0]))) {
      throw new Error(`orderLike: the trees differ in structure at ${where(path)}: children [${kids.map(([e]) => label(e)).join(', ')}] vs the reference's [${refKids.map(([e]) => label(e)).join(', ')}].`);
    }
    return withChildren(x, kids.map(([e, v], i) => go(v, refKids[i]![1], [...path, e])));
  };
  return go(tree, reference, []) as T;
}

const where = (p: KeyPath) => keyPathToString(p) || '(root)';
const label = (e: KeyEntry) => keyPathToString([e]);
const describe = (v: unknown) => (v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v);
