import { childrenOf, isContainer, searchableChildrenOf } from '../tree/tree.js';
import { parseKeyPath, type KeyEntry, type KeyPath } from '../tree/keypath.js';

/**
 * A canonical string for a key path, used as a map key. Struct fields and record keys compare
 * by name (as `getAtPath` does), array indices by number.
 */
export function pathKey(path: KeyPath): string {
  return JSON.stringify(path.map(entryToken));
}

/** The canonical token of one key entry (`#3` for an index, `.name` for a field or key). */
export function entryToken(e: KeyEntry): string {
  return e.kind === 'index' ? `#${e.index}` : `.${e.kind === 'field' ? e.name : e.key}`;
}

/** Accepts key paths as entries or as text such as `.body.blocks[3]`. */
export function toKeyPath(p: KeyPath | string): KeyPath {
  return typeof p === 'string' ? parseKeyPath(p) : p;
}

/**
 * Puts paths into tree order (struct field order, array index, record insertion order), drops
 * duplicates, and keeps only the outermost of nested paths — or, with `innermost`, only the
 * innermost. Paths that do not exist in the tree are dropped.
 */
export function normalizePaths(root: unknown, paths: readonly KeyPath[], innermost = false): KeyPath[] {
  if (paths.length === 0) return [];
  const wanted = new Set(paths.map(pathKey));
  // Prefixes of wanted paths tell the walk which subtrees can still contain a wanted node.
  const prefixes = new Set<string>();
  for (const p of paths) for (let i = 0; i < p.length; i++) prefixes.add(pathKey(p.slice(0, i)));
  const out: KeyPath[] = [];
  const visit = (node: unknown, path: KeyPath): boolean => {
    const k = pathKey(path);
    const hit = wanted.has(k);
    if (hit && !innermost) {
      out.push(path);
      return true;
    }
    let below = false;
    if (prefixes.has(k) && isContainer(node)) {
      for (const [e, v] of childrenOf(node)) below = visit(v, [...path, e]) || below;
    }
    if (hit && !below) {
      out.push(path);
      return true;
    }
    return below;
  };
  visit(root, []);
  return out;
}

/**
 * Collects, in tree order, the subtrees under `start` (at `base`) for which `match` holds; by
 * default a match stops the descent (outermost wins), with `innermost` a match is kept only if
 * no descendant matches.
 */
export function searchSubtrees(
  start: unknown,
  base: KeyPath,
  match: (node: unknown, path: KeyPath) => boolean,
  innermost = false,
  children: (node: unknown) => [KeyEntry, unknown][] = searchableChildrenOf,
): KeyPath[] {
  const out: KeyPath[] = [];
  const visit = (node: unknown, path: KeyPath): boolean => {
    const hit = match(node, path);
    if (hit && !innermost) {
      out.push(path);
      return true;
    }
    let below = false;
    for (const [e, v] of children(node)) below = visit(v, [...path, e]) || below;
    if (hit && !below) {
      out.push(path);
      return true;
    }
    return below;
  };
  visit(start, base);
  return out;
}

/**
 * The largest subtrees of `root` that contain none of the (non-nested) `paths`, in tree order:
 * the complement of a selection.
 */
export function complementPaths(root: unknown, paths: readonly KeyPath[]): KeyPath[] {
  const selected = new Set(paths.map(pathKey));
  const onTheWay = new Set<string>();
  for (const p of paths) for (let i = 0; i < p.length; i++) onTheWay.add(pathKey(p.slice(0, i)));
  const out: KeyPath[] = [];
  const visit = (node: unknown, path: KeyPath) => {
    const k = pathKey(path);
    if (selected.has(k)) return;
    if (!onTheWay.has(k)) {
      out.push(path);
      return;
    }
    for (const [e, v] of childrenOf(node)) visit(v, [...path, e]);
  };
  visit(root, []);
  return out;
}

/** True when `path` is one of `paths` or lies below one of them. */
export function isUnder(path: KeyPath, paths: ReadonlySet<string>): boolean {
  for (let i = 0; i <= path.length; i++) if (paths.has(pathKey(path.slice(0, i)))) return true;
  return false;
}

/** A trie over selected paths; `at` marks the index of the path that ends here. */
export interface PathTrie {
  at?: number;
  readonly kids: Map<string, PathTrie>;
}

/** Builds a trie from non-nested paths. */
export function buildTrie(paths: readonly KeyPath[]): PathTrie {
  const root: PathTrie = { kids: new Map() };
  paths.forEach((p, i) => {
    let cur = root;
    for (const e of p) {
      const t = entryToken(e);
      let next = cur.kids.get(t);
      if (!next) cur.kids.set(t, (next = { kids: new Map() }));
      cur = next;
    }
    cur.at = i;
  });
  return root;
}
