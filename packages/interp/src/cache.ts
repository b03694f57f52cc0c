/**
 * `runWithCache`: TransformerLens's `run_with_cache` as a functional patch. A copy of the model
 * gets a `Tell` at every requested site (by TransformerLens name, or at any selection of the
 * user's own), `CollectSideOutputs` runs it once, and the activations come back keyed by
 * their stable names. The model passed in is never changed.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '@penjing/named-array';
import { CollectSideOutputs, Tell, keyPathToString, select, type Layer, type Selection } from '@penjing/layers';
import { insertAtSite, siteNames } from './sites.js';

/** Options of `runWithCache`. */
export interface CacheOptions<M> {
  /** Site names to keep (or a filter over them); default every site of the model. */
  readonly names?: readonly string[] | ((name: string) => boolean);
  /** Extra sites of your own: selections made on `model`; the output of each selected layer is cached under the key. */
  readonly selections?: Readonly<Record<string, Selection<unknown, M>>>;
}

/** What `runWithCache` returns; the caller owns (and disposes) every array. */
export interface ActivationCache {
  readonly logits: NamedArray;
  readonly cache: Readonly<Record<string, NamedArray>>;
}

/**
 * Runs `model` once and returns its logits with the activation at every requested site.
 *
 * @example
 * const { logits, cache } = runWithCache(model, tokens, { names: (n) => n.endsWith('hook_pattern') });
 * cache['blocks.0.attn.hook_pattern'].namedShape; // {batch: 1, heads: 4, seq: 12, kv_seq: 12}
 */
export function runWithCache<M extends Layer<NamedArray, NamedArray>>(model: M, tokens: NamedArray, options: CacheOptions<M> = {}): ActivationCache {
  const all = siteNames(model);
  const filter = options.names;
  let names: string[];
  if (filter === undefined) names = all;
  else if (typeof filter === 'function') names = all.filter(filter);
  else {
    const unknown = filter.filter((n) => !all.includes(n));
    if (unknown.length) throw new Error(`runWithCache: unknown site${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; this model's sites are ${all.slice(0, 16).join(', ')}${all.length > 16 ? ', …' : ''} (see siteNames(model)).`);
    names = [...filter];
  }
  // User selections are made on the original tree: all of them become one selection, whose nodes each get their own Tell.
  const custom = Object.entries(options.selections ?? {});
  let probed: M = model;
  if (custom.length) {
    const tagOf = new Map<string, string>();
    for (const [key, sel] of custom) {
      if (sel.root !== (model as unknown)) throw new Error(`runWithCache: the selection for '${key}' was made on another tree; make it with select(model) on the model you pass.`);
      if (sel.isEmpty()) throw new Error(`runWithCache: the selection for '${key}' is empty.`);
      if (sel.count() > 1) throw new Error(`runWithCache: the selection for '${key}' has ${sel.count()} nodes; give one selection per cached activation (pickNth).`);
      tagOf.set(keyPathToString(sel.getKeypaths()[0]!), key);
    }
    const merged = select(model).atKeypaths(custom.map(([, s]) => s.getKeypaths()[0]!));
    const tells = merged.getKeypaths().map((p) => new Tell({ tag: tagOf.get(keyPathToString(p))! }));
    probed = merged.insertAfter(tells[0], { andSelect: true }).setSequence(tells) as M;
  }
  for (const name of names) probed = insertAtSite(probed, name, new Tell({ tag: name }));
  const tags = [...custom.map(([k]) => k), ...names];
  const { output, sideOutputs } = new CollectSideOutputs({ body: probed, tags }).call(tokens);
  const cache: Record<string, NamedArray> = {};
  const extra: tf.Tensor[] = [];
  for (const tag of tags) {
    const got = sideOutputs[tag] ?? [];
    if (got.length) cache[tag] = got[0]!;
    extra.push(...got.slice(1).map((g) => g.data));
  }
  tf.dispose(extra);
  return { logits: output as NamedArray, cache };
}
