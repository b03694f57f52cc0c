import { childrenOf, describe, isContainer, typeNameOf } from '../tree/tree.js';
import type { KeyEntry, KeyPath } from '../tree/keypath.js';

/**
 * Finds the key paths an accessor such as `m => m.body.blocks[3].attention` reaches.
 *
 * The accessor runs on a stand-in of the tree that records every property read: containers
 * (structs, arrays, records) are replaced by Proxies that know their path, so the returned
 * object itself says where it came from — even when the same object is shared at two places,
 * which identity matching could not tell apart. Leaves (strings, numbers, NamedArrays) cannot
 * be proxied without changing their behaviour, so they are matched against the log of reads,
 * latest first. Array methods work too (`m.blocks.at(-1)`, `m.blocks.filter(...)`), because
 * they read elements through the proxy.
 */
export function accessorPaths(node: unknown, fn: (x: never) => unknown, multiple: boolean): KeyPath[] {
  const pathOfProxy = new WeakMap<object, KeyPath>();
  const log: { path: KeyPath; value: unknown }[] = [];

  const stand = (value: unknown, path: KeyPath): unknown => {
    log.push({ path, value });
    if (!isContainer(value)) return value;
    const kids = new Map<string, [KeyEntry, unknown]>(childrenOf(value).map(([e, v]) => [propName(e), [e, v]]));
    const cache = new Map<string, unknown>();
    const child = (prop: string): unknown => {
      if (!cache.has(prop)) {
        const [e, v] = kids.get(prop)!;
        cache.set(prop, stand(v, [...path, e]));
      }
      return cache.get(prop);
    };
    const isArr = Array.isArray(value);
    // The target is a fresh unfrozen object: a Proxy over a frozen struct would have to return
    // the real (unrecorded) field values, by the Proxy invariants.
    const target: object = isArr ? [] : Object.create(Object.getPrototypeOf(value) as object | null);
    const proxy = new Proxy(target, {
      get(_, prop, receiver) {
        if (typeof prop === 'string' && kids.has(prop)) return child(prop);
        if (isArr && prop === 'length') return (value as unknown[]).length;
        return Reflect.get(value as object, prop, receiver);
      },
      has: (_, prop) => prop in (value as object),
      ownKeys: () => Reflect.ownKeys(value as object),
      getOwnPropertyDescriptor(_, prop) {
        if (typeof prop === 'string' && kids.has(prop)) return { value: child(prop), writable: true, enumerable: true, configurable: true };
        if (isArr && prop === 'length') return { value: (value as unknown[]).length, writable: true, enumerable: false, configurable: false };
        return undefined;
      },
      set(_, prop) {
        throw new TypeError(`at(): the accessor tried to assign '${String(prop)}'; it must only read the tree (use .set or .apply to change it).`);
      },
      defineProperty(_, prop) {
        throw new TypeError(`at(): the accessor tried to define '${String(prop)}'; it must only read the tree.`);
      },
    });
    pathOfProxy.set(proxy, path);
    return proxy;
  };

  const resolve = (r: unknown): KeyPath => {
    if (typeof r === 'object' && r !== null && pathOfProxy.has(r)) return pathOfProxy.get(r)!;
    for (let i = log.length - 1; i >= 0; i--) if (Object.is(log[i].value, r)) return log[i].path;
    throw new Error(
      `at(): the accessor returned ${describe(r)}, which is not a node of the selected subtree. ` +
        `Return a part of the argument, e.g. at(m => m.body.blocks[3]); to select several nodes return an array and pass {multiple: true}.`,
    );
  };

  const result = (fn as (x: unknown) => unknown)(stand(node, []));
  if (!multiple) {
    if (Array.isArray(result) && !(pathOfProxy.has(result))) {
      throw new Error(`at(): the accessor returned a new array of ${result.length} items; pass {multiple: true} to select each of them.`);
    }
    return [resolve(result)];
  }
  if (result === null || typeof result !== 'object' || !(Symbol.iterator in result)) {
    throw new Error(`at(..., {multiple: true}): the accessor must return an array (or iterable) of nodes; it returned ${describe(result)}.`);
  }
  return [...(result as Iterable<unknown>)].map(resolve);
}

function propName(e: KeyEntry): string {
  return e.kind === 'index' ? String(e.index) : e.kind === 'field' ? e.name : e.key;
}

