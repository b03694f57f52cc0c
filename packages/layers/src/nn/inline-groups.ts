import { childrenOf, isContainer, withChildren } from '../tree/tree.js';
import { Layer } from '../core/layer.js';
import { NamedGroup, Sequential } from './combinators.js';
import type { AnyClass } from '../select/selection-core.js';

/** A node that runs its `sublayers` in order (Sequential, NamedGroup and their subclasses). */
export type Group = Sequential | NamedGroup;

/** A group filter: a predicate, or a class (the group must be an instance). */
export type GroupFilter = ((group: Group) => boolean) | AnyClass;

/** True for Sequential and NamedGroup (and subclasses). @example isGroup(new Sequential({ sublayers: [] })) // true */
export function isGroup(x: unknown): x is Group {
  return x instanceof Sequential || x instanceof NamedGroup;
}

/**
 * Flattens groups into the groups that contain them (Penzai's `inline_groups`): in every group
 * matching `parentFilter`, each direct sublayer that is a group matching `childFilter` is
 * replaced by its own sublayers. Works bottom-up, so nested groups flatten fully. Both
 * filters default to every group. The computation is unchanged.
 * @example inlineGroups(model, Sequential, (g) => !(g instanceof NamedGroup))
 */
export function inlineGroups<T>(tree: T, parentFilter: GroupFilter = () => true, childFilter: GroupFilter = () => true): T {
  const test = (f: GroupFilter) => {
    if (typeof f !== 'function') throw new TypeError(`inlineGroups: filters are predicates (group) => boolean or classes; got ${typeof f}.`);
    return isClass(f) ? (g: Group) => g instanceof (f as AnyClass) : (f as (g: Group) => boolean);
  };
  const parentOk = test(parentFilter);
  const childOk = test(childFilter);
  const go = (node: unknown): unknown => {
    if (!isContainer(node)) return node;
    const rebuilt = withChildren(node, childrenOf(node).map(([, v]) => go(v)));
    if (!isGroup(rebuilt) || !parentOk(rebuilt)) return rebuilt;
    const flat = rebuilt.sublayers.flatMap((l): Layer[] => (isGroup(l) && childOk(l) ? [...l.sublayers] : [l]));
    return flat.length === rebuilt.sublayers.length && flat.every((l, i) => l === rebuilt.sublayers[i]) ? rebuilt : rebuilt.replace({ sublayers: Object.freeze(flat) });
  };
  return go(tree) as T;
}

/** Classes have a prototype whose constructor is themselves and are not arrow functions. */
function isClass(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f)) ;
}
