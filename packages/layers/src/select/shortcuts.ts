import { Struct } from '../tree/struct.js';
import { getAtPath, setAtPath } from '../tree/tree.js';
import type { KeyPath } from '../tree/keypath.js';
import { toKeyPath } from './paths.js';
import { select, type Selection } from './selection.js';

declare module '../tree/struct.js' {
  interface Struct {
    /**
     * Starts a selection at this node (Penzai's `struct.select()`).
     * @example model.select().atInstancesOf(Linear).count()
     */
    select(): Selection<this, this>;
  }
}

Struct.prototype.select = function select_<T extends Struct>(this: T): Selection<T, T> {
  return select(this);
};

/**
 * Replaces the node at one key path (entries or text like `'.sublayers[1]'`), rebuilding only
 * the nodes along it (Penzai's `select_and_set_by_path`). The path must exist.
 * @example const patched = selectAndSetByPath(model, '.sublayers[1]', new Identity());
 */
export function selectAndSetByPath<R>(tree: R, path: KeyPath | string, value: unknown): R {
  const p = toKeyPath(path);
  getAtPath(tree, p); // fails naming the first missing step and the children that exist
  return setAtPath(tree, p, value) as R;
}
