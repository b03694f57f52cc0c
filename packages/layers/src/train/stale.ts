/**
 * Stale-tree protection. In Penzai a trainer updates the model's variables in place; here a
 * step returns a new tree, and the old one still holds the old weights (or freed tensors). A
 * tree a Trainer has moved past is marked, and calling it, or differentiating or training it,
 * fails saying which tree to use instead.
 */
const retired = new WeakMap<object, string>();

/**
 * Raised when a tree that a Trainer has replaced is used.
 * @example catch (e) { if (e instanceof StaleTreeError) model = trainer.tree; }
 */
export class StaleTreeError extends Error {
  override readonly name = 'StaleTreeError';
}

/** Marks a tree as replaced; `why` says what replaced it and what to use. @example retireTree(old, 'use trainer.tree') */
export function retireTree(tree: unknown, why: string): void {
  if (tree !== null && typeof tree === 'object') retired.set(tree, why);
}

/** Fails if the tree was retired. @example assertNotStale(model, 'call') */
export function assertNotStale(tree: unknown, what: string): void {
  if (tree === null || typeof tree !== 'object') return;
  const why = retired.get(tree);
  if (why !== undefined) throw new StaleTreeError(`${what}: this tree is stale: ${why}`);
}
